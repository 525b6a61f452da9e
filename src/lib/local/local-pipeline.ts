import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckOutcome, LoadGate } from '../checks/check-run';
import { athenaScanPrice } from '../cost/athena-price';
import { DynamoLayout } from '../dynamodb/layout';
import type { LoadOutcome } from '../loading/types';
import type { RecomputedDay } from '../orchestration/late-data';
import { type RunScans, readRunScans, summariseScans } from '../orchestration/scan-budget';
import type { GatedPlan, HeldBack } from '../orchestration/snapshot-gate';
import type { ParquetCodec } from '../parquet/parquet-writer';
import type { Pipeline } from '../pipeline/pipeline';
import { ingestedLakeTables, SOURCE_KINDS } from '../sources/registry';
import type { SourceKindName } from '../sources/source-kind';
import type { LocalAthena } from '../standins/athena/local-athena';
import { localResultPage } from '../standins/athena/results';
import { type ExportRequest, LocalDynamoTable } from '../standins/dynamodb/local-dynamodb';
import type { DeliveryStats } from '../standins/firehose/local-delivery-stream';
import {
  deliverPending,
  LocalS3Notifications,
  type NotificationDelivery,
} from '../standins/s3/local-s3-notifications';
import {
  type DailyPipelineTask,
  dailyPipelineDefinition,
  type LocalExecution,
  runStateMachineLocally,
  type StepEvent,
  type TaskHandler,
} from '../standins/stepfunctions/local-state-machine';
import { getBytes, listKeys } from '../storage/object-store';
import type { PublishOutcome } from '../transforms/publish';
import { localQueryTask } from './athena-sync-task';
import type { CaptureStats, DynamoSource } from './capture-changes';
import type { StreamSource } from './ingest-streams';
import { type LocalEnvironment, openLocalAthena } from './local-environment';
import { type LocalHandlers, localDynamoTableArn } from './local-handlers';
import {
  LOCAL_SOURCES,
  type LocalIngestion,
  type LocalRecords,
  type LocalSourceKind,
  type LocalStats,
} from './local-ingestion';

export type { CaptureStats, DynamoSource } from './capture-changes';

/** A local run has no region: its Athena dollars are at LOCAL_PRICE_REGION's price, as planRun's are. */
const LOCAL_SCAN_PRICE = athenaScanPrice(null);

export type ProgressEvent =
  | { readonly kind: 'ingest'; readonly stream: string; readonly stats: DeliveryStats }
  | { readonly kind: 'capture'; readonly table: string; readonly stats: CaptureStats }
  | { readonly kind: 'step'; readonly step: StepEvent };

export interface LocalRunOptions {
  /** The day the daily pipeline runs for, YYYY-MM-DD (the last day, with `from`). */
  readonly date: string;
  /** The first day of a range the run covers, as the execution input's `from`; one day without it. */
  readonly from?: string;
  readonly streams: readonly StreamSource[];
  readonly dynamodb: readonly DynamoSource[];
  readonly codec?: ParquetCodec;
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * How S3's notifications of export data files reach the flattener while the state machine waits
   * for the snapshot: every pending one at each check unless given (a test may deliver late).
   */
  readonly deliverNotifications?: NotificationDelivery;
}

export interface TableSummary {
  readonly table: string;
  readonly rows: number;
  readonly partitions: number;
}

export interface QuarantineSummary {
  /** In the raw bucket, beside the raw object its lines came from. */
  readonly key: string;
  readonly lines: number;
  /** Lines by the reason the flattener gave for quarantining them. */
  readonly reasons?: ReadonlyMap<string, number>;
}

export interface SkippedLoads {
  readonly reason: string;
  readonly skipped: readonly string[];
}

export interface ExportNote {
  readonly table: string;
  readonly note: string;
}

/** What the execution's output says about DynamoDB exports skipped or clamped to the recovery window. */
export function exportNotes(output: unknown): ExportNote[] {
  const outcomes = (output as { exported?: { dynamodb?: unknown } } | undefined)?.exported?.dynamodb;
  if (!Array.isArray(outcomes)) return [];
  return outcomes.flatMap((outcome: { table?: unknown; skipped?: unknown; timing?: unknown }) => {
    if (typeof outcome?.table !== 'string') return [];
    if (typeof outcome.skipped === 'string')
      return [{ table: outcome.table, note: `export skipped: ${outcome.skipped}` }];
    if (typeof outcome.timing === 'string' && outcome.timing !== 'as planned')
      return [{ table: outcome.table, note: `export clamped: ${outcome.timing}` }];
    return [];
  });
}

