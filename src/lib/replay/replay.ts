import { gzipSync } from 'node:zlib';
import type { DynamoDBRecord } from 'aws-lambda';
import { DynamoLayout } from '../dynamodb/layout';
import { ACTIVE_PARTITION_LIMIT } from '../firehose/partition-keys';
import type { Pipeline } from '../pipeline/pipeline';
import { eventHourOf, groupByPartitions } from './partition-groups';
import type { ReplayBatch } from './replay-source';

/** Where replayed data goes: a stage's delivery streams and raw bucket, deployed or local. */
export interface ReplayTargets {
  /** Sends records to a stream's delivery stream; resolves once every record was accepted. */
  sendToStream(stream: string, records: readonly Buffer[]): Promise<void>;
  /** Puts an object into the raw bucket, whose notification hands it to the flattener. */
  putRawObject(key: string, body: Buffer): Promise<void>;
  /** Hands parked stream records, in shard order, to the stream Lambda through its event source mapping. */
  sendToStreamFunction(records: readonly DynamoDBRecord[]): Promise<void>;
  /**
   * Waits, between two groups of one stream, until the stream has delivered the first group's
   * partitions (they stop counting as active once written); nothing to wait for locally, where
   * each group is a delivery of its own.
   */
  betweenPartitionGroups?(): Promise<void>;
}

export interface ReplayOutcome {
  readonly records: number;
  readonly lines: number;
  /** DynamoDB stream records sent back to the stream Lambda. */
  readonly changes: number;
  readonly rawObjects: readonly string[];
}

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

const NEWLINE = Buffer.from('\n');

/** `2026-11-21T09:15:02.120Z` → `20261121T091502120Z`, for replay object names. */
function stamp(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

/**
 * Sends failed Firehose records back through their stream (so the transform runs on them again):
 * every file's records of one stream together, in groups that each span at most the active
 * partition limit of event hours. Sends parked DynamoDB stream records back to the stream Lambda,
 * and quarantined DynamoDB lines back as a new raw object beside the one they came from (so the
 * flattener runs on them again).
 */
export async function replayBatches(
  batches: readonly ReplayBatch[],
  pipeline: Pipeline,
  targets: ReplayTargets,
  now: Date = new Date(),
): Promise<ReplayOutcome> {
  let records = 0;
  let lines = 0;
  let changes = 0;
  const rawObjects: string[] = [];
  const byStream = new Map<string, Buffer[]>();
  for (const batch of batches) {
    if (batch.kind === 'firehose') {
      const collected = byStream.get(batch.stream) ?? [];
      collected.push(...batch.records);
      byStream.set(batch.stream, collected);
      continue;
    }
    if (batch.kind === 'stream') {
      await targets.sendToStreamFunction(batch.records);
      changes += batch.records.length;
      continue;
    }
    if (batch.kind === 'quarantine') {
      const key = DynamoLayout.replayKey(batch.source, stamp(now));
      if (!key) throw new ReplayError(`Cannot name a replay object beside ${batch.source}`);
      const body = Buffer.concat(batch.lines.flatMap((line) => [line, NEWLINE]));
      await targets.putRawObject(key, gzipSync(body));
      lines += batch.lines.length;
      rawObjects.push(key);
      continue;
    }
    // a new kind of batch (a new source kind's failure store) fails to compile until it is sent
    const unsent: never = batch;
    throw new ReplayError(`Cannot replay ${JSON.stringify(unsent)}`);
  }
  for (const [stream, streamRecords] of byStream) {
    const eventTime = pipeline.streams.find((s) => s.name === stream)?.eventTime;
    const hourOf = (record: Buffer) => eventHourOf(record, eventTime);
    const groups = groupByPartitions(streamRecords, hourOf, ACTIVE_PARTITION_LIMIT);
    for (const [index, group] of groups.entries()) {
      if (index > 0) await targets.betweenPartitionGroups?.();
      await targets.sendToStream(stream, group);
      records += group.length;
    }
  }
  return { records, lines, changes, rawObjects };
}
