import type { DynamoDBRecord } from 'aws-lambda';
import { DynamoLayout } from '../dynamodb/layout';
import type { LocalDynamoTable } from '../standins/dynamodb/local-dynamodb';
import { STREAM_MAPPING_DEFAULTS } from '../standins/lambda/local-stream-mapping';
import type { LocalS3Notifications } from '../standins/s3/local-s3-notifications';
import type { LocalEnvironment } from './local-environment';
import { type LocalHandlers, localStreamMapping } from './local-handlers';

/** A DynamoDB table's stream, as the records Lambda would receive from it. */
export interface DynamoSource {
  readonly table: string;
  readonly records: AsyncIterable<DynamoDBRecord> | Iterable<DynamoDBRecord>;
}

export interface CaptureStats {
  changes: number;
  /** Change records the event source mapping parked after its retries (and bisection). */
  failedChanges: number;
  /** The on-failure objects those changes wait in for a replay, with the function's last error. */
  parked: Array<{ key: string; changes: number; reason: string }>;
  changeFiles: number;
  /** Raw objects the S3 notifications delivered to the flattener. */
  flattenedObjects: number;
}

/** Stream records per stream Lambda invocation (the event source mapping's batch size). */
const STREAM_BATCH_SIZE = STREAM_MAPPING_DEFAULTS.batchSize;

/**
 * Each table's changes through its event source mapping and the real stream Lambda, into the
 * local table, and (by S3 notification) the change files through the flattener.
 */
export async function captureChanges(
  environment: LocalEnvironment,
  handlers: LocalHandlers,
  notifications: LocalS3Notifications,
  tables: ReadonlyMap<string, LocalDynamoTable>,
  sources: readonly DynamoSource[],
  progress: (table: string, stats: CaptureStats) => void,
): Promise<Map<string, CaptureStats>> {
  const deliver = async (stats: CaptureStats) => {
    const event = await notifications.take();
    if (!event) return;
    stats.changeFiles += event.Records.filter((r) =>
      r.s3.object.key.startsWith(DynamoLayout.rawPrefix),
    ).length;
    stats.flattenedObjects += event.Records.length;
    await handlers.s3Flatten(event);
  };
  const results = new Map<string, CaptureStats>();
  for (const source of sources) {
    const table = tables.get(source.table);
    if (!table) throw new Error(`No DynamoDB table ${source.table} in the pipeline description`);
    const stats: CaptureStats = {
      changes: 0,
      failedChanges: 0,
      parked: [],
      changeFiles: 0,
      flattenedObjects: 0,
    };
    results.set(source.table, stats);
    // the mapping runs as the changes are made: its clock is the newest change's time
    let clock = 0;
    const mapping = localStreamMapping(environment, handlers, source.table, { now: () => clock });
    let batch: DynamoDBRecord[] = [];
    const send = async () => {
      stats.changes += batch.length;
      for (const record of batch)
        clock = Math.max(clock, (record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000);
      const outcome = await mapping.process(batch);
      for (const parked of outcome.parked) {
        stats.failedChanges += parked.records.length;
        stats.parked.push({ key: parked.key, changes: parked.records.length, reason: parked.reason });
      }
      for (const record of batch) table.apply(record);
      batch = [];
      await deliver(stats);
      progress(source.table, stats);
    };
    for await (const record of source.records) {
      batch.push(record);
      if (batch.length === STREAM_BATCH_SIZE) await send();
    }
    if (batch.length > 0) await send();
  }
  return results;
}