/** What the execution's output says about loads it skipped (the `Skip loads` state writes it). */
export function skippedLoads(output: unknown): SkippedLoads | undefined {
  const loaded = (output as { loaded?: unknown } | undefined)?.loaded;
  if (loaded === null || typeof loaded !== 'object' || Array.isArray(loaded)) return undefined;
  const { reason, skipped } = loaded as Partial<SkippedLoads>;
  return typeof reason === 'string' && Array.isArray(skipped) ? { reason, skipped } : undefined;
}

export interface LocalRunSummary {
  readonly executionName: string;
  readonly date: string;
  /** The first day the local tables serve; stream records dated outside are filed by arrival. */
  readonly lakeStartDate: string;
  readonly streams: ReadonlyMap<string, DeliveryStats>;
  readonly captures: ReadonlyMap<string, CaptureStats>;
  readonly quarantined: readonly QuarantineSummary[];
  readonly execution: LocalExecution;
  readonly published: readonly PublishOutcome[];
  /** Every data check's outcome, with a sample of its failing rows. */
  readonly checks: readonly CheckOutcome[];
  /** Loads a failed `error` check held back, with the checks behind each. */
  readonly blockedLoads: LoadGate<{ load: string; transform: string }>['blocked'];
  readonly loads: readonly LoadOutcome[];
  /** Earlier days the transforms computed again because late data reached their sources, and why. */
  readonly recomputed: readonly RecomputedDay[];
  /** DynamoDB exports the run skipped or clamped (outside the recovery window), and why. */
  readonly exports: readonly ExportNote[];
  /** Transforms and loads held back because a snapshot they read is partial, and why. */
  readonly heldBack: readonly HeldBack[];
  /** Loads the run left out, and why (no BI database, or the input asked for none). */
  readonly skippedLoads: SkippedLoads | undefined;
  /** Failure notifications the alerts topic would have sent. */
  readonly notifications: readonly string[];
  /** Bytes and dollars of the run's Athena queries, per transform, check and load (failed runs too). */
  readonly scans: RunScans;
  readonly tables: readonly TableSummary[];
  /** Seconds per stage: ingest, capture, pipeline. */
  readonly timings: ReadonlyArray<readonly [string, number]>;
}

async function timed<T>(timings: Array<[string, number]>, name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings.push([name, (performance.now() - started) / 1000]);
  }
}

/**
 * The whole pipeline on this machine: events through the local Firehose and the transform
 * Lambda, DynamoDB changes through the stream Lambda and (by S3 notification) the flattener, then
 * the daily state machine, as deployed, with its tasks bound to the real handlers and to DuckDB
 * standing in for Athena.
 */
export async function runLocalPipeline(
  environment: LocalEnvironment,
  pipeline: Pipeline,
  handlers: LocalHandlers,
  options: LocalRunOptions,
): Promise<LocalRunSummary> {
  const progress = options.onProgress ?? (() => undefined);
  const timings: Array<[string, number]> = [];
  const tables = new Map(
    pipeline.dynamodb.map((t) => [t.name, new LocalDynamoTable(localDynamoTableArn(environment, t.name))]),
  );
  const notifications = await LocalS3Notifications.watch(
    environment.store,
    environment.rawBucket,
    DynamoLayout.flattenerNotifications,
  );
  const run: LocalIngestion = {
    environment,
    pipeline,
    handlers,
    codec: options.codec ?? 'snappy',
    dynamodbTables: tables,
    notifications,
    progress,
  };
  const inputs: { readonly [K in SourceKindName]: readonly LocalRecords<K>[] } = {
    stream: options.streams,
    dynamodb: options.dynamodb,
  };
  const ingested = {} as { [K in SourceKindName]: Map<string, LocalStats<K>> };
  for (const kind of Object.keys(SOURCE_KINDS) as SourceKindName[]) {
    Object.assign(ingested, { [kind]: await ingestKind(kind, run, inputs, timings) });
  }
  const streams = ingested.stream;
  const captures = ingested.dynamodb;

  const athena = await openLocalAthena(environment, pipeline);
  try {
    const executionName = `local-${options.date}-${Date.now()}`;
    const published: PublishOutcome[] = [];
    const loads: LoadOutcome[] = [];
    const alerts: string[] = [];
    const recomputed: RecomputedDay[] = [];
    const checks: CheckOutcome[] = [];
    const blocked: Array<LoadGate<{ load: string; transform: string }>['blocked'][number]> = [];
    const heldBack: HeldBack[] = [];
    const delivery = options.deliverNotifications ?? deliverPending;
    const tasks = localTasks(environment, handlers, athena, tables, notifications, delivery, {
      heldBack,
      published,
      loads,
      alerts,
      recomputed,
      checks,
      blocked,
    });
    const input: Json = options.from ? { from: options.from, to: options.date } : { date: options.date };
    const execution = await timed(timings, 'pipeline', () =>
      runStateMachineLocally(dailyPipelineDefinition(), input, tasks, {
        executionName,
        fastForwardMs: 0,
        onStep: (step) => progress({ kind: 'step', step }),
      }),
    );
    return {
      executionName,
      date: options.date,
      lakeStartDate: environment.lakeStartDate,
      streams,
      captures,
      quarantined: await quarantinedLines(environment),
      execution,
      published,
      checks,
      blockedLoads: blocked,
      exports: exportNotes(execution.output),
      heldBack,
      loads,
      recomputed,
      skippedLoads: skippedLoads(execution.output),
      notifications: alerts,
      scans: summariseScans(
        await readRunScans(environment.store, environment.lakeBucket, executionName, LOCAL_SCAN_PRICE),
        handlers.scanBudgetBytes,
        LOCAL_SCAN_PRICE,
      ),
      tables: await tableSummaries(athena, pipeline, new Set(heldBack.map((h) => h.transform ?? ''))),
      timings,
    };
  } finally {
    athena.close();
  }
}

