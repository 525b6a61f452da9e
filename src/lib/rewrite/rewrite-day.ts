import { randomBytes } from 'node:crypto';
import type { ObjectStore } from '../storage/object-store';
import {
  type DayState,
  type GenerationSummary,
  manifestBody,
  readDayState,
  retirements,
  visibleFiles,
} from './day-state';
import { CONSUMED_FILE, newGenerationId, RewriteLayout, SUMMARY_FILE } from './layout';
import type { PointerStore } from './pointer-store';

export interface RewriteDependencies {
  readonly store: ObjectStore;
  readonly pointers: PointerStore;
  readonly lakeBucket: string;
  readonly now?: () => Date;
}

/** What a builder is asked to write: the rows of these files, under `prefix`. */
export interface BuildRequest {
  readonly state: DayState;
  /** The files whose rows the new generation replaces: the current generation's and the live files it did not consume. */
  readonly inputs: { readonly live: readonly string[]; readonly compacted: readonly string[] };
  /** Folder of the new generation (`…/gen=<id>/`); the builder writes only below it. */
  readonly prefix: string;
  /** Live keys the new generation consumes, to be written to `<prefix>consumed.parquet`. */
  readonly consumed: readonly string[];
}

export interface BuiltGeneration {
  /** Data files written (keys below the prefix), and the consumed list's key. */
  readonly files: readonly string[];
  readonly consumedKey: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
}

/** Writes a generation's files; compaction merges the inputs, a backfill rebuilds from the raw copies. */
export type GenerationBuilder = (request: BuildRequest) => Promise<BuiltGeneration>;

export interface RewriteRequest {
  readonly table: string;
  readonly dt: string;
  readonly reason: string;
  /** Rewrite even when no live file arrived since the current generation (a backfill). */
  readonly force?: boolean;
  /** The rows change (a backfill), so what reads the day must compute it again. */
  readonly changesContent?: boolean;
}

export interface RewriteOutcome {
  readonly table: string;
  readonly dt: string;
  /** `unchanged`: nothing arrived since the current generation, so nothing was written. */
  readonly status: 'rewritten' | 'unchanged' | 'empty';
  readonly generation?: string;
  /** Files a reader opened for the day before, and opens now. */
  readonly filesBefore: number;
  readonly filesAfter: number;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly duplicatesDropped: number;
}

/**
 * Rewrites one day so that readers switch from the old files to the new in one step:
 *
 * 1. read the pointer (and its ETag), then list the day's live files;
 * 2. the builder writes a new generation folder: nobody reads it yet;
 * 3. `summary.json` records which live files it consumed;
 * 4. the pointer is replaced only if it is still the version read (If-Match / If-None-Match):
 *    this one PUT is the flip. A live file that arrived after step 1 is not consumed, so it
 *    stays visible beside the new generation.
 *
 * Killed anywhere, readers see the old day (before 4) or the new one (after); the folder an
 * unfinished attempt wrote is never read and is removed later by `cleanupDay`. Run again, it
 * converges: a day whose generation consumed every live file is left unchanged.
 */
export async function rewriteDay(
  request: RewriteRequest,
  build: GenerationBuilder,
  dependencies: RewriteDependencies,
): Promise<RewriteOutcome> {
  const { store, pointers, lakeBucket } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  const { table, dt } = request;
  const state = await readDayState(store, pointers, lakeBucket, table, dt);
  const inputs = visibleFiles(state);
  const filesBefore = inputs.live.length + inputs.compacted.length;
  const base = { table, dt, filesBefore, duplicatesDropped: 0 };
  if (filesBefore === 0) return { ...base, status: 'empty', filesAfter: 0, rowsIn: 0, rowsOut: 0 };
  if (state.current && inputs.live.length === 0 && !request.force) {
    return { ...base, status: 'unchanged', filesAfter: filesBefore, rowsIn: 0, rowsOut: 0 };
  }
  const generation = newGenerationId(now(), () => randomBytes(4).toString('hex'));
  const prefix = RewriteLayout.generation(table, dt, generation);
  const consumed = [...new Set([...(state.current?.summary.consumed ?? []), ...inputs.live])].sort();
  const built = await build({ state, inputs, prefix, consumed });
  for (const key of [...built.files, built.consumedKey]) {
    if (!key.startsWith(prefix)) throw new Error(`The builder wrote ${key} outside ${prefix}`);
  }
  const duplicatesDropped =
    (state.current?.summary.duplicatesDropped ?? 0) + Math.max(0, built.rowsIn - built.rowsOut);
  const createdAt = now().toISOString();
  const summary: GenerationSummary = {
    generation,
    createdAt,
    consumed,
    ...retirements(state, createdAt, inputs.live),
    rowsIn: built.rowsIn,
    rowsOut: built.rowsOut,
    duplicatesDropped,
    reason: request.reason,
    contentChangedAt: request.changesContent ? now().toISOString() : state.current?.summary.contentChangedAt,
  };
  await store.put(lakeBucket, `${prefix}${SUMMARY_FILE}`, JSON.stringify(summary, null, 2), {
    contentType: 'application/json',
  });
  await pointers.replace(
    lakeBucket,
    RewriteLayout.pointer(table, dt),
    manifestBody(lakeBucket, built.files, built.consumedKey),
    state.pointer?.etag,
  );
  return {
    ...base,
    status: 'rewritten',
    generation,
    filesAfter: built.files.length,
    rowsIn: built.rowsIn,
    rowsOut: built.rowsOut,
    duplicatesDropped: Math.max(0, built.rowsIn - built.rowsOut),
  };
}

export { CONSUMED_FILE };
