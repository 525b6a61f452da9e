import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../util/errors';
import { type FirehosePort, PUT_RECORD_BATCH_MAX_BYTES, PUT_RECORD_BATCH_MAX_RECORDS } from './firehose-port';

export class ReingestError extends Error {
  override readonly name = 'ReingestError';
  constructor(
    message: string,
    readonly deliveryStreamName: string,
    readonly unsent: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ReingestOptions {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly wait: (ms: number) => Promise<unknown>;
}

export const REINGEST_DEFAULTS: ReingestOptions = { maxAttempts: 6, baseDelayMs: 100, wait: sleep };

/** Splits records into PutRecordBatch calls within the record-count and byte limits. */
export function chunkForPutRecordBatch(records: readonly Uint8Array[]): Uint8Array[][] {
  const chunks: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let bytes = 0;
  for (const record of records) {
    if (
      current.length === PUT_RECORD_BATCH_MAX_RECORDS ||
      (current.length > 0 && bytes + record.length > PUT_RECORD_BATCH_MAX_BYTES)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Puts records back into a delivery stream, retrying only the ones Firehose rejected, with
 * exponential backoff and jitter. Resolves only when every record was accepted; otherwise throws,
 * so the invocation fails and Firehose retries the batch rather than anything being lost.
 */
export async function reingestRecords(
  firehose: FirehosePort,
  deliveryStreamName: string,
  records: readonly Uint8Array[],
  options: Partial<ReingestOptions> = {},
): Promise<void> {
  const { maxAttempts, baseDelayMs, wait } = { ...REINGEST_DEFAULTS, ...options };
  for (const chunk of chunkForPutRecordBatch(records)) {
    let pending = chunk;
    let lastProblem = '';
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        const outcome = await firehose.putRecordBatch(deliveryStreamName, pending);
        lastProblem = [...new Set(outcome.failed.map((f) => f.errorCode))].join(', ');
        pending = outcome.failed.map((f) => pending[f.index]!);
      } catch (error) {
        lastProblem = errorMessage(error);
        if (attempt >= maxAttempts) {
          throw new ReingestError(
            `PutRecordBatch to ${deliveryStreamName} failed ${attempt} times (${lastProblem})`,
            deliveryStreamName,
            pending.length,
            { cause: error },
          );
        }
      }
      if (pending.length === 0) break;
      if (attempt >= maxAttempts) {
        throw new ReingestError(
          `${pending.length} records were still rejected by ${deliveryStreamName} after ${attempt} attempts (${lastProblem})`,
          deliveryStreamName,
          pending.length,
        );
      }
      await wait(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
    }
  }
}
