import type { DynamoDBRecord, S3Event, S3EventRecord } from 'aws-lambda';
import { DynamoLayout } from '../dynamodb/layout';
import { ACTIVE_PARTITION_LIMIT } from '../firehose/partition-keys';
import { localDeliveryStream } from '../local/ingest-streams';
import type { LocalEnvironment } from '../local/local-environment';
import { type LocalHandlers, localDynamoTableArn } from '../local/local-handlers';
import type { Pipeline } from '../pipeline/pipeline';
import { LocalDynamoTable } from '../standins/dynamodb/local-dynamodb';
import type { LocalDeliveryStream } from '../standins/firehose/local-delivery-stream';
import { LocalStreamMapping, STREAM_MAPPING_DEFAULTS } from '../standins/lambda/local-stream-mapping';
import { LocalS3Notifications } from '../standins/s3/local-s3-notifications';
import { ASYNC_RETRY_DELAYS_MS, type FaultRates, FIREHOSE_BUFFER } from './faults';
import type { SimRandom } from './random';
import type { Scheduler } from './scheduler';

/** A Lambda invocation the simulation ended on purpose, as AWS ends a throttled or timed-out one. */
export class SimulatedKillError extends Error {
  override readonly name = 'SimulatedKillError';
}

/** What the simulated world did, counted, for the report and for invariants. */
export interface WorldCounts {
  recordsSent: number;
  duplicateSends: number;
  lateEvents: number;
  changes: number;
  poisonChanges: number;
  notifications: number;
  duplicateNotifications: number;
  kills: number;
  flushes: number;
  /** Days compacted: a generation written and flipped. */
  compactions: number;
  /** Compactions and clean-ups killed at one of their writes. */
  rewritesKilled: number;
  /** Rounds whose flip another rewrite of the day made first (Commit's PointerConflictError, `superseded`). */
  rewritesSuperseded: number;
  /** Rounds whose CTAS failed (discarded: the day reads as before). */
  queriesFailed: number;
  /** Live files that landed in a day while it was being compacted (left visible beside the generation). */
  landedDuringCompaction: number;
  /** Records sent late into a day due for compaction, copies of records it holds among them. */
  lateIntoCompaction: number;
  /** Clean-ups run on their own (a compaction also cleans up after itself). */
  cleanups: number;
  /** ...that found replaced files within their grace period and left them. */
  cleanupsWithinGrace: number;
  /** Replaced files removed, by a compaction or a clean-up. */
  filesRemoved: number;
}

/** An S3 object the flattener never managed to read: AWS sends its event to the failures queue. */
export interface FailedNotification {
  readonly key: string;
  readonly reason: string;
}

/** Stream records the mapping reads per poll (the stack's batch size). */
const STREAM_BATCH_SIZE = STREAM_MAPPING_DEFAULTS.batchSize;

/**
 * The AWS services around the real handlers, asynchronous as AWS documents them and driven by the
 * scheduler: Firehose buffers by size and age, S3 notifies late and sometimes twice, Lambda
 * retries asynchronous invocations, a DynamoDB stream delivers batches in order and retries them.
 */
export class SimulatedWorld {
  readonly counts: WorldCounts = {
    recordsSent: 0,
    duplicateSends: 0,
    lateEvents: 0,
    changes: 0,
    poisonChanges: 0,
    notifications: 0,
    duplicateNotifications: 0,
    kills: 0,
    flushes: 0,
    compactions: 0,
    rewritesKilled: 0,
    rewritesSuperseded: 0,
    queriesFailed: 0,
    landedDuringCompaction: 0,
    lateIntoCompaction: 0,
    cleanups: 0,
    cleanupsWithinGrace: 0,
    filesRemoved: 0,
  };
  /** Stream name → keys of every record a producer sent (each once). */
  readonly sentKeys = new Map<string, Set<string>>();
  /** Table name → sequence numbers of every change the table made. */
  readonly changeSequences = new Map<string, string[]>();
  readonly failedNotifications: FailedNotification[] = [];
  /** Where a stand-in was kinder than the AWS rule it models (checked as it runs). */
  readonly standInBreaches: string[] = [];
  private readonly held: Array<{ readonly prefix: string; readonly time: number }> = [];
  /** Changes the stream gave up on (the event source mapping's on-failure destination). */
  readonly parkedChanges = new Map<string, string[]>();
  readonly tables: Map<string, LocalDynamoTable>;
  private readonly streams = new Map<
    string,
    { delivery: LocalDeliveryStream; flushAt: number | undefined }
  >();
  private readonly shards = new Map<
    string,
    { pending: DynamoDBRecord[]; polling: boolean; mapping: LocalStreamMapping }
  >();

