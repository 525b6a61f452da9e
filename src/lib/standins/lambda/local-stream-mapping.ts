import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { ObjectStore } from '../../storage/object-store';
import { errorMessage } from '../../util/errors';

/** Where Lambda writes a stream event source mapping's on-failure records in an S3 destination. */
export const ON_FAILURE_PREFIX = 'aws/lambda/';

/** The event source mapping's settings, as the stack gives them (src/infra/dynamodb.ts). */
export interface StreamMappingSettings {
  /** Records per invocation at most. */
  readonly batchSize: number;
  /** Retries of a failed batch before its records go to the destination; -1 retries until they expire. */
  readonly maximumRetryAttempts: number;
  /** Records older than this go to the destination unprocessed; -1: no limit. */
  readonly maximumRecordAgeSeconds: number;
  /** Split a batch whose invocation fails in two, and retry each half, down to single records. */
  readonly bisectBatchOnFunctionError: boolean;
  /** The function reports failed records (`batchItemFailures`) instead of failing the batch. */
  readonly reportBatchItemFailures: boolean;
}

/** The settings serverless.yml gives every stage (streamBatchSize, streamMaxRetries, streamMaxRecordAgeSeconds). */
export const STREAM_MAPPING_DEFAULTS: StreamMappingSettings = {
  batchSize: 100,
  maximumRetryAttempts: 5,
  maximumRecordAgeSeconds: 86_400,
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
};

export interface StreamMappingPorts {
  /** The function the mapping invokes; a rejection is a function error. */
  readonly invoke: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  /** The S3 on-failure destination. */
  readonly destination: { readonly store: ObjectStore; readonly bucket: string };
  readonly functionArn: string;
  /** The event source mapping's UUID, part of each on-failure object's key. */
  readonly mappingId: string;
  readonly shardId: string;
  /** Epoch milliseconds, for record age and the on-failure record's time. */
  readonly now: () => number;
  /** Waits before a retry; virtual time in a simulation. */
  readonly sleep: (ms: number) => Promise<void>;
  /** A fresh identifier for a request id or an object name (a seeded sequence in a simulation). */
  readonly newId: () => string;
}

/** Why the mapping gave up on records, as the on-failure record's requestContext.condition says. */
export type ParkCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface ParkedBatch {
  /** The on-failure object's key in the destination bucket. */
  readonly key: string;
  readonly records: readonly DynamoDBRecord[];
  readonly condition: ParkCondition;
  /** The last error the function gave for these records. */
  readonly reason: string;
}

export interface StreamMappingOutcome {
  /** Records the function took, in shard order. */
  readonly delivered: DynamoDBRecord[];
  readonly parked: ParkedBatch[];
  readonly invocations: number;
}

/** The backoff before the nth retry of a batch; only its order matters locally. */
const RETRY_DELAY_MS = 1_000;

interface Work {
  readonly records: readonly DynamoDBRecord[];
  readonly retries: number;
  readonly invocations: number;
}

