import type { Pipeline } from '../pipeline/pipeline';
import { rewrittenContentAt } from '../rewrite/day-state';
import { objectStorePointers } from '../rewrite/pointer-store';
import { ingestedLakeTables } from '../sources/registry';
import { getBytes, ObjectNotFoundError, type ObjectStore } from '../storage/object-store';
import { computedMarkerKey, daysBetween } from '../transforms/transform-run';
import type { RunInput } from './run-input';

/** A day an incremental transform computes again in this run, because its sources changed. */
export interface RecomputedDay {
  readonly transform: string;
  readonly day: string;
  /** For people: `2 new files in clickstream dt=2026-11-18 since 2026-11-19T01:30:12Z`. */
  readonly reason: string;
}

export interface LateDataSettings {
  readonly lakeBucket: string;
  /** No day before it is served, so none is looked back on. */
  readonly lakeStartDate: string;
}

const DAY_MS = 86_400_000;

/**
 * S3 reports LastModified to the second: a file written later in the same second as a day was
 * computed may show an earlier time. A whole-second time counts as the end of its second, so such
 * a file is taken for new (at worst the day is computed once more), never missed.
 */
export function latestPossibleWrite(lastModified: number): number {
  return lastModified % 1000 === 0 ? lastModified + 999 : lastModified;
}

/** Athena skips files whose names start with `_` or `.` (quarantined lines, markers), so they change nothing. */
function isDataFile(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return !name.startsWith('_') && !name.startsWith('.');
}

function shortTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Finds, for every incremental transform the run selects, the days of its lookback window (the
 * `lookbackDays` before the run's first day) that an earlier run computed and whose sources have
 * received files since: new files in an ingested table's `dt=` partition, a newer manifest of an
 * incremental transform it reads, or that transform's day recomputed in this same run. Days never
 * computed (no marker) are left to an explicit backfill; days that did not change are not read.
 */
export async function findLateDays(
  pipeline: Pipeline,
  input: RunInput,
  store: ObjectStore,
  settings: LateDataSettings,
): Promise<RecomputedDay[]> {
  const ingested = new Set(ingestedLakeTables(pipeline).map((t) => t.name));
  const incremental = new Set(pipeline.transforms.filter((t) => t.mode === 'incremental').map((t) => t.name));
  const selected = (name: string) => input.transforms === undefined || input.transforms.includes(name);
  const recomputed: RecomputedDay[] = [];
  for (const name of pipeline.transformLevels.flat().filter(selected)) {
    const spec = pipeline.transforms.find((t) => t.name === name)!;
    if (spec.mode !== 'incremental' || spec.lookbackDays === 0) continue;
    const first = new Date(Date.parse(`${input.from}T00:00:00Z`) - spec.lookbackDays * DAY_MS)
      .toISOString()
      .slice(0, 10);
    const last = new Date(Date.parse(`${input.from}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
    // the later of the two days (YYYY-MM-DD sorts as it reads)
    const start = [first, settings.lakeStartDate].sort()[1]!;
    if (start > last) continue;
    for (const day of daysBetween(start, last)) {
      const computedAt = await readComputedAt(store, settings.lakeBucket, computedMarkerKey(name, day));
      if (computedAt === undefined) continue;
      const reason = await whyRecompute(spec.sources, day, computedAt, {
        store,
        lakeBucket: settings.lakeBucket,
        ingested,
        incremental,
        recomputedHere: (source) => recomputed.some((r) => r.transform === source && r.day === day),
      });
      if (reason) recomputed.push({ transform: name, day, reason });
    }
  }
  return recomputed;
}

async function readComputedAt(store: ObjectStore, bucket: string, key: string): Promise<string | undefined> {
  let text: string;
  try {
    text = (await getBytes(store, bucket, key)).toString('utf8');
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
  const computedAt = (JSON.parse(text) as { computedAt?: unknown }).computedAt;
  if (typeof computedAt !== 'string' || Number.isNaN(Date.parse(computedAt)))
    throw new LateDataMarkerError(bucket, key, text);
  return computedAt;
}

export class LateDataMarkerError extends Error {
  override readonly name = 'LateDataMarkerError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly text: string,
  ) {
    super(
      `s3://${bucket}/${key} should hold {"computedAt": "<ISO time>"}, not ${text.slice(0, 200)}; delete it to leave the day alone, or re-run the day`,
    );
  }
}

async function whyRecompute(
  sources: readonly string[],
  day: string,
  computedAt: string,
  context: {
    readonly store: ObjectStore;
    readonly lakeBucket: string;
    readonly ingested: ReadonlySet<string>;
    readonly incremental: ReadonlySet<string>;
    readonly recomputedHere: (source: string) => boolean;
  },
): Promise<string | undefined> {
  const since = Date.parse(computedAt);
  for (const source of sources) {
    if (context.recomputedHere(source)) return `${source} dt=${day} is recomputed in this run`;
    // full transforms and Aurora snapshots have no days of their own to watch
    const prefix = context.ingested.has(source)
      ? `lake/${source}/dt=${day}/`
      : context.incremental.has(source)
        ? `lake/${source}/manifests/dt=${day}/`
        : undefined;
    if (!prefix) continue;
    let newer = 0;
    for await (const object of context.store.list(context.lakeBucket, prefix)) {
      if (!isDataFile(object.key)) continue;
      if (object.lastModified === undefined || latestPossibleWrite(object.lastModified) >= since) newer++;
    }
    if (newer > 0) {
      const files = newer === 1 ? '1 new file' : `${newer} new files`;
      return `${files} in ${source} dt=${day} since ${shortTime(computedAt)}`;
    }
    if (context.ingested.has(source)) {
      // a backfill rebuilt the day's rows from the raw copies (src/lib/rewrite)
      const changed = await rewrittenContentAt(
        context.store,
        objectStorePointers(context.store),
        context.lakeBucket,
        source,
        day,
      );
      if (changed !== undefined && Date.parse(changed) >= since) {
        return `${source} dt=${day} rebuilt from its raw copies at ${shortTime(changed)}, since ${shortTime(computedAt)}`;
      }
    }
  }
  return undefined;
}