/** One kind's sources through its local ingestion, timed under the kind's name for it. */
function ingestKind<K extends SourceKindName>(
  kind: K,
  run: LocalIngestion,
  inputs: { readonly [J in SourceKindName]: readonly LocalRecords<J>[] },
  timings: Array<[string, number]>,
): Promise<Map<string, LocalStats<K>>> {
  const local = LOCAL_SOURCES[kind] as LocalSourceKind<K>;
  return timed(timings, local.timing, () => local.ingest(run, inputs[kind]));
}

type Json = Parameters<TaskHandler>[0];

/** Every Task state of the daily pipeline, bound to the real handler or the local stand-in. */
export function localTasks(
  environment: LocalEnvironment,
  handlers: LocalHandlers,
  athena: LocalAthena,
  tables: ReadonlyMap<string, LocalDynamoTable>,
  notifications: LocalS3Notifications,
  delivery: NotificationDelivery,
  collected: {
    heldBack: HeldBack[];
    published: PublishOutcome[];
    loads: LoadOutcome[];
    alerts: string[];
    recomputed: RecomputedDay[];
    checks: CheckOutcome[];
    blocked: Array<LoadGate<{ load: string; transform: string }>['blocked'][number]>;
  },
): Record<DailyPipelineTask, TaskHandler> {
  const tableByArn = new Map([...tables.values()].map((t) => [t.tableArn, t]));
  const dynamoTable = (arn: string) => {
    const table = tableByArn.get(arn) ?? [...tables.values()].find((t) => arn.startsWith(`${t.tableArn}/`));
    if (!table) {
      throw Object.assign(new Error(`Requested resource not found: ${arn}`), {
        name: 'DynamoDb.ResourceNotFoundException',
      });
    }
    return table;
  };
  const runQuery = localQueryTask(athena);
  const noAurora = () => {
    throw Object.assign(new Error('There is no Aurora cluster on this machine'), {
      name: 'Rds.DBClusterNotFoundFault',
    });
  };
  return {
    'Plan run': async (input) => {
      const plan = (await handlers.planRun(input)) as { recomputed?: RecomputedDay[] };
      collected.recomputed.push(...(plan.recomputed ?? []));
      return plan as unknown as Json;
    },
    'Plan transform': (input) => handlers.planRun(input) as Promise<Json>,
    'Read recovery window': (input) => {
      const { TableName } = input as { TableName: string };
      return dynamoTable(TableName).describeContinuousBackups() as unknown as Json;
    },
    'Fit export to recovery window': (input) => handlers.planRun(input) as Promise<Json>,
    'Start DynamoDB export': async (input) => {
      const request = input as unknown as ExportRequest;
      // DynamoDB writes the export; S3's notifications of its data files wait for the delivery
      const description = await dynamoTable(request.TableArn).exportToPointInTime(request, environment.store);
      return { ExportDescription: { ...description, ExportStatus: 'IN_PROGRESS' } } as Json;
    },
    'Check snapshot flattened': async (input) => {
      await delivery(notifications, handlers.s3Flatten);
      return (await handlers.planRun(input)) as Json;
    },
    'Hold back partial snapshots': async (input) => {
      const gated = (await handlers.planRun(input)) as GatedPlan;
      collected.heldBack.push(...gated.heldBack);
      return gated as unknown as Json;
    },
    'Check DynamoDB export': (input) => {
      const { ExportArn } = input as { ExportArn: string };
      return { ExportDescription: dynamoTable(ExportArn).describeExport(ExportArn) } as unknown as Json;
    },
    'Start Aurora export': noAurora,
    'Start Aurora export of chosen data': noAurora,
    'Check Aurora export': noAurora,
    'Run CTAS': runQuery,
    'Run load query': runQuery,
    'Run check query': runQuery,
    'Record CTAS scan': (input) => handlers.planRun(input) as Promise<Json>,
    'Record check scan': (input) => handlers.planRun(input) as Promise<Json>,
    'Record load scan': (input) => handlers.planRun(input) as Promise<Json>,
    'Summarise scans': (input) => handlers.planRun(input) as Promise<Json>,
    'Plan check': (input) => handlers.planRun(input) as Promise<Json>,
    'Get check result': async (input) => {
      const { QueryExecutionId, MaxResults } = input as { QueryExecutionId: string; MaxResults: number };
      return {
        ResultSet: {
          Rows: await localResultPage(
            environment.store,
            environment.resultsBucket,
            QueryExecutionId,
            MaxResults,
          ),
        },
      } as Json;
    },
    'Summarise check': async (input) => {
      const outcome = (await handlers.planRun(input)) as CheckOutcome;
      collected.checks.push(outcome);
      return outcome as unknown as Json;
    },
    'Gate loads': async (input) => {
      const gate = (await handlers.planRun(input)) as LoadGate<{ load: string; transform: string }>;
      collected.blocked.push(...gate.blocked);
      return gate as unknown as Json;
    },
    'Publish output': async (input) => {
      const outcome = (await handlers.publishTransform(input)) as PublishOutcome;
      collected.published.push(outcome);
      return outcome as unknown as Json;
    },
    'Discard run': (input) => handlers.publishTransform(input) as Promise<Json>,
    'Load into database': async (input) => {
      const outcome = (await handlers.loader(input)) as LoadOutcome;
      collected.loads.push(outcome);
      return outcome as unknown as Json;
    },
    'Notify failure': async (input) => {
      const { Subject, Message } = input as { Subject: string; Message: string };
      collected.alerts.push(Message);
      const directory = join(environment.root, '_notifications');
      await mkdir(directory, { recursive: true });
      await writeFile(join(directory, `${Date.now()}.json`), JSON.stringify({ Subject, Message }, null, 2));
      return { MessageId: `local-${collected.alerts.length}` };
    },
  };
}