const sequenceOf = (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber ?? '';

/**
 * A DynamoDB Streams event source mapping over one shard, as Lambda runs it: batches of at most
 * batchSize in shard order; with ReportBatchItemFailures a retry starts at the lowest reported
 * sequence number (the records before it are done); an invocation that fails is split in two and
 * each half retried, which costs no retry, until a single record fails alone; once a batch's
 * retries or its records' age run out, the batch's invocation record (with the records, for an S3
 * destination) goes to the on-failure destination and the shard moves on.
 */
export class LocalStreamMapping {
  constructor(
    private readonly settings: StreamMappingSettings,
    private readonly ports: StreamMappingPorts,
  ) {}

  async process(records: readonly DynamoDBRecord[]): Promise<StreamMappingOutcome> {
    const outcome: StreamMappingOutcome & { invocations: number } = {
      delivered: [],
      parked: [],
      invocations: 0,
    };
    for (let at = 0; at < records.length; at += this.settings.batchSize) {
      await this.processBatch(records.slice(at, at + this.settings.batchSize), outcome);
    }
    return outcome;
  }

  private async processBatch(
    batch: readonly DynamoDBRecord[],
    outcome: StreamMappingOutcome & { invocations: number },
  ): Promise<void> {
    // the work still ahead on the shard, the next batch first
    const queue: Work[] = [{ records: batch, retries: 0, invocations: 0 }];
    while (queue.length > 0) {
      const work = queue.shift()!;
      const expired = this.expiredPrefix(work.records);
      if (expired > 0) {
        outcome.parked.push(
          await this.park(
            work.records.slice(0, expired),
            'RecordAgeExceeded',
            work.invocations,
            'older than MaximumRecordAgeInSeconds',
          ),
        );
        if (expired < work.records.length) queue.unshift({ ...work, records: work.records.slice(expired) });
        continue;
      }
      outcome.invocations++;
      const invocations = work.invocations + 1;
      let failedFrom: number;
      let reason: string;
      let functionError = false;
      try {
        const response = await this.ports.invoke({ Records: [...work.records] });
        const failed = this.settings.reportBatchItemFailures ? this.firstFailed(work.records, response) : 0;
        if (failed === undefined) {
          outcome.delivered.push(...work.records);
          continue;
        }
        failedFrom = failed;
        reason =
          failed === -1
            ? 'batchItemFailures names a record that is not in the batch'
            : `the function reported change ${sequenceOf(work.records[failed]!)} as failed`;
      } catch (error) {
        failedFrom = -1;
        reason = errorMessage(error);
        functionError = true;
      }
      if (failedFrom > 0) {
        // a partial success: the records before the lowest reported one are checkpointed
        outcome.delivered.push(...work.records.slice(0, failedFrom));
      }
      const remaining = failedFrom > 0 ? work.records.slice(failedFrom) : work.records;
      if (functionError && this.settings.bisectBatchOnFunctionError && remaining.length > 1) {
        const half = Math.ceil(remaining.length / 2);
        queue.unshift(
          { records: remaining.slice(0, half), retries: work.retries, invocations },
          { records: remaining.slice(half), retries: work.retries, invocations },
        );
        continue;
      }
      const limit = this.settings.maximumRetryAttempts;
      if (limit >= 0 && work.retries >= limit) {
        outcome.parked.push(
          await this.park(remaining, 'RetryAttemptsExhausted', invocations, reason, functionError),
        );
        continue;
      }
      await this.ports.sleep(RETRY_DELAY_MS * 2 ** work.retries);
      queue.unshift({ records: remaining, retries: work.retries + 1, invocations });
    }
  }

  /**
   * undefined when the batch succeeded; the index of the lowest reported record; -1 when the
   * response names something that is not a record of the batch (the whole batch failed).
   */
  private firstFailed(
    records: readonly DynamoDBRecord[],
    response: DynamoDBBatchResponse | undefined,
  ): number | undefined {
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) return undefined;
    let lowest = Number.POSITIVE_INFINITY;
    for (const failure of failures) {
      const index = records.findIndex(
        (record) => failure?.itemIdentifier && sequenceOf(record) === failure.itemIdentifier,
      );
      if (index < 0) return -1;
      lowest = Math.min(lowest, index);
    }
    return lowest;
  }

  private expiredPrefix(records: readonly DynamoDBRecord[]): number {
    const maxAge = this.settings.maximumRecordAgeSeconds;
    if (maxAge < 0) return 0;
    const now = this.ports.now();
    let count = 0;
    for (const record of records) {
      const created = record.dynamodb?.ApproximateCreationDateTime;
      if (created === undefined || now - created * 1000 <= maxAge * 1000) break;
      count++;
    }
    return count;
  }

  /** Writes the batch's invocation record to the S3 destination, in Lambda's shape. */
  private async park(
    records: readonly DynamoDBRecord[],
    condition: ParkCondition,
    invocations: number,
    reason: string,
    functionError = false,
  ): Promise<ParkedBatch> {
    const now = new Date(this.ports.now());
    const iso = now.toISOString();
    const arrival = (record: DynamoDBRecord) =>
      new Date((record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000)
        .toISOString()
        .replace('.000Z', 'Z');
    const first = records[0]!;
    const last = records.at(-1)!;
    const document = {
      requestContext: {
        requestId: this.ports.newId(),
        functionArn: this.ports.functionArn,
        condition,
        approximateInvokeCount: invocations,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(functionError ? { functionError: 'Unhandled' } : {}),
      },
      version: '1.0',
      timestamp: iso,
      DDBStreamBatchInfo: {
        shardId: this.ports.shardId,
        startSequenceNumber: sequenceOf(first),
        endSequenceNumber: sequenceOf(last),
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: records.length,
        streamArn: first.eventSourceARN ?? '',
      },
      payload: JSON.stringify({ Records: records }),
    };
    const day = `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}`;
    const stamp = `${iso.slice(0, 13)}.${iso.slice(14, 16)}.${iso.slice(17, 19)}`;
    const key = `${ON_FAILURE_PREFIX}${this.ports.mappingId}/${this.ports.shardId}/${day}/${stamp}-${this.ports.newId()}`;
    await this.ports.destination.store.put(this.ports.destination.bucket, key, JSON.stringify(document), {
      contentType: 'application/json',
    });
    return { key, records, condition, reason };
  }
}
