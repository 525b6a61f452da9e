import type { FirehoseTransformationEventRecord, FirehoseTransformationResultRecord } from 'aws-lambda';
import { isServed, type ServedTimes, servedTimes } from '../catalog/lake-days';
import { timestampMillis } from '../columns/time';
import { type DecodeFailure, RecordDecodeError } from '../flattening/errors';
import type { RecordFlattener } from '../flattening/record-flattener';
import { decodeBase64Strict } from './base64';
import { partitionKeysFor } from './partition-keys';

export const FailureReason = {
  outputTooLarge: 'output-too-large',
} as const;
export type FailureReason = DecodeFailure | (typeof FailureReason)[keyof typeof FailureReason];

export interface FailureExample {
  readonly recordId: string;
  readonly reason: FailureReason;
  readonly message: string;
}

/** What one batch did; logged once and published as metrics. */
export interface BatchStats {
  recordsIn: number;
  ok: number;
  failed: number;
  reingested: number;
  bytesIn: number;
  bytesOut: number;
  eventTimeFallbacks: number;
  /** Records whose event time lies on a day the lake does not serve: filed under their arrival time. */
  eventTimeOutOfRange: number;
  outOfRangeExamples: OutOfRangeExample[];
  columnCollisions: number;
  /** Columns the stream does not declare, with how many records had each: Parquet conversion drops them. */
  undeclaredColumns: Map<string, number>;
  failures: Partial<Record<FailureReason, number>>;
  failureExamples: FailureExample[];
}

export interface OutOfRangeExample {
  readonly recordId: string;
  /** The event time as read, in UTC. */
  readonly eventTime: string;
}

const MAX_FAILURE_EXAMPLES = 5;
const MAX_OUT_OF_RANGE_EXAMPLES = 5;

export function emptyStats(): BatchStats {
  return {
    recordsIn: 0,
    ok: 0,
    failed: 0,
    reingested: 0,
    bytesIn: 0,
    bytesOut: 0,
    eventTimeFallbacks: 0,
    eventTimeOutOfRange: 0,
    outOfRangeExamples: [],
    columnCollisions: 0,
    undeclaredColumns: new Map(),
    failures: {},
    failureExamples: [],
  };
}

export function recordFailure(
  stats: BatchStats,
  recordId: string,
  reason: FailureReason,
  message: string,
): void {
  stats.failed++;
  stats.failures[reason] = (stats.failures[reason] ?? 0) + 1;
  if (stats.failureExamples.length < MAX_FAILURE_EXAMPLES)
    stats.failureExamples.push({ recordId, reason, message });
}

export interface PartitionTimeOptions {
  /** The first day the lake's tables project (the stage's `lakeStartDate`). */
  readonly lakeStartDate: string;
  readonly now?: () => number;
}

/**
 * Flattens every record of a Firehose batch. Each input recordId yields exactly one result, in
 * input order: `Ok` with the flat JSON line and its partition keys, or `ProcessingFailed` with the
 * original data, so Firehose writes it to the error prefix where it can be replayed.
 *
 * A record is filed under its event time when that falls on a day the lake serves (lakeStartDate
 * through today, UTC, at the time of the batch); otherwise, or without a readable event time, under
 * its arrival time (else the batch's time), so no record lands in a partition queries never read.
 * The record itself, event time included, is unchanged.
 */
export function transformRecords(
  records: readonly FirehoseTransformationEventRecord[],
  flattener: RecordFlattener,
  options: PartitionTimeOptions,
): { results: FirehoseTransformationResultRecord[]; stats: BatchStats } {
  const stats = emptyStats();
  const nowMs = (options.now ?? Date.now)();
  const served = servedTimes(options.lakeStartDate, nowMs);
  const results: FirehoseTransformationResultRecord[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    stats.recordsIn++;
    try {
      const bytes = decodeBase64Strict(record.data);
      stats.bytesIn += bytes.length;
      const line = flattener.flattenBytes(bytes);
      const eventMs = timestampMillis(line.eventTime);
      let partitionMs: number;
      if (eventMs === undefined) {
        stats.eventTimeFallbacks++;
        partitionMs = arrivalTime(record, served, nowMs);
      } else if (isServed(eventMs, served)) {
        partitionMs = eventMs;
      } else {
        stats.eventTimeOutOfRange++;
        if (stats.outOfRangeExamples.length < MAX_OUT_OF_RANGE_EXAMPLES)
          stats.outOfRangeExamples.push({
            recordId: record.recordId,
            eventTime: new Date(eventMs).toISOString(),
          });
        partitionMs = arrivalTime(record, served, nowMs);
      }
      stats.ok++;
      stats.bytesOut += line.end - line.start;
      stats.columnCollisions += line.collisions;
      for (const column of line.undeclared)
        stats.undeclaredColumns.set(column, (stats.undeclaredColumns.get(column) ?? 0) + 1);
      results[i] = {
        recordId: record.recordId,
        result: 'Ok',
        data: line.buffer.toString('base64', line.start, line.end),
        metadata: { partitionKeys: partitionKeysFor(partitionMs) },
      };
    } catch (error) {
      if (!(error instanceof RecordDecodeError)) throw error;
      recordFailure(stats, record.recordId, error.reason, error.message);
      results[i] = {
        recordId: record.recordId,
        result: 'ProcessingFailed',
        data: stringOrEmpty(record.data),
      };
    }
  }
  return { results, stats };
}

/** Firehose's arrival time, or the batch's own time if that is missing or outside the lake too. */
function arrivalTime(record: FirehoseTransformationEventRecord, served: ServedTimes, nowMs: number): number {
  const arrival = record.approximateArrivalTimestamp;
  return Number.isFinite(arrival) && isServed(arrival, served) ? arrival : nowMs;
}

function stringOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
