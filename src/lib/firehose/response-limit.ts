import type { FirehoseTransformationResultRecord } from 'aws-lambda';
import { type BatchStats, FailureReason, recordFailure } from './transform-batch';

/** Lambda's synchronous response limit is 6 MiB; AWS's own blueprint keeps under 6,000,000 bytes. */
export const RESPONSE_LIMIT_BYTES = 6_000_000;

const ENVELOPE_BYTES = Buffer.byteLength(JSON.stringify({ records: [] }));
/** Generous per-entry overhead besides `data` and `recordId`, for the cheap first check. */
const ENTRY_OVERHEAD_BOUND = 160;

export function responseEntryBytes(entry: FirehoseTransformationResultRecord): number {
  return Buffer.byteLength(JSON.stringify({ ...entry, data: '' })) + (entry.data?.length ?? 0);
}

export function responseBytes(entries: readonly FirehoseTransformationResultRecord[]): number {
  let total = ENVELOPE_BYTES + Math.max(0, entries.length - 1);
  for (const entry of entries) total += responseEntryBytes(entry);
  return total;
}

/**
 * Keeps the response under the Lambda payload limit. Ok records that do not fit are listed for
 * re-ingestion into the same stream (the caller marks them `Dropped` once they are safely back);
 * a single record whose flat form could never fit fails with `output-too-large` instead of
 * looping through the stream forever. Failed records always stay: they carry their original data,
 * which came in the same size-limited invocation.
 */
export function fitResponse(
  results: FirehoseTransformationResultRecord[],
  originalData: (index: number) => string,
  stats: BatchStats,
  limitBytes = RESPONSE_LIMIT_BYTES,
): number[] {
  let bound = ENVELOPE_BYTES + results.length;
  for (const entry of results)
    bound += (entry.data?.length ?? 0) + entry.recordId.length + ENTRY_OVERHEAD_BOUND;
  if (bound <= limitBytes) return [];

  const droppedBytes = (recordId: string) =>
    responseEntryBytes({ recordId, result: 'Dropped', data: '' }) + 1;
  // start as if every Ok record were reported Dropped; keeping one then costs the difference
  let total = ENVELOPE_BYTES;
  for (const entry of results) {
    total += entry.result === 'Ok' ? droppedBytes(entry.recordId) : responseEntryBytes(entry) + 1;
  }
  const reingest: number[] = [];
  /** Swaps an undeliverable Ok entry for a failure carrying the original data, if that fits now. */
  const fitsAsFailure = (i: number): boolean => {
    const failed: FirehoseTransformationResultRecord = {
      recordId: results[i]!.recordId,
      result: 'ProcessingFailed',
      data: originalData(i),
    };
    const extra = responseEntryBytes(failed) + 1 - droppedBytes(failed.recordId);
    if (total + extra > limitBytes) return false;
    results[i] = failed;
    total += extra;
    return true;
  };
  for (let i = 0; i < results.length; i++) {
    const entry = results[i]!;
    if (entry.result !== 'Ok') continue;
    const size = responseEntryBytes(entry);
    const extra = size + 1 - droppedBytes(entry.recordId);
    if (total + extra <= limitBytes) {
      total += extra;
    } else if (size + ENVELOPE_BYTES > limitBytes && fitsAsFailure(i)) {
      stats.ok--;
      recordFailure(
        stats,
        entry.recordId,
        FailureReason.outputTooLarge,
        `Flattened record is ${size} bytes, more than a Lambda response can carry`,
      );
    } else {
      reingest.push(i);
      stats.ok--;
      stats.reingested++;
    }
  }
  return reingest;
}
