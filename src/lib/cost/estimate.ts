import { DynamoLayout } from '../dynamodb/layout';
import { LakeLayout } from '../pipeline/lake-layout';
import type { Pipeline } from '../pipeline/pipeline';
import { FREE_TIERS, type RegionPrices } from './prices';
import type { TrafficProfile } from './profile';
import { retentionOf, type StackFacts } from './stack-facts';
import type { RunShape, RunWalk } from './state-machine-walk';

/**
 * A stage's month, line by line: what each AWS service bills for the traffic of a profile, under
 * the stack's own settings. Pure arithmetic: every quantity is computed here from the profile,
 * the stack's facts, one daily run's walk of the state machine and ASSUMPTIONS, and priced from
 * prices.ts. AWS bills the rules in docs/aws-rules.md ("Billing"); the assumptions are ours.
 */

export const DAYS_PER_MONTH = 30;
export const GB = 1024 ** 3;
export const MB = 1024 ** 2;
export const TB = 1024 ** 4;
/** Firehose bills each record rounded up to a multiple of 5 KB. */
export const FIREHOSE_RECORD_INCREMENT_BYTES = 5 * 1024;
/** Athena bills at least 10 MB per query, and rounds bytes scanned up to the megabyte. */
export const ATHENA_MINIMUM_BYTES = 10 * MB;

/** What the estimate assumes where AWS documents nothing to compute from; each is a guess, named. */
export const ASSUMPTIONS = {
  /** Transform Lambda: time per invocation and throughput (the benchmark's 67 MB/s on a VM, halved for 512 MB). */
  firehoseTransformSecondsPerInvocation: 0.05,
  firehoseTransformBytesPerSecond: 30 * MB,
  /** A table's stream has one shard (small tables; a large table's has more, each batched on its own). */
  streamShards: 1,
  /** Stream Lambda: writes one gzip change file per batch. */
  dynamodbStreamSecondsPerInvocation: 0.1,
  /** Flattener: per change or export file, and its end-to-end throughput (benchmark: 43 MB/s of NDJSON). */
  s3FlattenSecondsPerFile: 0.2,
  s3FlattenBytesPerSecond: 40 * MB,
  /** A DynamoDB export writes its data in files of about this many bytes (uncompressed). */
  exportFileBytes: 100 * MB,
  /** Seconds per invocation of the functions the state machine calls. */
  orchestrationSeconds: { planRun: 1, publishTransform: 2, loader: 10, rewriteLake: 2 } as Record<
    string,
    number
  >,
  /** Polls of a daily run: a DynamoDB export takes about 10 minutes, the flattener one more check. */
  dynamodbExportPolls: 10,
  snapshotPolls: 2,
  auroraExportPolls: 15,
  /** Bytes each Lambda invocation logs (START, END and REPORT lines and one structured line). */
  logBytesPerInvocation: 600,
  /** Range GETs Athena makes per Parquet object it reads (footer, then column chunks). */
  athenaGetsPerObject: 3,
  /** Glue requests per Athena query (GetTable, GetDatabase, ... with partition projection). */
  glueRequestsPerQuery: 5,
  /** Secrets Manager reads: functions cache a secret, so about one read per this many invocations. */
  invocationsPerSecretRead: 100,
  /** With an S3 Bucket Key, S3 asks KMS about once per this many requests. */
  s3RequestsPerKmsRequest: 100,
  /** Queries read every column of the days they scan (an upper bound: Parquet lets Athena read fewer). */
  columnShareRead: 1,
} as const;

export type Service =
  | 'Firehose'
  | 'S3'
  | 'Lambda'
  | 'Athena'
  | 'Step Functions'
  | 'Glue'
  | 'DynamoDB'
  | 'CloudWatch'
  | 'Secrets Manager'
  | 'KMS';

export interface LineItem {
  readonly service: Service;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
  /** What in pipeline.yml, the params or the traffic makes this number. */
  readonly driver: string;
  /** What to change to pay less. */
  readonly change: string;
  /** The always-free allowance that would cover part of it, in USD, if nothing else uses it. */
  readonly freeUsd?: number;
}

export interface MonthEstimate {
  readonly items: readonly LineItem[];
  readonly totalUsd: number;
  readonly freeTierUsd: number;
  readonly run: RunWalk;
  /** The lake rewrite's run, and how often it runs. */
  readonly rewrite?: LakeRewriteRuns | undefined;
}

