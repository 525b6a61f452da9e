import { gzipSync } from 'node:zlib';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { isServed, servedTimes } from '../catalog/lake-days';
import type { ObjectStore } from '../storage/object-store';
import { type ChangeRecord, ChangeRecordError, changeRecordFromStream } from './change-record';
import { DynamoLayout } from './layout';

export class UnknownSourceTableError extends Error {
  override readonly name = 'UnknownSourceTableError';
}

/**
 * The batch starts with a record that is not a valid change: nothing could be written, and a
 * batch item failure would only make Lambda retry the same records until it parks them all.
 * Failing the invocation makes the event source mapping split the batch until this change is
 * alone, so the valid changes behind it go through and only it is parked.
 */
export class PoisonChangeError extends Error {
  override readonly name = 'PoisonChangeError';
  constructor(
    readonly sequenceNumber: string,
    readonly reason: string,
  ) {
    super(`change ${sequenceNumber}: ${reason}`);
  }
}

export interface StreamBatchDependencies {
  readonly store: ObjectStore;
  readonly rawBucket: string;
  /** DynamoDB table name (from the stream ARN) → pipeline table name. */
  readonly tables: ReadonlyMap<string, string>;
  /** The first day the change tables project; changes made before it are filed under it. */
  readonly lakeStartDate: string;
  readonly now?: () => number;
}

export interface StreamBatchOutcome {
  readonly response: DynamoDBBatchResponse;
  /** The change file written, if any records were good. */
  readonly key: string | undefined;
  readonly written: number;
  /** Changes made on a day the lake does not serve (before lakeStartDate), filed on a day it does. */
  readonly outOfRange: number;
  /** The record that stopped the batch, with why; it and everything after it are retried. */
  readonly failure: { readonly sequenceNumber: string; readonly reason: string } | undefined;
}

/** `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` → name and label. */
export function parseStreamArn(arn: string): { table: string; label: string } {
  const match = /^arn:aws[a-z-]*:dynamodb:[^:]*:\d*:table\/([^/]+)\/stream\/(.+)$/.exec(arn);
  if (!match) throw new UnknownSourceTableError(`Not a DynamoDB stream ARN: ${arn}`);
  return { table: match[1]!, label: match[2]! };
}

/**
 * Writes one stream batch as one gzip NDJSON change file. The name is derived from the batch's
 * first and last sequence numbers, so a retry overwrites its own file. Records are taken in order
 * up to the first one that is not a valid change; that one is reported as the batch item failure,
 * so Lambda retries from it and nothing after it is skipped or reordered. When it is the batch's
 * first record, the invocation fails instead (PoisonChangeError), so the mapping bisects.
 */
export async function writeStreamBatch(
  records: readonly DynamoDBRecord[],
  dependencies: StreamBatchDependencies,
): Promise<StreamBatchOutcome> {
  if (records.length === 0)
    return {
      response: { batchItemFailures: [] },
      key: undefined,
      written: 0,
      outOfRange: 0,
      failure: undefined,
    };
  const source = parseStreamArn(records[0]!.eventSourceARN ?? '');
  const table = dependencies.tables.get(source.table);
  if (!table) {
    throw new UnknownSourceTableError(
      `DynamoDB table ${source.table} is not captured by this stage (known: ${[...dependencies.tables.keys()].join(', ') || 'none'})`,
    );
  }
  const changes: ChangeRecord[] = [];
  let failure: StreamBatchOutcome['failure'];
  for (const record of records) {
    try {
      changes.push(changeRecordFromStream(record));
    } catch (error) {
      if (!(error instanceof ChangeRecordError)) throw error;
      const sequenceNumber = record.dynamodb?.SequenceNumber ?? changes.at(-1)?.sequenceNumber;
      if (sequenceNumber === undefined) throw error;
      failure = { sequenceNumber, reason: error.message };
      break;
    }
  }
  if (failure && changes.length === 0) throw new PoisonChangeError(failure.sequenceNumber, failure.reason);
  let key: string | undefined;
  const served = servedTimes(dependencies.lakeStartDate, (dependencies.now ?? Date.now)());
  const outOfRange = changes.filter((c) => !isServed(c.approximateCreationTime * 1000, served)).length;
  if (changes.length > 0) {
    // clamped, not the time of writing: a retried batch must overwrite its own file
    const firstMs = changes[0]!.approximateCreationTime * 1000;
    const fileDayMs = Math.min(Math.max(firstMs, served.from), served.until - 1);
    key = DynamoLayout.changeFile(table, source.label, changes, fileDayMs);
    const body = gzipSync(`${changes.map((change) => JSON.stringify(change)).join('\n')}\n`);
    await dependencies.store.put(dependencies.rawBucket, key, body, {
      contentType: 'application/x-ndjson',
      contentEncoding: 'gzip',
    });
  }
  return {
    response: { batchItemFailures: failure ? [{ itemIdentifier: failure.sequenceNumber }] : [] },
    key,
    written: changes.length,
    outOfRange,
    failure,
  };
}
