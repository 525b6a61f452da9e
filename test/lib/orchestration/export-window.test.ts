import { fitExportToWindow, readRecoveryWindow } from '../../../src/lib/orchestration/export-window';
import { type DynamoExport, exportClientToken } from '../../../src/lib/orchestration/run-plan';

const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/app-members';
const planned = (day: string, time: string): DynamoExport => {
  const request = {
    TableArn: TABLE_ARN,
    S3Bucket: 'raw',
    S3Prefix: `exports/dynamodb/members/dt=${day}/exported_at=${time.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}/`,
    ExportFormat: 'DYNAMODB_JSON' as const,
    ExportTime: time,
  };
  return {
    table: 'members',
    day,
    request: { ...request, ClientToken: exportClientToken('members', day, request) },
  };
};
const window = (earliest: string, latest: string) => ({
  ContinuousBackupsStatus: 'ENABLED',
  PointInTimeRecoveryDescription: {
    PointInTimeRecoveryStatus: 'ENABLED',
    EarliestRestorableDateTime: earliest,
    LatestRestorableDateTime: latest,
  },
});

describe('readRecoveryWindow', () => {
  it.each([
    ['ISO timestamps', window('2026-11-01T00:00:00Z', '2026-11-21T10:00:00Z')],
    [
      'epoch seconds',
      {
        PointInTimeRecoveryDescription: {
          PointInTimeRecoveryStatus: 'ENABLED',
          EarliestRestorableDateTime: Date.UTC(2026, 10, 1) / 1000,
          LatestRestorableDateTime: Date.UTC(2026, 10, 21, 10) / 1000,
        },
      },
    ],
  ])('reads the window from %s', (_, description) => {
    expect(readRecoveryWindow(description)).toEqual({
      enabled: true,
      earliest: Date.UTC(2026, 10, 1),
      latest: Date.UTC(2026, 10, 21, 10),
    });
  });
});

describe('fitExportToWindow', () => {
  it('leaves an export time inside the window as planned', () => {
    const item = planned('2026-11-20', '2026-11-21T00:00:00.000Z');
    expect(
      fitExportToWindow(item, readRecoveryWindow(window('2026-11-01T00:00:00Z', '2026-11-21T10:00:00Z'))),
    ).toEqual({ ...item, timing: 'as planned' });
  });

  it('clamps to the latest restorable time a day that has begun but whose end is not restorable yet', () => {
    const item = planned('2026-11-21', '2026-11-21T09:45:00.000Z');
    const fitted = fitExportToWindow(
      item,
      readRecoveryWindow(window('2026-11-01T00:00:00Z', '2026-11-21T09:40:12.345Z')),
    );
    expect(fitted.skipped).toBeUndefined();
    expect(fitted.request.ExportTime).toBe('2026-11-21T09:40:12.000Z');
    expect(fitted.request.S3Prefix).toBe(
      'exports/dynamodb/members/dt=2026-11-21/exported_at=20261121T094012Z/',
    );
    expect(fitted.request.ClientToken).not.toBe(item.request.ClientToken);
    expect(fitted.clamped).toContain('2026-11-21T09:45:00.000Z is after the latest restorable time');
  });

  it.each([
    [
      'before recovery was enabled',
      window('2026-11-25T08:00:00Z', '2026-11-26T10:00:00Z'),
      'is before the earliest restorable time 2026-11-25T08:00:00.000Z',
    ],
    [
      'older than the 35 days recovery keeps',
      window('2026-12-16T10:00:00Z', '2027-01-20T10:00:00Z'),
      'is before the earliest restorable time 2026-12-16T10:00:00.000Z',
    ],
    [
      'with recovery off',
      {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
      },
      'point-in-time recovery is not enabled',
    ],
  ])('skips the export of a day %s, and says why', (_, description, reason) => {
    const fitted = fitExportToWindow(
      planned('2026-11-20', '2026-11-21T00:00:00.000Z'),
      readRecoveryWindow(description),
    );
    expect(fitted.skipped).toContain(reason);
    expect(fitted.skipped).toContain('members');
  });
});
