import { randomBytes } from 'node:crypto';
import type { Catalog } from '../catalog/catalog';
import type { RecordFlattener } from '../flattening/record-flattener';
import type { ParquetCodec } from '../parquet/parquet-writer';
import type { StreamSpec } from '../pipeline/pipeline';
import { getBytes, type ObjectStore } from '../storage/object-store';
import { cleanupDay } from './cleanup';
import {
  type CompactionOptions,
  compactionOptions,
  daysDueForCompaction,
  generationFileCount,
} from './compaction-policy';
import {
  type GenerationSummary,
  manifestBody,
  RewriteStateError,
  readDayState,
  retirements,
  visibleFiles,
} from './day-state';
import { parquetRowCount, writeConsumedFile } from './generation-files';
import { compactionQuery, generationDataPrefix, rewriteTableName } from './lake-sql';
import { CONSUMED_FILE, newGenerationId, RewriteLayout, SUMMARY_FILE } from './layout';
import type { PointerStore } from './pointer-store';
import { daysBetween, rebuildDays } from './rebuild-days';

/**
 * The steps of the lake-rewrite state machine (statemachines/lake-rewrite.asl.yml), the same in
 * the Lambda and in a local run: Plan picks the (stream, day) pairs due; per day, Prepare writes a
 * generation's consumed list and plan and hands on the CTAS that writes its rows; Athena runs it;
 * Commit lists what it wrote, writes the summary and flips the day's pointer with a conditional
 * PUT; Discard forgets a failed attempt; Cleanup removes what readers no longer see once the grace
 * period has passed. Every payload stays small: lists of files travel in S3, not in the state.
 */

/**
 * Athena refuses a query string over 262,144 bytes (UTF-8), and Step Functions a state's input or
 * output over 256 KiB. The CTAS travels in the state, so one round's CTAS stays under this budget,
 * leaving room for the rest of the state; a day with more live files takes several rounds.
 */
export const ATHENA_MAX_QUERY_BYTES = 262_144;
export const ROUND_QUERY_BUDGET_BYTES = 100_000;
/** A day that still has files after this many rounds waits for the next run (files keep landing). */
export const MAX_ROUNDS_PER_RUN = 20;
export const PLAN_FILE = 'plan.json';

/** What a run may be asked: one day, one stream, other sizes (the CLI's flags), a smaller round. */
export interface RewriteRunRequest {
  /** Rebuild these days of a stream from its raw copies first, then compact them (a backfill). */
  readonly backfill?: { readonly stream: string; readonly from: string; readonly to?: string };
  readonly date?: string;
  readonly stream?: string;
  readonly targetFileMB?: number;
  readonly maxFilesPerDay?: number;
  readonly maxInputsPerRound?: number;
  readonly graceHours?: number;
}

export interface RoundOptions {
  /**
   * The day is rebuilt from the raw copies before its first round (rebuild-days.ts), which then
   * compacts the rebuilt generation (one copy per keys) even though no live file is new.
   */
  readonly rebuild?: boolean;
  readonly targetFileMB?: number;
  readonly maxFilesPerDay?: number;
  readonly maxInputsPerRound?: number;
}

/** One day of one stream, as the Map hands it to an iteration and each round hands it on. */
export interface DayItem {
  readonly stream: string;
  readonly dt: string;
  readonly round: number;
  readonly options: RoundOptions;
}

export interface RewritePlan {
  readonly days: DayItem[];
  /** Hours replaced files stay after the flip; null: the default grace. */
  readonly graceHours: number | null;
}

export type PrepareStatus = 'planned' | 'empty' | 'unchanged' | 'compacted' | 'deferred';

export interface PreparedRound {
  readonly status: PrepareStatus;
  readonly generation?: string;
  /** Live files left for later rounds after this one. */
  readonly remaining: number;
  /** The CTAS as the `startQueryExecution.sync` task takes it. */
  readonly query?: {
    readonly QueryString: string;
    readonly WorkGroup: string;
    readonly QueryExecutionContext: { readonly Database: string };
  };
}

