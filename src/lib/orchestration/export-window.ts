import { DynamoLayout } from '../dynamodb/layout';
import { compactTime, type DynamoExport, exportClientToken } from './run-plan';

/** A table's point-in-time recovery window, from DescribeContinuousBackups. */
export type RecoveryWindow =
  | { readonly enabled: false }
  | { readonly enabled: true; readonly earliest: number; readonly latest: number };

/** The export the plan asked for, as fitted to the table's window by `Fit export to recovery window`. */
export type FittedExport = DynamoExport & {
  /** What was done to the planned time: `as planned`, or why it was clamped or skipped. */
  readonly timing: string;
  readonly clamped?: string;
  /** Why the day's export is skipped; the transforms read the latest snapshot before it. */
  readonly skipped?: string;
};

/** A timestamp as the SDK integration may hand it on: ISO text or epoch seconds. */
function timestamp(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  return undefined;
}

/** Reads `ContinuousBackupsDescription` (DescribeContinuousBackups' answer). */
export function readRecoveryWindow(description: unknown): RecoveryWindow {
  const pitr = (description as { PointInTimeRecoveryDescription?: Record<string, unknown> } | null)
    ?.PointInTimeRecoveryDescription;
  const earliest = timestamp(pitr?.EarliestRestorableDateTime);
  const latest = timestamp(pitr?.LatestRestorableDateTime);
  if (pitr?.PointInTimeRecoveryStatus !== 'ENABLED' || earliest === undefined || latest === undefined)
    return { enabled: false };
  return { enabled: true, earliest, latest };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * DynamoDB exports only a time inside the table's recovery window (ExportTableToPointInTime
 * refuses any other with InvalidExportTimeException). A planned time after the latest restorable
 * time, on a day that has begun by then, is clamped to it; a time before the earliest (recovery
 * enabled after it, or more than 35 days ago), or a table without recovery, skips the day's export.
 */
export function fitExportToWindow(planned: DynamoExport, window: RecoveryWindow): FittedExport {
  const wanted = Date.parse(planned.request.ExportTime);
  const skip = (reason: string): FittedExport => ({
    ...planned,
    timing: 'skipped',
    skipped: `${planned.table}: ${reason}; the day's snapshot is not exported, and transforms read the latest one before it with the changes since`,
  });
  if (!window.enabled)
    return skip('point-in-time recovery is not enabled on the table, so DynamoDB cannot export it');
  if (wanted < window.earliest)
    return skip(
      `export time ${planned.request.ExportTime} is before the earliest restorable time ${iso(window.earliest)} (recovery was enabled later, or it is more than 35 days ago)`,
    );
  if (wanted <= window.latest) return { ...planned, timing: 'as planned' };
  // whole seconds, as the export prefix names them
  const latest = Math.floor(window.latest / 1000) * 1000;
  if (latest < Date.parse(`${planned.day}T00:00:00Z`) || latest < window.earliest)
    return skip(
      `the latest restorable time ${iso(window.latest)} is before ${planned.day} began, so the day cannot be exported yet`,
    );
  const request = {
    ...planned.request,
    ExportTime: iso(latest),
    S3Prefix: DynamoLayout.exportPrefix(planned.table, planned.day, compactTime(iso(latest))),
  };
  const clamped = `${planned.table}: export time ${planned.request.ExportTime} is after the latest restorable time ${iso(window.latest)}; exported as of ${iso(latest)}`;
  return {
    ...planned,
    request: { ...request, ClientToken: exportClientToken(planned.table, planned.day, request) },
    timing: clamped,
    clamped,
  };
}