async function quarantinedLines(environment: LocalEnvironment): Promise<QuarantineSummary[]> {
  const { store, rawBucket } = environment;
  const keys = [
    ...(await listKeys(store, rawBucket, DynamoLayout.rawPrefix)),
    ...(await listKeys(store, rawBucket, DynamoLayout.exportsPrefix)),
  ].filter((key) => key.endsWith('.quarantine.ndjson'));
  const summaries: QuarantineSummary[] = [];
  for (const key of keys) {
    const lines = (await getBytes(store, rawBucket, key)).toString('utf8').split('\n').filter(Boolean);
    const reasons = new Map<string, number>();
    for (const line of lines) {
      const { reason } = JSON.parse(line) as { reason?: unknown };
      const why = typeof reason === 'string' ? reason : 'no reason given';
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
    summaries.push({ key, lines: lines.length, reasons });
  }
  return summaries;
}

/** Rows and day partitions of every lake table that exists, as a query sees them now. */
async function tableSummaries(
  athena: LocalAthena,
  pipeline: Pipeline,
  /** Transforms this run held back: a table never published before is left out, not an error. */
  heldBack: ReadonlySet<string>,
): Promise<TableSummary[]> {
  const published = new Set(
    (await athena.query('SELECT table_name FROM information_schema.tables')).rows.map((r) =>
      String(r.table_name),
    ),
  );
  const tables = [
    ...ingestedLakeTables(pipeline).map((t) => ({ name: t.name, byDay: true })),
    ...pipeline.transforms
      .filter((t) => !heldBack.has(t.name) || published.has(t.name))
      .map((t) => ({ name: t.name, byDay: t.partitionedBy.includes('dt') })),
  ];
  const summaries: TableSummary[] = [];
  // a failed run may end before a transform created its table: such tables are left out
  for (const table of tables.filter((t) => published.has(t.name))) {
    const { rows } = await athena.query(
      `SELECT count(*) AS rows, ${table.byDay ? 'count(DISTINCT dt)' : '0'} AS partitions FROM "${table.name}"`,
    );
    summaries.push({
      table: table.name,
      rows: Number(rows[0]?.rows ?? 0),
      partitions: Number(rows[0]?.partitions ?? 0),
    });
  }
  return summaries;
}