  private constructor(
    readonly environment: LocalEnvironment,
    readonly pipeline: Pipeline,
    readonly handlers: LocalHandlers,
    readonly scheduler: Scheduler,
    readonly random: SimRandom,
    readonly faults: FaultRates,
    readonly notifications: LocalS3Notifications,
  ) {
    this.tables = new Map(
      pipeline.dynamodb.map((t) => [t.name, new LocalDynamoTable(localDynamoTableArn(environment, t.name))]),
    );
    for (const stream of pipeline.streams) {
      const delivery = localDeliveryStream(environment, stream, handlers, {
        bufferBytes: FIREHOSE_BUFFER.bytes,
        codec: 'snappy',
        now: () => Date.now(),
      });
      this.streams.set(stream.name, { delivery, flushAt: undefined });
      this.sentKeys.set(stream.name, new Set());
    }
    for (const table of pipeline.dynamodb) {
      // the event source mapping as the stack configures it, its retries waiting virtual time
      const mapping = new LocalStreamMapping(STREAM_MAPPING_DEFAULTS, {
        invoke: (event) => this.killable(() => handlers.dynamodbStream(event)),
        destination: { store: environment.store, bucket: environment.rawBucket },
        functionArn: `arn:aws:lambda:local:000000000000:function:${environment.resourcePrefix}-dynamodbStream`,
        mappingId: `${environment.resourcePrefix}-${table.name}`,
        shardId: 'shardId-simulated-000001',
        now: () => scheduler.now,
        sleep: (ms) => scheduler.advance(ms),
        newId: () => `${random.int(0, 0xffffffff).toString(16).padStart(8, '0')}-sim`,
      });
      this.shards.set(table.name, { pending: [], polling: false, mapping });
      this.changeSequences.set(table.name, []);
      this.parkedChanges.set(table.name, []);
    }
  }

  static async create(
    environment: LocalEnvironment,
    pipeline: Pipeline,
    handlers: LocalHandlers,
    scheduler: Scheduler,
    random: SimRandom,
    faults: FaultRates,
  ): Promise<SimulatedWorld> {
    const notifications = await LocalS3Notifications.watch(
      environment.store,
      environment.rawBucket,
      DynamoLayout.flattenerNotifications,
    );
    return new SimulatedWorld(environment, pipeline, handlers, scheduler, random, faults, notifications);
  }

  /** Schedules an action, and after it hands S3's notifications of what it wrote to their delivery. */
  schedule(time: number, label: string, action: () => Promise<void> | void): void {
    this.scheduler.at(time, label, async () => {
      await action();
      await this.notifyNewObjects();
    });
  }

  // --- Firehose ---------------------------------------------------------------------------------

  /** A producer's PutRecord: the record joins the stream's buffer, flushed at size or age. */
  async putRecord(stream: string, record: Buffer, key: string | undefined): Promise<void> {
    const entry = this.streams.get(stream);
    if (!entry) throw new Error(`No stream ${stream} in the simulated pipeline`);
    if (key !== undefined) this.sentKeys.get(stream)!.add(key);
    this.counts.recordsSent++;
    await this.delivering(stream, () => entry.delivery.put([record]));
    if (entry.flushAt === undefined) {
      // the buffer interval counts from the first record the buffer holds
      entry.flushAt = this.scheduler.now + FIREHOSE_BUFFER.intervalMs;
      this.schedule(entry.flushAt, `firehose ${stream}: buffer interval`, () => this.flush(stream));
    }
  }

  async flush(stream: string): Promise<void> {
    const entry = this.streams.get(stream)!;
    entry.flushAt = undefined;
    this.counts.flushes++;
    await this.delivering(stream, () => entry.delivery.flush());
  }

  /**
   * Runs a step of the stream's delivery and holds the stand-in to Firehose's rule: one buffer
   * writes at most 500 active partitions; records for more go to the error prefix.
   */
  private async delivering(stream: string, step: () => Promise<void>): Promise<void> {
    const files = this.streams.get(stream)!.delivery.stats.parquetFiles;
    const before = files.length;
    await step();
    const partitions = new Set(files.slice(before).map((key) => key.slice(0, key.lastIndexOf('/'))));
    if (partitions.size > ACTIVE_PARTITION_LIMIT) {
      this.standInBreaches.push(
        `the local Firehose of ${stream} wrote ${partitions.size} partitions from one buffer; Firehose writes at most ${ACTIVE_PARTITION_LIMIT} and sends the rest to activePartitionExceeded`,
      );
    }
  }

  /** Every Parquet file the stream's Firehose has delivered to the lake so far, in order. */
  deliveredFiles(stream: string): readonly string[] {
    return this.streams.get(stream)?.delivery.stats.parquetFiles ?? [];
  }

