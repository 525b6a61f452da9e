import type { ObjectStore } from '../storage/object-store';
import { readDayState } from './day-state';
import { RewriteLayout } from './layout';
import type { PointerStore } from './pointer-store';

/**
 * How long replaced files stay after the flip: longer than any run or query that may have
 * listed them before it (a state machine run, an Athena query, a Lambda), so none still reads
 * them. The daily run's longest step is bounded by its timeouts; a day is ample.
 */
export const DEFAULT_GRACE_MS = 24 * 3_600_000;

export interface CleanupDependencies {
  readonly store: ObjectStore;
  readonly pointers: PointerStore;
  readonly lakeBucket: string;
  readonly graceMs?: number;
  readonly now?: () => Date;
}

export interface CleanupOutcome {
  readonly liveDeleted: number;
  readonly generationFilesDeleted: number;
}

/**
 * Removes what readers of a rewritten day no longer see, each once the grace period has passed
 * since the flip that took it from them: the live files a generation consumed and the folders of
 * replaced generations (for what the current flip retired, the pointer's LastModified; for what
 * earlier flips retired, the time the summary records), and the folders of attempts that never
 * flipped once their newest file is that old. Files that arrived during or after the rewrite are
 * not consumed and are never deleted. Killed midway, the next run deletes the rest.
 */
export async function cleanupDay(
  table: string,
  dt: string,
  dependencies: CleanupDependencies,
): Promise<CleanupOutcome> {
  const { store, pointers, lakeBucket } = dependencies;
  const now = (dependencies.now?.() ?? new Date()).getTime();
  const grace = dependencies.graceMs ?? DEFAULT_GRACE_MS;
  const state = await readDayState(store, pointers, lakeBucket, table, dt);
  if (!state.current) return { liveDeleted: 0, generationFilesDeleted: 0 };
  const flippedAt = await lastModified(store, lakeBucket, RewriteLayout.pointer(table, dt));
  if (flippedAt === undefined) return { liveDeleted: 0, generationFilesDeleted: 0 };
  const { summary, prefix: current } = state.current;
  const retired = summary.retired ?? {};
  /** When readers surely stopped seeing `key` (a live key or a generation folder), if they did. */
  const retiredAt = (key: string): number | undefined => {
    const recorded = retired[key];
    if (recorded !== undefined) return Date.parse(recorded);
    if (summary.consumed.includes(key) || key === summary.replaces) return flippedAt;
    return undefined;
  };
  const past = (at: number | undefined) => at !== undefined && now - at >= grace;
  let liveDeleted = 0;
  for (const key of state.live) {
    if (past(retiredAt(key))) {
      await store.delete(lakeBucket, key);
      liveDeleted++;
    }
  }
  // other generations: replaced ones, and attempts that wrote files but never flipped
  const folders = new Map<string, { keys: string[]; newest: number }>();
  for await (const object of store.list(lakeBucket, RewriteLayout.day(table, dt))) {
    const folder = /^(.*\/gen=[^/]+\/)/.exec(object.key)?.[1];
    if (!folder || folder === current) continue;
    const entry = folders.get(folder) ?? { keys: [], newest: 0 };
    entry.keys.push(object.key);
    entry.newest = Math.max(entry.newest, object.lastModified ?? now);
    folders.set(folder, entry);
  }
  // a summary from before retirements were recorded names no replaced folder: any may have been
  // current until this flip
  const chainKnown = summary.newlyConsumed !== undefined;
  let generationFilesDeleted = 0;
  for (const [folder, { keys, newest }] of folders) {
    const replaced = retiredAt(folder);
    const due =
      replaced !== undefined
        ? past(replaced)
        : // an attempt still running writes within its run: its newest file is recent
          now - newest >= grace && (chainKnown || past(flippedAt));
    if (!due) continue;
    for (const key of keys) {
      await store.delete(lakeBucket, key);
      generationFilesDeleted++;
    }
  }
  return { liveDeleted, generationFilesDeleted };
}

async function lastModified(store: ObjectStore, bucket: string, key: string): Promise<number | undefined> {
  for await (const object of store.list(bucket, key)) {
    if (object.key === key) return object.lastModified;
  }
  return undefined;
}
