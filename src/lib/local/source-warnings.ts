import { DynamoLayout } from '../dynamodb/layout';
import type { DeliveryStats } from '../standins/firehose/local-delivery-stream';
import type { CaptureStats, LocalRunSummary, QuarantineSummary } from './local-pipeline';

/** Quarantine files (in the raw bucket) of a DynamoDB table's lake tables (its changes and its snapshot). */
export function quarantinedOf(table: string, quarantined: readonly QuarantineSummary[]): QuarantineSummary[] {
  const lakeTables = [DynamoLayout.changesTable(table), DynamoLayout.snapshotTable(table)];
  return quarantined.filter((q) => lakeTables.includes(DynamoLayout.quarantinedLakeTable(q.key) ?? ''));
}

/** A DynamoDB table's failures: changes the stream Lambda gave up on, and lines the flattener quarantined. */
export function failedChanges(
  table: string,
  stats: CaptureStats,
  quarantined: readonly QuarantineSummary[],
): number {
  return stats.failedChanges + quarantinedOf(table, quarantined).reduce((sum, q) => sum + q.lines, 0);
}

/** Why a stream is worth a look although the pipeline succeeded: it sent nothing, or nothing of it arrived. */
export function streamWarning(stream: string, stats: DeliveryStats): string | undefined {
  if (stats.recordsIn === 0) return `${stream} sent nothing in this run`;
  if (stats.rowsWritten === 0) return `every record of ${stream} failed: nothing of it reached the lake`;
  return undefined;
}

/** The same for a DynamoDB table: no changes, or none that reached the lake. */
export function captureWarning(table: string, stats: CaptureStats, failed: number): string | undefined {
  if (stats.changes === 0) return `${table} sent no changes in this run`;
  if (failed >= stats.changes) return `every change of ${table} failed: nothing of it reached the lake`;
  return undefined;
}

/** Every source's warning, streams first. */
export function sourceWarnings(summary: LocalRunSummary): string[] {
  return [
    ...[...summary.streams].map(([stream, stats]) => streamWarning(stream, stats)),
    ...[...summary.captures].map(([table, stats]) =>
      captureWarning(table, stats, failedChanges(table, stats, summary.quarantined)),
    ),
  ].filter((warning): warning is string => warning !== undefined);
}

/** Reasons shown for a source's failed records: the most common first. */
export const SHOWN_FAILURE_REASONS = 3;

/** `reason (n records)`, most common first, at most SHOWN_FAILURE_REASONS of them. */
export function failureReasons(
  stats: Pick<DeliveryStats, 'failureReasons'>,
  [one, many] = ['record', 'records'],
): string[] {
  return [...stats.failureReasons]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, SHOWN_FAILURE_REASONS)
    .map(([reason, count]) => `${reason} (${count} ${count === 1 ? one : many})`);
}

/** The same for the lines of a quarantine file. */
export function quarantineReasons(quarantine: QuarantineSummary): string[] {
  return failureReasons({ failureReasons: new Map(quarantine.reasons ?? []) }, ['line', 'lines']);
}