  /** Records every stream has sent to the error prefix for too many active partitions, so far. */
  get activePartitionExceeded(): number {
    return [...this.streams.values()].reduce((sum, s) => sum + s.delivery.stats.activePartitionExceeded, 0);
  }

  // --- S3 notifications and the flattener ---------------------------------------------------------

  /** Hands S3's notifications of objects written since the last call to their (late, repeated) delivery. */
  async notifyNewObjects(): Promise<void> {
    const event = await this.notifications.take();
    for (const record of event?.Records ?? []) {
      this.counts.notifications++;
      this.scheduleNotification(record);
      if (this.random.chance(this.faults.notificationDuplicate)) {
        this.counts.duplicateNotifications++;
        this.scheduleNotification(record);
      }
    }
  }

  /**
   * Objects under `prefix` are not there for S3 to notify before `time`: an export's data files
   * land as it finishes, whatever moment the stand-in wrote them at.
   */
  holdNotifications(prefix: string, time: number): void {
    this.held.push({ prefix, time });
  }

  private scheduleNotification(record: S3EventRecord): void {
    const delay = this.random.chance(this.faults.notificationLate)
      ? this.random.int(60_000, 300_000)
      : this.random.int(200, 5_000);
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const from = Math.max(
      this.scheduler.now,
      ...this.held.filter((h) => key.startsWith(h.prefix)).map((h) => h.time),
    );
    this.schedule(from + delay, `s3 notification ${record.s3.object.key}`, () => this.invokeAsync(record, 0));
  }

  /** Lambda's asynchronous invocation of the flattener: retried twice, then sent to the failures queue. */
  private async invokeAsync(record: S3EventRecord, attempt: number): Promise<void> {
    const event: S3Event = { Records: [record] };
    try {
      await this.killable(() => this.handlers.s3Flatten(event));
    } catch (error) {
      const delay = ASYNC_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        this.failedNotifications.push({
          key: decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')),
          reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        return;
      }
      this.schedule(this.scheduler.now + delay, `lambda retry s3Flatten ${record.s3.object.key}`, () =>
        this.invokeAsync(record, attempt + 1),
      );
    }
  }

  /** Runs one invocation, which the simulation may kill before it starts or after its work. */
  async killable<T>(work: () => Promise<T>): Promise<T> {
    if (this.random.chance(this.faults.killBefore)) {
      this.counts.kills++;
      throw new SimulatedKillError('killed before it started (throttled or crashed)');
    }
    const result = await work();
    if (this.random.chance(this.faults.killAfter)) {
      this.counts.kills++;
      throw new SimulatedKillError('timed out after its work, before it returned');
    }
    return result;
  }

  // --- DynamoDB and its stream --------------------------------------------------------------------

  /** The table changes now; its stream hands the change to Lambda within the batching window. */
  change(table: string, record: DynamoDBRecord): void {
    const shard = this.shards.get(table);
    if (!shard) throw new Error(`No DynamoDB table ${table} in the simulated pipeline`);
    this.counts.changes++;
    this.tables.get(table)!.apply(record);
    this.changeSequences.get(table)!.push(record.dynamodb?.SequenceNumber ?? '');
    shard.pending.push(record);
    if (!shard.polling) {
      shard.polling = true;
      // MaximumBatchingWindowInSeconds: 5
      this.schedule(this.scheduler.now + this.random.int(1_000, 5_000), `stream ${table}: batch`, () =>
        this.pollShard(table),
      );
    }
  }

  private async pollShard(table: string): Promise<void> {
    const shard = this.shards.get(table)!;
    const batch = shard.pending.splice(0, STREAM_BATCH_SIZE);
    await this.deliverChanges(table, batch);
    if (shard.pending.length > 0) {
      this.schedule(this.scheduler.now + 1_000, `stream ${table}: batch`, () => this.pollShard(table));
    } else shard.polling = false;
  }

  /** Hands changes to the stream Lambda through the table's event source mapping; what it parks is noted. */
  async deliverChanges(table: string, records: readonly DynamoDBRecord[]): Promise<void> {
    const outcome = await this.shards.get(table)!.mapping.process(records);
    for (const parked of outcome.parked) {
      this.parkedChanges.get(table)!.push(...parked.records.map((r) => r.dynamodb?.SequenceNumber ?? ''));
    }
  }

  /** The table a stream record came from, by its stream ARN. */
  tableOf(record: DynamoDBRecord): string | undefined {
    return this.pipeline.dynamodb.find((t) =>
      record.eventSourceARN?.startsWith(`${localDynamoTableArn(this.environment, t.name)}/`),
    )?.name;
  }
}
