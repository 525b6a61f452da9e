import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { DynamoDBRecord } from 'aws-lambda';
import { DynamoLayout } from '../../../../src/lib/dynamodb/layout';
import { userStreamRecord } from '../../../../src/lib/samples/users';
import { LocalDynamoTable } from '../../../../src/lib/standins/dynamodb/local-dynamodb';
import { LocalObjectStore } from '../../../../src/lib/standins/s3/local-object-store';
import { getBytes, listKeys } from '../../../../src/lib/storage/object-store';

const ARN = 'arn:aws:dynamodb:local:000000000000:table/tributary-local-users';
let root: string;
let store: LocalObjectStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-local-dynamodb-'));
  store = new LocalObjectStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const change = (index: number, version: number, remove = false) =>
  userStreamRecord(index, version, {
    remove,
    sequence: BigInt(1000 + index * 10 + version),
    time: Date.UTC(2026, 10, 20, 1),
    streamArn: `${ARN}/stream/x`,
  }) as unknown as DynamoDBRecord;

const request = (token = 'run-1') => ({
  TableArn: ARN,
  S3Bucket: 'tributary-local-raw',
  S3Prefix: 'exports/dynamodb/users/dt=2026-11-20/exported_at=20261121T000000Z/',
  ExportFormat: 'DYNAMODB_JSON',
  ExportTime: '2026-11-21T00:00:00.000Z',
  ClientToken: token,
});

describe('LocalDynamoTable', () => {
  it('exports the items its changes leave behind, as DynamoDB writes exports, once per client token', async () => {
    const table = new LocalDynamoTable(ARN, { now: () => Date.UTC(2026, 10, 21, 1) });
    for (const record of [change(1, 0), change(2, 0), change(1, 1), change(3, 0), change(2, 1, true)]) {
      table.apply(record);
    }
    const first = await table.exportToPointInTime(request(), store);
    expect(first).toMatchObject({ ExportStatus: 'COMPLETED', ItemCount: 2 });
    expect(await table.exportToPointInTime(request(), store)).toBe(first);
    expect(table.describeExport(first.ExportArn)).toBe(first);

    const keys = await listKeys(store, 'tributary-local-raw', 'exports/');
    const data = keys.filter((k) => k.endsWith('.json.gz'));
    expect(data).toHaveLength(1);
    expect(DynamoLayout.classify(data[0]!)).toMatchObject({
      kind: 'export',
      table: 'users',
      dt: '2026-11-20',
    });
    expect(keys.some((k) => k.endsWith('/manifest-summary.json'))).toBe(true);
    const items = gunzipSync(await getBytes(store, 'tributary-local-raw', data[0]!))
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).Item);
    expect(items.map((i) => i.user_id.S)).toEqual(['u_000001', 'u_000003']);
    expect(items[0]).toEqual((change(1, 1).dynamodb as any).NewImage);
  });

  it('refuses a client token reused with other parameters within 8 hours, as DynamoDB does', async () => {
    let now = Date.UTC(2026, 10, 21, 1);
    const table = new LocalDynamoTable(ARN, { now: () => now, recoveryEnabledAt: Date.UTC(2026, 10, 1) });
    await table.exportToPointInTime(request('same-token'), store);
    const later = {
      ...request('same-token'),
      ExportTime: '2026-11-21T00:30:00.000Z',
      S3Prefix: 'exports/dynamodb/users/dt=2026-11-20/exported_at=20261121T003000Z/',
    };
    now += 8 * 3_600_000 - 1;
    await expect(table.exportToPointInTime(later, store)).rejects.toMatchObject({
      name: 'DynamoDb.ImportConflictException',
    });
    // the same request again is the same export, whenever it comes
    await expect(table.exportToPointInTime(request('same-token'), store)).resolves.toMatchObject({
      ExportStatus: 'COMPLETED',
    });
    now += 2;
    await expect(table.exportToPointInTime(later, store)).resolves.toMatchObject({
      ExportStatus: 'COMPLETED',
    });
  });

  it('refuses an export time outside the point-in-time recovery window, as DynamoDB does', async () => {
    const DAY_MS = 86_400_000;
    const now = Date.UTC(2026, 11, 30, 12);
    const enabled = Date.UTC(2026, 10, 20, 6);
    const table = new LocalDynamoTable(ARN, { now: () => now, recoveryEnabledAt: enabled });
    const at = (time: number) => ({
      ...request(`t-${time}`),
      ExportTime: new Date(time).toISOString(),
      S3Prefix: `exports/dynamodb/users/dt=x/exported_at=${time}/`,
    });
    const invalid = { name: 'DynamoDb.InvalidExportTimeException' };
    // before recovery was enabled
    await expect(table.exportToPointInTime(at(enabled - 1000), store)).rejects.toMatchObject(invalid);
    // later than about five minutes ago
    await expect(table.exportToPointInTime(at(now - 60_000), store)).rejects.toMatchObject(invalid);
    await expect(table.exportToPointInTime(at(now - 5 * 60_000), store)).resolves.toMatchObject({
      ExportStatus: 'COMPLETED',
    });
    // older than 35 days, though recovery was on then
    const old = new LocalDynamoTable(ARN, { now: () => now, recoveryEnabledAt: now - 60 * DAY_MS });
    await expect(old.exportToPointInTime(at(now - 35 * DAY_MS - 1000), store)).rejects.toMatchObject(invalid);
    await expect(old.exportToPointInTime(at(now - 35 * DAY_MS + 1000), store)).resolves.toMatchObject({
      ExportStatus: 'COMPLETED',
    });
    expect(old.describeContinuousBackups()).toEqual({
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: {
          PointInTimeRecoveryStatus: 'ENABLED',
          EarliestRestorableDateTime: new Date(now - 35 * DAY_MS).toISOString(),
          LatestRestorableDateTime: new Date(now - 5 * 60_000).toISOString(),
        },
      },
    });
  });

  it('counts recovery as enabled from the first change it saw, unless told', async () => {
    const table = new LocalDynamoTable(ARN, { now: () => Date.UTC(2026, 10, 22) });
    table.apply(change(1, 0));
    const description = table.describeContinuousBackups().ContinuousBackupsDescription;
    expect(description.PointInTimeRecoveryDescription.EarliestRestorableDateTime).toBe(
      '2026-11-20T01:00:00.000Z',
    );
  });

  it('answers as DynamoDB does for a table or export it does not know', async () => {
    const table = new LocalDynamoTable(ARN);
    await expect(
      table.exportToPointInTime({ ...request(), TableArn: `${ARN}-other` }, store),
    ).rejects.toMatchObject({
      name: 'DynamoDb.TableNotFoundException',
    });
    expect(() => table.describeExport(`${ARN}/export/nope`)).toThrow(
      expect.objectContaining({ name: 'DynamoDb.ExportNotFoundException' }),
    );
  });
});