/** A month of the lake-rewrite state machine: one run's walk and its runs (compactionSchedule). */
export interface LakeRewriteRuns {
  readonly walk: RunWalk;
  readonly runsPerMonth: number;
}

/**
 * A lake-rewrite run: each stream's seven days due, of which the day that just passed its
 * lookback gets one round (a stream with traffic) and the six before it are unchanged.
 */
export function lakeRewriteShape(pipeline: Pipeline, profile: TrafficProfile): RunShape {
  return {
    exportedTables: 0,
    auroraExports: 0,
    transformLevels: [],
    checks: 0,
    loads: 0,
    dynamodbExportPolls: 0,
    snapshotPolls: 0,
    auroraExportPolls: 0,
    rewriteDays: pipeline.streams.flatMap((stream) => [
      (profile.streams[stream.name]?.eventsPerDay ?? 0) > 0 ? 1 : 0,
      0,
      0,
      0,
      0,
      0,
      0,
    ]),
  };
}

/** The run the plan makes each day for this pipeline and stage. */
export function dailyRunShape(pipeline: Pipeline, profile: TrafficProfile, facts: StackFacts): RunShape {
  const statements = new Map(pipeline.transforms.map((t) => [t.name, 1]));
  return {
    exportedTables: Object.keys(profile.tables).length,
    auroraExports: 0,
    transformLevels: pipeline.transformLevels.map((level) => level.map((name) => statements.get(name) ?? 1)),
    checks: pipeline.checks.length,
    loads: facts.loads ? pipeline.loads.length : 0,
    dynamodbExportPolls: ASSUMPTIONS.dynamodbExportPolls,
    snapshotPolls: ASSUMPTIONS.snapshotPolls,
    auroraExportPolls: ASSUMPTIONS.auroraExportPolls,
  };
}

/** One Athena query of a nightly run, and the bytes Athena bills for it. */
export interface NightlyQuery {
  readonly name: string;
  readonly kind: 'transform' | 'check' | 'load';
  readonly scannedBytes: number;
  readonly objectsRead: number;
}

export function billedAthenaBytes(scannedBytes: number): number {
  return Math.max(ATHENA_MINIMUM_BYTES, Math.ceil(scannedBytes / MB) * MB);
}

export function firehoseBilledBytes(events: number, averageEventBytes: number): number {
  return (
    events * Math.ceil(averageEventBytes / FIREHOSE_RECORD_INCREMENT_BYTES) * FIREHOSE_RECORD_INCREMENT_BYTES
  );
}

/** Objects a buffer delivers a day for one partition that receives `bytes` over `seconds`. */
export function flushesPerPartition(
  records: number,
  bytes: number,
  seconds: number,
  bufferMB: number,
  bufferSeconds: number,
): number {
  if (records === 0) return 0;
  return Math.min(records, Math.max(Math.ceil(seconds / bufferSeconds), Math.ceil(bytes / (bufferMB * MB))));
}

interface DailyFlows {
  /** Per lake table: Parquet bytes and objects written a day. */
  readonly lake: Map<string, { bytes: number; objects: number }>;
}

/** What the traffic writes to the lake each day, per table, and the Firehose objects behind it. */
function dailyLakeFlows(
  profile: TrafficProfile,
  facts: StackFacts,
  changeFiles: Map<string, number>,
): DailyFlows {
  const lake = new Map<string, { bytes: number; objects: number }>();
  for (const [name, s] of Object.entries(profile.streams)) {
    const bytes = s.eventsPerDay * s.averageEventBytes;
    // dynamic partitioning by dt/hour: 24 partitions a day, each flushed on its own
    const perHour = flushesPerPartition(
      s.eventsPerDay / 24,
      bytes / 24,
      3600,
      facts.firehose.bufferMB,
      facts.firehose.bufferSeconds,
    );
    lake.set(name, { bytes: bytes * profile.parquetRatio, objects: Math.ceil(perHour) * 24 });
  }
  for (const [name, t] of Object.entries(profile.tables)) {
    lake.set(DynamoLayout.changesTable(name), {
      bytes: t.changesPerDay * t.averageChangeBytes * profile.parquetRatio,
      objects: changeFiles.get(name) ?? 0,
    });
    lake.set(DynamoLayout.snapshotTable(name), {
      bytes: t.tableGB * GB * profile.parquetRatio,
      objects: Math.max(1, Math.ceil((t.tableGB * GB) / ASSUMPTIONS.exportFileBytes)),
    });
  }
  return { lake };
}

