import type { ObjectStore } from '../storage/object-store';
import { readDayState, visibleFiles } from './day-state';
import { RewriteLayout } from './layout';
import type { PointerStore } from './pointer-store';

/**
 * The files a query of a lake table reads, given the live files partition projection serves:
 * each rewritten day's current generation replaces the live files it consumed. `servesDay`
 * says whether projection serves a day at all (a generation of a day outside it stays hidden,
 * as its live files would).
 */
export async function readableFiles(
  store: ObjectStore,
  pointers: PointerStore,
  bucket: string,
  table: string,
  servedLive: readonly string[],
  servesDay: (dt: string) => boolean,
): Promise<{ live: string[]; compacted: string[] }> {
  const days = new Set<string>();
  for await (const object of store.list(bucket, RewriteLayout.manifests(table))) {
    const dt = /\/dt=(\d{4}-\d{2}-\d{2})\/symlink\.txt$/.exec(object.key)?.[1];
    if (dt && servesDay(dt)) days.add(dt);
  }
  if (days.size === 0) return { live: [...servedLive], compacted: [] };
  const hidden = new Set<string>();
  const compacted: string[] = [];
  for (const dt of days) {
    const state = await readDayState(store, pointers, bucket, table, dt);
    const visible = new Set(visibleFiles(state).live);
    for (const key of state.live) if (!visible.has(key)) hidden.add(key);
    compacted.push(...(state.current?.files ?? []));
  }
  return { live: servedLive.filter((key) => !hidden.has(key)), compacted };
}