/** What Prepare leaves in the generation's folder for Commit: the flip it may make. */
export interface RoundPlan {
  readonly stream: string;
  readonly dt: string;
  readonly generation: string;
  /** The pointer's ETag when read; null: the day had no pointer (the PUT is If-None-Match). */
  readonly expectedEtag: string | null;
  readonly consumed: readonly string[];
  readonly liveInputs: readonly string[];
  readonly previousRows: number;
  readonly previousDuplicates: number;
  readonly contentChangedAt?: string | undefined;
  readonly createdAt: string;
  /** What this generation records of earlier flips, for clean-up (day-state.ts `retirements`). */
  readonly retirement?: Pick<GenerationSummary, 'newlyConsumed' | 'replaces' | 'retired'>;
}

/** How an iteration of the Map ends, for Cleanup and the run's output. */
export interface DayOutcome {
  readonly stream: string;
  readonly dt: string;
  readonly status: string;
  readonly round?: number;
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

export class RewriteRequestError extends Error {
  override readonly name = 'RewriteRequestError';
}

export interface LakeRewriteDependencies {
  readonly store: ObjectStore;
  readonly pointers: PointerStore;
  readonly catalog: Catalog;
  readonly lakeBucket: string;
  readonly database: string;
  /** The stage's transforms workgroup, which lets a CTAS name its location. */
  readonly workGroup: string;
  readonly streams: readonly StreamSpec[];
  /** What a backfill needs to rebuild days from the raw copies; without it a backfill is refused. */
  readonly rebuild?: RebuildContext;
  readonly now?: () => Date;
  readonly random?: () => string;
}

export interface RebuildContext {
  readonly rawBucket: string;
  readonly lakeStartDate: string;
  /** The stream's flattener as the Firehose transform builds it (its hash key included). */
  readonly flattenerFor: (stream: StreamSpec) => RecordFlattener | Promise<RecordFlattener>;
  readonly codec?: ParquetCodec;
}

/** A backfill rebuilds at most this many days per execution: each is one Lambda run reading the raw copies. */
export const MAX_BACKFILL_DAYS = 31;

function streamNamed(streams: readonly StreamSpec[], name: string): StreamSpec {
  const stream = streams.find((s) => s.name === name);
  if (!stream) {
    throw new RewriteRequestError(
      `No stream ${JSON.stringify(name)} in pipeline.yml; streams: ${streams.map((s) => s.name).join(', ') || 'none'}`,
    );
  }
  return stream;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function positive(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new RewriteRequestError(`${name} must be a number above 0, not ${JSON.stringify(value)}`);
  return value;
}

/** The (stream, day) pairs a run rewrites: the named day, or each stream's days due. */
export function planRewriteRun(
  streams: readonly StreamSpec[],
  request: RewriteRunRequest,
  today: string,
): RewritePlan {
  if (request.date !== undefined && !DAY.test(request.date))
    throw new RewriteRequestError(`date must be a day, YYYY-MM-DD, not ${JSON.stringify(request.date)}`);
  if (request.backfill !== undefined) return planBackfill(streams, request, today);
  const chosen = request.stream === undefined ? streams : [streamNamed(streams, request.stream)];
  const options: RoundOptions = Object.fromEntries(
    (['targetFileMB', 'maxFilesPerDay', 'maxInputsPerRound'] as const)
      .map((name) => [name, positive(request[name], name)] as const)
      .filter(([, value]) => value !== undefined),
  );
  const graceHours = request.graceHours === undefined ? null : request.graceHours;
  if (graceHours !== null && (typeof graceHours !== 'number' || graceHours < 0))
    throw new RewriteRequestError(
      `graceHours must be a number of at least 0, not ${JSON.stringify(graceHours)}`,
    );
  return {
    days: chosen.flatMap((stream) =>
      (request.date !== undefined ? [request.date] : daysDueForCompaction(stream, today)).map((dt) => ({
        stream: stream.name,
        dt,
        round: 0,
        options,
      })),
    ),
    graceHours,
  };
}

/** A backfill's days: each rebuilt from the raw copies, then compacted. */
function planBackfill(
  streams: readonly StreamSpec[],
  request: RewriteRunRequest,
  today: string,
): RewritePlan {
  const { stream: name, from, to = from } = request.backfill!;
  if (request.date !== undefined || request.stream !== undefined)
    throw new RewriteRequestError('backfill names its own stream and days: leave out date and stream');
  const stream = streamNamed(streams, name);
  for (const [field, day] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (typeof day !== 'string' || !DAY.test(day))
      throw new RewriteRequestError(
        `backfill.${field} must be a day, YYYY-MM-DD, not ${JSON.stringify(day)}`,
      );
  }
  if (to < from) throw new RewriteRequestError(`backfill.to (${to}) is before backfill.from (${from})`);
  if (to > today)
    throw new RewriteRequestError(
      `backfill.to (${to}) is after today (${today}, UTC): no raw copy can be filed there yet`,
    );
  const days = daysBetween(from, to);
  if (days.length > MAX_BACKFILL_DAYS)
    throw new RewriteRequestError(
      `backfill of ${days.length} days: at most ${MAX_BACKFILL_DAYS} per execution; start one execution per month`,
    );
  const graceHours = request.graceHours === undefined ? null : request.graceHours;
  return {
    days: days.map((dt) => ({ stream: stream.name, dt, round: 0, options: { rebuild: true } })),
    graceHours,
  };
}

/** Rebuilds one day of a backfill from the raw copies (rebuild-days.ts). */
export async function rebuildDay(
  item: { readonly stream: string; readonly dt: string },
  dependencies: LakeRewriteDependencies,
): Promise<{ status: string; records: number; conversionErrors: number; rows: number }> {
  const context = dependencies.rebuild;
  if (!context)
    throw new RewriteRequestError(
      'This run cannot rebuild days: it was not given the raw bucket (TRIBUTARY_RAW_BUCKET) and the lake start date',
    );
  const stream = streamNamed(dependencies.streams, item.stream);
  const [rebuilt] = await rebuildDays(stream, [item.dt], {
    store: dependencies.store,
    pointers: dependencies.pointers,
    lakeBucket: dependencies.lakeBucket,
    rawBucket: context.rawBucket,
    lakeStartDate: context.lakeStartDate,
    flattener: await context.flattenerFor(stream),
    ...(context.codec ? { codec: context.codec } : {}),
    ...(dependencies.now ? { now: dependencies.now } : {}),
  });
  return {
    status: rebuilt!.outcome.status,
    records: rebuilt!.records,
    conversionErrors: rebuilt!.conversionErrors,
    rows: rebuilt!.outcome.rowsOut,
  };
}

function roundOptions(stream: StreamSpec, options: RoundOptions): CompactionOptions {
  return {
    ...compactionOptions(stream),
    ...(options.targetFileMB !== undefined ? { targetFileBytes: options.targetFileMB * 2 ** 20 } : {}),
    ...(options.maxFilesPerDay !== undefined ? { maxFilesPerDay: Math.floor(options.maxFilesPerDay) } : {}),
  };
}

/**
 * The live files one round takes: in key order, as many as keep the CTAS under the budget (and
 * under `maxInputs`, when given). Each input adds its quoted URI to the `"$path" IN (...)` list.
 */
export function chooseRoundInputs(
  live: readonly string[],
  queryFor: (inputs: readonly string[]) => string,
  budgetBytes: number = ROUND_QUERY_BUDGET_BYTES,
  maxInputs: number = Number.POSITIVE_INFINITY,
): string[] {
  const sorted = [...live].sort();
  const first = sorted[0];
  if (first === undefined) return [];
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  const withFirst = bytes(queryFor([first]));
  const cost = (key: string) => bytes(queryFor([key, first])) - withFirst;
  if (withFirst > budgetBytes)
    throw new RewriteRequestError(
      `The compaction CTAS of one file is ${withFirst} bytes, over the ${budgetBytes}-byte budget: shorten the stream's column names or its files' keys`,
    );
  const chosen = [first];
  let total = withFirst;
  for (const key of sorted.slice(1)) {
    if (chosen.length >= maxInputs) break;
    const next = total + cost(key);
    if (next > budgetBytes) break;
    chosen.push(key);
    total = next;
  }
  return chosen;
}

async function sizes(store: ObjectStore, bucket: string, prefix: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for await (const object of store.list(bucket, prefix)) found.set(object.key, object.size);
  return found;
}

/**
 * Prepares one round of a day: reads the pointer and the live files; when nothing is left to
 * take in, says why; otherwise picks the generation id and the live inputs, writes the
 * generation's `consumed.parquet` and `plan.json` (the pointer's ETag as read), and returns the
 * CTAS that writes the generation's rows into its empty `data/` folder.
 */
export async function prepareRound(
  item: DayItem,
  dependencies: LakeRewriteDependencies,
): Promise<PreparedRound> {
  const { store, pointers, lakeBucket } = dependencies;
  const stream = streamNamed(dependencies.streams, item.stream);
  const state = await readDayState(store, pointers, lakeBucket, item.stream, item.dt);
  const visible = visibleFiles(state);
  if (visible.live.length + visible.compacted.length === 0) return { status: 'empty', remaining: 0 };
  // a rebuilt day's first round compacts its generation though no live file is new
  const rebuilt = item.options.rebuild === true && item.round === 0;
  if (visible.live.length === 0 && !rebuilt)
    return { status: item.round > 0 ? 'compacted' : 'unchanged', remaining: 0 };
  if (item.round >= MAX_ROUNDS_PER_RUN) return { status: 'deferred', remaining: visible.live.length };
  const now = dependencies.now?.() ?? new Date();
  const generation = newGenerationId(now, dependencies.random ?? (() => randomBytes(4).toString('hex')));
  const request = (liveInputs: readonly string[], fileCount = 1) =>
    compactionQuery({
      database: dependencies.database,
      stream,
      dt: item.dt,
      lakeBucket,
      generation,
      liveInputs,
      fileCount,
    });
  const liveInputs = chooseRoundInputs(
    visible.live,
    (inputs) => request(inputs, 99_999).sql,
    ROUND_QUERY_BUDGET_BYTES,
    item.options.maxInputsPerRound,
  );
  const liveSizes = await sizes(store, lakeBucket, RewriteLayout.liveDay(item.stream, item.dt));
  const currentSizes = state.current ? await sizes(store, lakeBucket, state.current.prefix) : new Map();
  const inputBytes =
    liveInputs.reduce((sum, key) => sum + (liveSizes.get(key) ?? 0), 0) +
    visible.compacted.reduce((sum, key) => sum + (currentSizes.get(key) ?? 0), 0);
  const query = request(liveInputs, generationFileCount(inputBytes, roundOptions(stream, item.options)));
  // the first round of a backfill takes the day's rows from the rebuilt generation alone
  const prefix = RewriteLayout.generation(item.stream, item.dt, generation);
  const consumed = [...new Set([...(state.current?.summary.consumed ?? []), ...liveInputs])].sort();
  await writeConsumedFile(store, lakeBucket, `${prefix}${CONSUMED_FILE}`, consumed);
  const plan: RoundPlan = {
    stream: item.stream,
    dt: item.dt,
    generation,
    expectedEtag: state.pointer?.etag ?? null,
    consumed,
    liveInputs,
    previousRows: state.current?.summary.rowsOut ?? 0,
    previousDuplicates: state.current?.summary.duplicatesDropped ?? 0,
    contentChangedAt: state.current?.summary.contentChangedAt,
    createdAt: now.toISOString(),
    retirement: retirements(state, now.toISOString(), liveInputs),
  };
  await store.put(lakeBucket, `${prefix}${PLAN_FILE}`, JSON.stringify(plan, null, 2), {
    contentType: 'application/json',
  });
  return {
    status: 'planned',
    generation,
    remaining: visible.live.length - liveInputs.length,
    query: {
      QueryString: query.sql,
      WorkGroup: dependencies.workGroup,
      QueryExecutionContext: { Database: dependencies.database },
    },
  };
}

export interface RoundReference {
  readonly stream: string;
  readonly dt: string;
  readonly generation: string;
}

async function readPlan(
  reference: RoundReference,
  dependencies: LakeRewriteDependencies,
): Promise<RoundPlan> {
  const key = `${RewriteLayout.generation(reference.stream, reference.dt, reference.generation)}${PLAN_FILE}`;
  return JSON.parse((await getBytes(dependencies.store, dependencies.lakeBucket, key)).toString('utf8'));
}

/**
 * Commits a round whose CTAS succeeded: lists the files it wrote, writes `summary.json`, drops
 * the CTAS's table from the catalog (the files stay: the table was only the way to write them),
 * and replaces the day's pointer only if it is still the version Prepare read. If another
 * rewrite flipped it first, PointerConflictError: nothing readers see changed, and this
 * generation's files are removed by cleanup after the grace period. Returns the next round's item.
 */
export async function commitRound(
  item: DayItem & { readonly generation: string },
  dependencies: LakeRewriteDependencies,
): Promise<DayItem> {
  const { store, pointers, lakeBucket, catalog, database } = dependencies;
  const plan = await readPlan(item, dependencies);
  await catalog.deleteTable(database, rewriteTableName(item.stream, item.generation));
  const files: string[] = [];
  for await (const object of store.list(
    lakeBucket,
    generationDataPrefix(item.stream, item.dt, item.generation),
  ))
    if (object.size > 0 && !object.key.endsWith('/')) files.push(object.key);
  files.sort();
  let rowsOut = 0;
  for (const key of files) rowsOut += await parquetRowCount(store, lakeBucket, key);
  let rowsIn = plan.previousRows;
  for (const key of plan.liveInputs) rowsIn += await parquetRowCount(store, lakeBucket, key);
  // a compaction only drops copies of a keyed record: a CTAS that read nothing (a day outside
  // the tables' projection, say) must not replace the day's rows with none
  const stream = streamNamed(dependencies.streams, item.stream);
  const lost = rowsIn > 0 && (rowsOut === 0 || (stream.keys.length === 0 && rowsOut !== rowsIn));
  if (lost)
    throw new RewriteStateError(
      `The compaction CTAS of ${item.stream} dt=${item.dt} wrote ${rowsOut === 0 ? 'no rows' : `${rowsOut} rows`} from ${rowsIn}` +
        `${stream.keys.length === 0 ? ' (the stream declares no keys, so none is a copy)' : ''}: the day was not switched and ` +
        "reads as before. Check that the day lies in the tables' projection range (lakeStartDate to today) and run the rewrite again.",
    );
  const now = dependencies.now?.() ?? new Date();
  const prefix = RewriteLayout.generation(item.stream, item.dt, item.generation);
  const summary: GenerationSummary = {
    generation: item.generation,
    createdAt: now.toISOString(),
    consumed: plan.consumed,
    rowsIn,
    rowsOut,
    duplicatesDropped: plan.previousDuplicates + Math.max(0, rowsIn - rowsOut),
    reason: 'compact',
    contentChangedAt: plan.contentChangedAt,
    ...plan.retirement,
  };
  await store.put(lakeBucket, `${prefix}${SUMMARY_FILE}`, JSON.stringify(summary, null, 2), {
    contentType: 'application/json',
  });
  await pointers.replace(
    lakeBucket,
    RewriteLayout.pointer(item.stream, item.dt),
    manifestBody(lakeBucket, files, `${prefix}${CONSUMED_FILE}`),
    plan.expectedEtag ?? undefined,
  );
  return { stream: item.stream, dt: item.dt, round: item.round + 1, options: item.options };
}

/** What a failed round's state holds when it reaches Discard: the day, its Prepare result if any, the error. */
export interface FailedRoundState {
  readonly stream: string;
  readonly dt: string;
  readonly prepared?: { readonly generation?: string };
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

/** A day's error as the Map collects it: causes cut short, so many failed days stay under the payload quota. */
export const MAX_DAY_CAUSE_CHARS = 1000;

/**
 * After a failed round (Prepare, the CTAS or Commit): drops the CTAS's table if Prepare had named
 * one (its files are never read, and go after the grace period), and hands on the error with its
 * cause cut to MAX_DAY_CAUSE_CHARS.
 */
export async function discardRound(
  state: FailedRoundState,
  dependencies: LakeRewriteDependencies,
): Promise<{ Error: string; Cause: string }> {
  const generation = state.prepared?.generation;
  if (generation !== undefined)
    await dependencies.catalog.deleteTable(dependencies.database, rewriteTableName(state.stream, generation));
  const cause = state.error?.Cause ?? '';
  return {
    Error: state.error?.Error ?? 'Error',
    Cause: cause.length > MAX_DAY_CAUSE_CHARS ? `${cause.slice(0, MAX_DAY_CAUSE_CHARS)}…` : cause,
  };
}

export interface CleanupResult {
  /** Each day the run went through, and the replaced files removed from it now. */
  readonly days: ReadonlyArray<{ readonly stream: string; readonly dt: string; readonly removed: number }>;
  readonly removed: number;
  readonly failed: number;
  /** Set when a day failed: what the execution fails with (and the alert says). */
  readonly failure?: { readonly Error: string; readonly Cause: string };
}

/**
 * Removes, for each day the run went through, what readers no longer see once the grace period
 * has passed (cleanup.ts); then sums up the days that failed, saying what failed, why and what to do.
 */
export async function cleanupDays(
  outcomes: readonly DayOutcome[],
  graceHours: number | null,
  dependencies: LakeRewriteDependencies,
): Promise<CleanupResult> {
  const days = new Map(outcomes.map((o) => [`${o.stream}/${o.dt}`, o]));
  const cleaned: Array<{ stream: string; dt: string; removed: number }> = [];
  const failed = outcomes.filter((o) => o.status === 'failed');
  for (const { stream, dt, status } of days.values()) {
    try {
      const outcome = await cleanupDay(stream, dt, {
        store: dependencies.store,
        pointers: dependencies.pointers,
        lakeBucket: dependencies.lakeBucket,
        ...(graceHours !== null ? { graceMs: graceHours * 3_600_000 } : {}),
        ...(dependencies.now ? { now: dependencies.now } : {}),
      });
      cleaned.push({ stream, dt, removed: outcome.liveDeleted + outcome.generationFilesDeleted });
    } catch (error) {
      // one day's unreadable state fails that day, not the clean-up of the others
      if (!(error instanceof RewriteStateError)) throw error;
      cleaned.push({ stream, dt, removed: 0 });
      if (status !== 'failed')
        failed.push({ stream, dt, status: 'failed', error: { Error: error.name, Cause: error.message } });
    }
  }
  const removed = cleaned.reduce((sum, day) => sum + day.removed, 0);
  const failure = describeFailedDays(failed);
  return { days: cleaned, removed, failed: failed.length, ...(failure ? { failure } : {}) };
}

/** The cause an execution with failed days ends with: each day, its error, and what to do. */
export function describeFailedDays(
  failed: readonly DayOutcome[],
): { Error: string; Cause: string } | undefined {
  if (failed.length === 0) return undefined;
  const shown = failed
    .slice(0, 10)
    .map((o) => {
      const cause = (o.error?.Cause ?? '').slice(0, 300);
      return `${o.stream} dt=${o.dt}: ${o.error?.Error ?? 'failed'}${cause ? `: ${cause}` : ''}`;
    })
    .join('; ');
  const more = failed.length > 10 ? `; and ${failed.length - 10} more` : '';
  return {
    Error: 'CompactionFailed',
    Cause:
      `Compaction of ${failed.length} day(s) failed: ${shown}${more}. Those days read as before (the ` +
      'pointer was not replaced; what the attempt wrote is removed after the grace period). Fix the cause ' +
      'named above and run the lake-rewrite state machine again (or wait for its schedule): it converges.',
  };
}

/** What the state machine's Lambda tasks send, by `action`. */
export type LakeRewriteEvent =
  | { readonly action: 'plan'; readonly request: RewriteRunRequest; readonly startTime: string }
  | ({ readonly action: 'rebuild' } & Pick<DayItem, 'stream' | 'dt'>)
  | ({ readonly action: 'prepare' } & DayItem)
  | ({ readonly action: 'commit'; readonly generation: string } & DayItem)
  | { readonly action: 'discard'; readonly state: FailedRoundState }
  | {
      readonly action: 'cleanup';
      readonly days: readonly DayOutcome[];
      readonly graceHours: number | null;
    };

export type LakeRewriteResult =
  | RewritePlan
  | PreparedRound
  | DayItem
  | { Error: string; Cause: string }
  | CleanupResult
  | Awaited<ReturnType<typeof rebuildDay>>;

/** Runs one Lambda task of the lake rewrite: the handler and the local run both call this. */
export async function runLakeRewriteStep(
  event: LakeRewriteEvent,
  dependencies: LakeRewriteDependencies,
): Promise<LakeRewriteResult> {
  switch (event.action) {
    case 'plan': {
      const request = event.request ?? {};
      // the day the execution started, in UTC, is "today" for the days due
      const today = (Number.isNaN(Date.parse(event.startTime)) ? new Date() : new Date(event.startTime))
        .toISOString()
        .slice(0, 10);
      return planRewriteRun(dependencies.streams, request, today);
    }
    case 'rebuild':
      return rebuildDay(event, dependencies);
    case 'prepare':
      return prepareRound(event, dependencies);
    case 'commit':
      return commitRound(event, dependencies);
    case 'discard':
      return discardRound(event.state, dependencies);
    case 'cleanup':
      return cleanupDays(event.days, event.graceHours, dependencies);
    default:
      throw new RewriteRequestError(
        `Unknown action ${JSON.stringify((event as { action?: unknown }).action)}: plan, rebuild, prepare, commit, discard or cleanup`,
      );
  }
}