/** The nightly queries: transforms (CTAS), checks and loads, with what each scans. */
export function nightlyQueries(
  pipeline: Pipeline,
  profile: TrafficProfile,
  facts: StackFacts,
  lake: Map<string, { bytes: number; objects: number }>,
): NightlyQuery[] {
  const history = profile.historyDays;
  const scan = (table: string, days: number) => {
    const flow = lake.get(table) ?? { bytes: 0, objects: 0 };
    const d = Math.min(days, Math.max(history, 1));
    return { bytes: flow.bytes * d * ASSUMPTIONS.columnShareRead, objects: flow.objects * d };
  };
  const sum = (parts: { bytes: number; objects: number }[]) =>
    parts.reduce((a, b) => ({ bytes: a.bytes + b.bytes, objects: a.objects + b.objects }), {
      bytes: 0,
      objects: 0,
    });
  const queries: NightlyQuery[] = [];
  for (const t of pipeline.transforms) {
    const days = (source: string) =>
      t.mode === 'incremental'
        ? t.lookbackDays + 1
        : // a full rebuild reads the latest snapshot and the changes after it; other sources whole
          source.endsWith('_snapshot') || source.endsWith('_changes')
          ? 1
          : history;
    const read = sum(t.sources.map((source) => scan(source, days(source))));
    queries.push({ name: t.name, kind: 'transform', scannedBytes: read.bytes, objectsRead: read.objects });
  }
  for (const c of pipeline.checks) {
    const read = scan(c.table, 1);
    queries.push({ name: c.name, kind: 'check', scannedBytes: read.bytes, objectsRead: read.objects });
  }
  if (facts.loads) {
    // a load reads the transform's output of the run: small tables, billed at the minimum
    for (const l of pipeline.loads)
      queries.push({ name: l.name, kind: 'load', scannedBytes: 0, objectsRead: 1 });
  }
  return queries;
}

const usd = (quantity: number, perUnit: number) => quantity * perUnit;
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** Line items of a month of this traffic on this stack, at these prices. */
export function estimateMonth(
  pipeline: Pipeline,
  profile: TrafficProfile,
  facts: StackFacts,
  prices: RegionPrices,
  run: RunWalk,
  rewrite?: LakeRewriteRuns,
): MonthEstimate {
  const M = DAYS_PER_MONTH;
  const rewriteRuns = rewrite?.runsPerMonth ?? 0;
  // each compaction CTAS reads a day of its stream's Parquet (at least Athena's 10 MB minimum)
  const compactionBilled =
    Object.values(rewrite?.walk.athenaQueries ?? {}).reduce((a, b) => a + b, 0) === 0
      ? 0
      : Object.entries(profile.streams)
          .filter(([, s]) => s.eventsPerDay > 0)
          .reduce(
            (n, [, s]) => n + billedAthenaBytes(s.eventsPerDay * s.averageEventBytes * profile.parquetRatio),
            0,
          ) * rewriteRuns;
  const items: LineItem[] = [];
  const add = (item: LineItem) => items.push(item);
  const runs = facts.runsPerMonth;
  const fh = facts.firehose;

  // --- Firehose ---------------------------------------------------------------------------------
  const streams = Object.entries(profile.streams);
  const billedBytes =
    streams.reduce((n, [, s]) => n + firehoseBilledBytes(s.eventsPerDay, s.averageEventBytes), 0) * M;
  const sentBytes = streams.reduce((n, [, s]) => n + s.eventsPerDay * s.averageEventBytes, 0) * M;
  const overbilled = streams
    .map(
      ([name, s]) =>
        `${name} ${fmt(s.averageEventBytes)} B bills ${fmt(firehoseBilledBytes(1, s.averageEventBytes) / Math.max(s.averageEventBytes, 1))}x`,
    )
    .join(', ');
  add({
    service: 'Firehose',
    item: 'ingestion (each record rounded up to 5 KB)',
    quantity: billedBytes / GB,
    unit: 'GB',
    usd: usd(billedBytes / GB, prices.firehoseIngestionPerGB.usd),
    driver: `events per day; each event is one record and bills at least 5 KB (${overbilled})`,
    change:
      'no param changes it: Parquet conversion reads one event per record, so only fewer or fuller events (closer to 5 KB) bill less',
  });
  add({
    service: 'Firehose',
    item: 'format conversion to Parquet (5 KB increments)',
    quantity: billedBytes / GB,
    unit: 'GB',
    usd: usd(billedBytes / GB, prices.firehoseFormatConversionPerGB.usd),
    driver: 'the same 5 KB-rounded GB as ingestion',
    change: 'as for ingestion: fewer or fuller events',
  });
  add({
    service: 'Firehose',
    item: 'dynamic partitioning, GB delivered',
    quantity: sentBytes / GB,
    unit: 'GB',
    usd: usd(sentBytes / GB, prices.firehoseDynamicPartitioningPerGB.usd),
    driver: 'bytes sent: dynamic partitioning (dt/hour) bills every GB it delivers',
    change:
      'drop fields nobody queries before sending (pipeline.yml `drop` removes them only after Firehose)',
  });
  const { lake } = dailyLakeFlows(profile, facts, new Map());
  const firehoseObjects = streams.reduce((n, [name]) => n + (lake.get(name)?.objects ?? 0), 0) * M;
  add({
    service: 'Firehose',
    item: 'dynamic partitioning, objects delivered',
    quantity: firehoseObjects,
    unit: 'objects',
    usd: usd(firehoseObjects / 1000, prices.firehoseDynamicPartitioningPer1000Objects.usd),
    driver: `24 hour partitions a day × flushes per partition: firehoseBufferSeconds=${fh.bufferSeconds}, firehoseBufferMB=${fh.bufferMB}`,
    change: `raise firehoseBufferSeconds (up to 900) so each hour partition is flushed fewer times`,
  });

  // --- Lambda -----------------------------------------------------------------------------------
  const invocations: Record<string, number> = {};
  const seconds: Record<string, number> = {};
  const count = (fn: string, n: number, s: number) => {
    invocations[fn] = (invocations[fn] ?? 0) + n;
    seconds[fn] = (seconds[fn] ?? 0) + s;
  };
  for (const [, s] of streams) {
    const bytes = s.eventsPerDay * s.averageEventBytes;
    const n = flushesPerPartition(
      s.eventsPerDay,
      bytes,
      86_400,
      fh.processorBufferMB,
      fh.processorBufferSeconds,
    );
    count(
      'firehoseTransform',
      n * M,
      (n * ASSUMPTIONS.firehoseTransformSecondsPerInvocation +
        bytes / ASSUMPTIONS.firehoseTransformBytesPerSecond) *
        M,
    );
  }
  const changeFiles = new Map<string, number>();
  let exportFiles = 0;
  for (const [name, t] of Object.entries(profile.tables)) {
    // the mapping invokes once per batching window that saw a change, or per full batch
    const batches = Math.min(
      t.changesPerDay,
      Math.max(
        Math.ceil(t.changesPerDay / facts.streamBatchSize),
        (ASSUMPTIONS.streamShards * 86_400) / facts.streamBatchingWindowSeconds,
      ),
    );
    changeFiles.set(name, batches);
    const bytes = t.changesPerDay * t.averageChangeBytes;
    count('dynamodbStream', batches * M, batches * ASSUMPTIONS.dynamodbStreamSecondsPerInvocation * M);
    const files = Math.max(1, Math.ceil((t.tableGB * GB) / ASSUMPTIONS.exportFileBytes));
    exportFiles += files * M;
    const flattenFiles = batches + files;
    count(
      's3Flatten',
      flattenFiles * M,
      (flattenFiles * ASSUMPTIONS.s3FlattenSecondsPerFile +
        (bytes + t.tableGB * GB) / ASSUMPTIONS.s3FlattenBytesPerSecond) *
        M,
    );
  }
  for (const [fn, n] of Object.entries(run.lambdaInvocations)) {
    count(fn, n * runs, n * runs * (ASSUMPTIONS.orchestrationSeconds[fn] ?? 1));
  }
  for (const [fn, n] of Object.entries(rewrite?.walk.lambdaInvocations ?? {})) {
    count(fn, n * rewriteRuns, n * rewriteRuns * (ASSUMPTIONS.orchestrationSeconds[fn] ?? 1));
  }
  const gbSeconds = Object.entries(seconds).reduce(
    (n, [fn, s]) => n + s * ((facts.lambdaMemoryMB[fn] ?? 1024) / 1024),
    0,
  );
  const totalInvocations = Object.values(invocations).reduce((a, b) => a + b, 0);
  const busiest = Object.entries(invocations).sort((a, b) => b[1] - a[1])[0];
  add({
    service: 'Lambda',
    item: 'duration (Arm)',
    quantity: gbSeconds,
    unit: 'GB-s',
    usd: usd(gbSeconds, prices.lambdaArmPerGBSecond.usd),
    driver: `bytes flattened and memory in serverless.yml (${Object.entries(facts.lambdaMemoryMB)
      .filter(([fn]) => seconds[fn])
      .map(([fn, mb]) => `${fn} ${mb} MB`)
      .join(', ')})`,
    change: 'lower memorySize of a function that does not need it (s3Flatten: 1024 MB)',
    freeUsd: usd(Math.min(gbSeconds, FREE_TIERS.lambdaGBSeconds.quantity), prices.lambdaArmPerGBSecond.usd),
  });
  add({
    service: 'Lambda',
    item: 'requests',
    quantity: totalInvocations,
    unit: 'requests',
    usd: usd(totalInvocations / 1e6, prices.lambdaPerMillionRequests.usd),
    driver: busiest ? `${busiest[0]} is invoked most (${fmt(busiest[1])} a month)` : 'no invocations',
    change: 'larger batches: streamBatchSize for DynamoDB changes; the transform batches per 1 MB or 60 s',
    freeUsd: usd(
      Math.min(totalInvocations, FREE_TIERS.lambdaRequests.quantity) / 1e6,
      prices.lambdaPerMillionRequests.usd,
    ),
  });

  // --- S3 ---------------------------------------------------------------------------------------
  const flows = dailyLakeFlows(profile, facts, changeFiles).lake;
  const history = profile.historyDays;
  /** GB-months in each class of a daily flow of `bytesPerDay` kept under the rules at `key`. */
  const stored = (rules: StackFacts['lifecycle']['lake'], key: string, bytesPerDay: number) => {
    const r = retentionOf(rules, key);
    const standardDays = Math.min(r.standardDays, history);
    const iaDays = Math.min(r.iaDays, Math.max(0, history - standardDays));
    return { standard: (bytesPerDay * standardDays) / GB, ia: (bytesPerDay * iaDays) / GB, retention: r };
  };
  let lakeStandard = 0;
  for (const [table, flow] of flows)
    lakeStandard += stored(facts.lifecycle.lake, LakeLayout.table(table), flow.bytes).standard;
  add({
    service: 'S3',
    item: 'lake bucket storage (Parquet, kept)',
    quantity: lakeStandard,
    unit: 'GB-month',
    usd: usd(lakeStandard, prices.s3StandardPerGBMonth.usd),
    driver: `${history} days of history kept; a daily snapshot of every table (${
      Object.entries(profile.tables)
        .map(([n, t]) => `${n} ${fmt(t.tableGB)} GB`)
        .join(', ') || 'none'
    }) is kept each day`,
    change:
      'expire old days of the _snapshot tables (keep the latest few) or of the lake itself; keep only the columns you query',
  });
  let rawStandard = 0;
  let rawIa = 0;
  let rawTransitions = 0;
  const rawDaily: [string, number, number][] = [];
  for (const [name, s] of streams) {
    const objects = flushesPerPartition(
      s.eventsPerDay,
      s.eventsPerDay * s.averageEventBytes,
      86_400,
      fh.backupBufferMB,
      fh.backupBufferSeconds,
    );
    rawDaily.push([
      LakeLayout.firehoseBackup(name),
      s.eventsPerDay * s.averageEventBytes * profile.gzipRatio,
      objects,
    ]);
  }
  for (const [name, t] of Object.entries(profile.tables)) {
    rawDaily.push([
      `${DynamoLayout.rawPrefix}${name}/`,
      t.changesPerDay * t.averageChangeBytes * profile.gzipRatio,
      changeFiles.get(name) ?? 0,
    ]);
    rawDaily.push([
      `${DynamoLayout.exportsPrefix}${name}/`,
      t.tableGB * GB * profile.gzipRatio,
      Math.max(1, Math.ceil((t.tableGB * GB) / ASSUMPTIONS.exportFileBytes)),
    ]);
  }
  const rawRetentions = new Set<string>();
  for (const [prefix, bytes, objects] of rawDaily) {
    const s = stored(facts.lifecycle.raw, prefix, bytes);
    rawStandard += s.standard;
    rawIa += s.ia;
    if (s.retention.iaDays > 0) rawTransitions += objects * M;
    rawRetentions.add(`${prefix} ${s.retention.standardDays + s.retention.iaDays} days`);
  }
  add({
    service: 'S3',
    item: 'raw bucket storage, Standard (gzip source copies, exports)',
    quantity: rawStandard,
    unit: 'GB-month',
    usd: usd(rawStandard, prices.s3StandardPerGBMonth.usd),
    driver: `rawRetentionDays, privateRawRetentionDays=${facts.privateRawRetentionDays} for copies with drop/hash rules, plus 30 days of old versions after expiry (${[...rawRetentions].join('; ')})`,
    change: 'lower rawRetentionDays (the raw copies are for replay and backfill)',
  });
  if (rawIa > 0 || rawTransitions > 0) {
    add({
      service: 'S3',
      item: 'raw bucket storage, Standard-IA (after 30 days)',
      quantity: rawIa,
      unit: 'GB-month',
      usd: usd(rawIa, prices.s3StandardIaPerGBMonth.usd),
      driver: 'rawRetentionDays above 30 moves raw copies to Standard-IA at 30 days',
      change: 'lower rawRetentionDays',
    });
    add({
      service: 'S3',
      item: 'lifecycle transitions to Standard-IA',
      quantity: rawTransitions,
      unit: 'requests',
      usd: usd(rawTransitions / 1000, prices.s3TransitionToIaPer1000.usd),
      driver: 'one per raw object that lives past 30 days',
      change: 'fewer, larger raw objects (firehoseBufferSeconds, streamBatchSize)',
    });
  }
  const queries = nightlyQueries(pipeline, profile, facts, flows);
  const athenaQueriesPerRun = queries.length;
  const lakeObjects = [...flows.values()].reduce((n, f) => n + f.objects, 0) * M;
  const rawObjects = rawDaily.reduce((n, [, , objects]) => n + objects, 0) * M;
  const resultObjects = athenaQueriesPerRun * runs * 2;
  const puts = lakeObjects + rawObjects + resultObjects + runs * pipeline.transforms.length;
  add({
    service: 'S3',
    item: 'PUT requests',
    quantity: puts,
    unit: 'requests',
    usd: usd(puts / 1000, prices.s3PutPer1000.usd),
    driver: `objects written: Firehose deliveries (firehoseBufferSeconds=${fh.bufferSeconds}), raw copies, change files (streamBatchSize=${facts.streamBatchSize}), exports, query results`,
    change: 'raise firehoseBufferSeconds; larger change batches',
  });
  const athenaGets =
    (queries.reduce((n, q) => n + q.objectsRead, 0) * runs +
      profile.adhocQueriesPerDay * M * Math.max(1, Math.ceil((profile.adhocScanMB * MB) / (64 * MB)))) *
    ASSUMPTIONS.athenaGetsPerObject;
  const gets =
    athenaGets + (exportFiles + [...changeFiles.values()].reduce((a, b) => a + b, 0) * M) + resultObjects;
  add({
    service: 'S3',
    item: 'GET requests',
    quantity: gets,
    unit: 'requests',
    usd: usd(gets / 1000, prices.s3GetPer1000.usd),
    driver:
      'objects Athena reads each night (many small Parquet objects cost more GETs) and the flattener reads',
    change: 'fewer, larger lake objects: raise firehoseBufferSeconds',
  });

  // --- Athena -----------------------------------------------------------------------------------
  const nightlyBilled = queries.reduce((n, q) => n + billedAthenaBytes(q.scannedBytes), 0) * runs;
  const adhocBilled = profile.adhocQueriesPerDay * M * billedAthenaBytes(profile.adhocScanMB * MB);
  const biggest = [...queries].sort((a, b) => b.scannedBytes - a.scannedBytes)[0];
  add({
    service: 'Athena',
    item: `nightly transforms, checks and loads (${athenaQueriesPerRun} queries a run, 10 MB minimum each)`,
    quantity: nightlyBilled / TB,
    unit: 'TB scanned',
    usd: usd(nightlyBilled / TB, prices.athenaPerTBScanned.usd),
    driver: biggest
      ? `the largest is ${biggest.kind} ${biggest.name} (${fmt(biggest.scannedBytes / MB)} MB a run); a full transform re-reads its whole sources`
      : 'no queries',
    change: 'make full transforms incremental (pipeline.yml mode: incremental) and lower lookbackDays',
  });
  if (compactionBilled > 0) {
    add({
      service: 'Athena',
      item: 'lake rewrite: compaction CTAS (a day of each stream a run)',
      quantity: compactionBilled / TB,
      unit: 'TB scanned',
      usd: usd(compactionBilled / TB, prices.athenaPerTBScanned.usd),
      driver: `the lake-rewrite state machine, ${rewriteRuns} runs (compactionSchedule); each reads the day it compacts`,
      change: 'compact less often (compactionSchedule), or later (compaction.afterDays in pipeline.yml)',
    });
  }
  if (profile.adhocQueriesPerDay > 0) {
    add({
      service: 'Athena',
      item: 'ad hoc queries',
      quantity: adhocBilled / TB,
      unit: 'TB scanned',
      usd: usd(adhocBilled / TB, prices.athenaPerTBScanned.usd),
      driver: `${fmt(profile.adhocQueriesPerDay)} queries a day of ${fmt(profile.adhocScanMB)} MB (profile)`,
      change: 'filter on dt in every query; query transform outputs instead of raw tables',
    });
  }

  // --- Step Functions ---------------------------------------------------------------------------
  const transitions = run.transitions * runs + (rewrite?.walk.transitions ?? 0) * rewriteRuns;
  add({
    service: 'Step Functions',
    item:
      rewriteRuns > 0
        ? `state transitions (${run.transitions} a daily run, ${rewrite?.walk.transitions} a lake rewrite run, Standard workflow)`
        : `state transitions (${run.transitions} a run, Standard workflow)`,
    quantity: transitions,
    unit: 'transitions',
    usd: usd(transitions / 1000, prices.stepFunctionsPer1000Transitions.usd),
    driver:
      rewriteRuns > 0
        ? 'transforms, checks, loads and export polls in pipeline.yml, one run a day; the lake rewrite, per stream and day due'
        : 'transforms, checks, loads and export polls in pipeline.yml, one run a day',
    change: 'fewer checks or loads; export polls are one a minute per table',
    freeUsd: usd(
      Math.min(transitions, FREE_TIERS.stepFunctionsTransitions.quantity) / 1000,
      prices.stepFunctionsPer1000Transitions.usd,
    ),
  });

  // --- Glue -------------------------------------------------------------------------------------
  const glueRequests =
    (athenaQueriesPerRun * runs +
      Object.values(rewrite?.walk.athenaQueries ?? {}).reduce((a, b) => a + b, 0) * rewriteRuns +
      profile.adhocQueriesPerDay * M) *
    ASSUMPTIONS.glueRequestsPerQuery;
  add({
    service: 'Glue',
    item: `Data Catalog requests (${facts.catalogTables} tables, partition projection)`,
    quantity: glueRequests,
    unit: 'requests',
    usd: usd(glueRequests / 1e6, prices.glueCatalogPerMillionRequests.usd),
    driver: 'queries a month; partition projection stores no partitions',
    change: 'nothing: under the free million requests unless other work uses them',
    freeUsd: usd(
      Math.min(glueRequests, FREE_TIERS.glueRequests.quantity) / 1e6,
      prices.glueCatalogPerMillionRequests.usd,
    ),
  });

  // the database and its tables; partition projection stores no partitions
  const glueObjects = facts.catalogTables + 1;
  add({
    service: 'Glue',
    item: 'Data Catalog storage (database and tables)',
    quantity: glueObjects,
    unit: 'objects',
    usd: usd(glueObjects / 100_000, prices.glueCatalogPer100kObjectsMonth.usd),
    driver: 'tables in pipeline.yml; partition projection keeps partitions out of the catalog',
    change: 'nothing: the first million objects are free',
    freeUsd: usd(
      Math.min(glueObjects, FREE_TIERS.glueObjects.quantity) / 100_000,
      prices.glueCatalogPer100kObjectsMonth.usd,
    ),
  });

  // --- DynamoDB ---------------------------------------------------------------------------------
  const exportGB = Object.values(profile.tables).reduce((n, t) => n + t.tableGB, 0) * runs;
  add({
    service: 'DynamoDB',
    item: 'daily exports to S3 (per GB of table size)',
    quantity: exportGB,
    unit: 'GB',
    usd: usd(exportGB, prices.dynamodbExportPerGB.usd),
    driver: `a full export of every captured table each day (${
      Object.entries(profile.tables)
        .map(([n, t]) => `${n} ${fmt(t.tableGB)} GB`)
        .join(', ') || 'none'
    })`,
    change:
      'the export rebuilds the snapshot the changes are applied to: a table whose changes are complete needs it less often',
  });

  // --- CloudWatch -------------------------------------------------------------------------------
  add({
    service: 'CloudWatch',
    item: 'alarms',
    quantity: facts.alarms,
    unit: 'alarm-months',
    usd: usd(facts.alarms, prices.cloudwatchAlarmPerMonth.usd),
    driver: "the stack's alarms (stream `expect`s with quietStreamAlarms, failures, ...)",
    change: 'nothing to cut: each alarm guards a failure',
    freeUsd: usd(
      Math.min(facts.alarms, FREE_TIERS.cloudwatchAlarms.quantity),
      prices.cloudwatchAlarmPerMonth.usd,
    ),
  });
  const logGB = (totalInvocations * ASSUMPTIONS.logBytesPerInvocation) / GB;
  add({
    service: 'CloudWatch',
    item: 'logs ingestion',
    quantity: logGB,
    unit: 'GB',
    usd: usd(logGB, prices.cloudwatchLogsIngestionPerGB.usd),
    driver: 'Lambda invocations (each logs its START, END and REPORT lines)',
    change: 'fewer invocations (larger batches); POWERTOOLS_LOG_LEVEL stays INFO',
    freeUsd: usd(
      Math.min(logGB, FREE_TIERS.cloudwatchLogsGB.quantity),
      prices.cloudwatchLogsIngestionPerGB.usd,
    ),
  });

  // --- Secrets Manager and KMS ------------------------------------------------------------------
  add({
    service: 'Secrets Manager',
    item: 'secrets',
    quantity: facts.secrets,
    unit: 'secret-months',
    usd: usd(facts.secrets, prices.secretsManagerPerSecretMonth.usd),
    driver: 'the hash key secret (pipeline.yml `hash` rules) and the BI database secret (loaderSecretArn)',
    change: 'nothing to cut',
  });
  const secretCalls =
    facts.secrets > 0 ? Math.ceil(totalInvocations / ASSUMPTIONS.invocationsPerSecretRead) : 0;
  add({
    service: 'Secrets Manager',
    item: 'API calls',
    quantity: secretCalls,
    unit: 'calls',
    usd: usd(secretCalls / 10_000, prices.secretsManagerPer10kCalls.usd),
    driver: 'functions read their secret once per container',
    change: 'nothing to cut',
  });
  add({
    service: 'KMS',
    item: 'customer managed keys',
    quantity: facts.kmsKeys,
    unit: 'key-months',
    usd: usd(facts.kmsKeys, prices.kmsPerKeyMonth.usd),
    driver: 'kmsKeyArn, hashKeySecretKmsKeyArn, loaderSecretKmsKeyArn (SSE-S3 when empty costs nothing)',
    change: 'leave kmsKeyArn empty unless a policy needs a customer managed key',
  });
  const kmsRequests = facts.bucketsUseKms
    ? Math.ceil((puts + gets) / ASSUMPTIONS.s3RequestsPerKmsRequest)
    : 0;
  add({
    service: 'KMS',
    item: 'requests (S3 with a Bucket Key)',
    quantity: kmsRequests,
    unit: 'requests',
    usd: usd(kmsRequests / 10_000, prices.kmsPer10kRequests.usd),
    driver: 'S3 requests on buckets encrypted with kmsKeyArn',
    change: 'leave kmsKeyArn empty (SSE-S3)',
  });

  const totalUsd = items.reduce((n, i) => n + i.usd, 0);
  const freeTierUsd = items.reduce((n, i) => n + (i.freeUsd ?? 0), 0);
  return { items, totalUsd, freeTierUsd, run, rewrite };
}

/** The three line items that cost most, largest first. */
export function biggestItems(estimate: MonthEstimate, n = 3): LineItem[] {
  return [...estimate.items].sort((a, b) => b.usd - a.usd).slice(0, n);
}
