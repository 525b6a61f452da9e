import { parseS3Uri, s3Uri } from '../catalog/catalog';
import { getBytes, ObjectNotFoundError, type ObjectStore } from '../storage/object-store';
import { CONSUMED_FILE, generationOfKey, RewriteLayout, SUMMARY_FILE } from './layout';
import type { PointerStore, PointerVersion } from './pointer-store';

/** What a generation says about itself, written before the flip and never changed. */
export interface GenerationSummary {
  readonly generation: string;
  readonly createdAt: string;
  /** Live keys whose rows this generation holds (every earlier generation's, too). */
  readonly consumed: readonly string[];
  readonly rowsIn: number;
  readonly rowsOut: number;
  /** Copies of an already kept record (same `keys`) left out. */
  readonly duplicatesDropped: number;
  /** Why it was made: `compact`, `backfill`. */
  readonly reason: string;
  /**
   * When the day's rows last changed other than by files landing: a backfill's time, carried on
   * by later compactions (which keep the rows as they are). Transforms recompute a day after it.
   */
  readonly contentChangedAt?: string | undefined;
  /** The live keys this generation consumed first (the rest of `consumed` came from earlier ones). */
  readonly newlyConsumed?: readonly string[];
  /** The folder of the generation this one replaced, if any. */
  readonly replaces?: string;
  /**
   * What earlier flips took from readers (live keys, replaced generation folders), each with a time
   * by which its flip had surely happened: clean-up deletes it once the grace period has passed
   * since then, however often the day is rewritten after.
   */
  readonly retired?: Readonly<Record<string, string>>;
}

/**
 * What a new generation records about what readers no longer see, made at `createdAt` (after the
 * day's pointer was read): everything the current generation's flip retired (its newly consumed
 * live files, the folder it replaced) went when the pointer was written (its LastModified, else
 * surely before `createdAt`); earlier entries are carried, less live files already deleted.
 */
export function retirements(
  state: DayState,
  createdAt: string,
  newlyConsumed: readonly string[],
): Pick<GenerationSummary, 'newlyConsumed' | 'replaces' | 'retired'> {
  const current = state.current;
  if (!current) return { newlyConsumed: [...newlyConsumed], retired: {} };
  // the current generation's flip is the pointer's write; without its time, `createdAt` bounds it
  const flipped = state.pointer?.lastModified;
  const flippedAt = flipped === undefined ? createdAt : new Date(flipped).toISOString();
  const live = new Set(state.live);
  const retired: Record<string, string> = {};
  for (const [key, at] of Object.entries(current.summary.retired ?? {}))
    if (!key.endsWith('.parquet') || live.has(key)) retired[key] = at;
  for (const key of current.summary.newlyConsumed ?? current.summary.consumed)
    if (live.has(key)) retired[key] ??= flippedAt;
  if (current.summary.replaces) retired[current.summary.replaces] ??= flippedAt;
  return { newlyConsumed: [...newlyConsumed], replaces: current.prefix, retired };
}

export interface CurrentGeneration {
  readonly prefix: string;
  /** Parquet files holding the rows (the manifest's lines but the consumed list). */
  readonly files: readonly string[];
  readonly summary: GenerationSummary;
}

export interface DayState {
  readonly pointer: PointerVersion | undefined;
  readonly current: CurrentGeneration | undefined;
  /** Every live Parquet file of the day, as listed now. */
  readonly live: readonly string[];
}

export class RewriteStateError extends Error {
  override readonly name = 'RewriteStateError';
}

/** Reads a day's pointer, its generation and its live files. */
export async function readDayState(
  store: ObjectStore,
  pointers: PointerStore,
  bucket: string,
  table: string,
  dt: string,
): Promise<DayState> {
  // the pointer first: a generation it names is complete, and live files listed after it are
  // at least those the generation saw (S3 lists every object whose PUT returned)
  const pointer = await pointers.read(bucket, RewriteLayout.pointer(table, dt));
  const current = pointer ? await readGeneration(store, bucket, pointer.body) : undefined;
  const live: string[] = [];
  for await (const object of store.list(bucket, RewriteLayout.liveDay(table, dt))) {
    if (object.key.endsWith('.parquet')) live.push(object.key);
  }
  return { pointer, current, live };
}

async function readGeneration(
  store: ObjectStore,
  bucket: string,
  manifest: string,
): Promise<CurrentGeneration> {
  const keys = manifest
    .split('\n')
    .filter(Boolean)
    .map((uri) => parseS3Uri(uri).key);
  const prefix = keys.map(generationOfKey).find((p) => p !== undefined);
  if (!prefix) throw new RewriteStateError(`Manifest names no generation: ${manifest.slice(0, 200)}`);
  let summary: GenerationSummary;
  try {
    summary = JSON.parse((await getBytes(store, bucket, `${prefix}${SUMMARY_FILE}`)).toString('utf8'));
  } catch (error) {
    if (error instanceof ObjectNotFoundError)
      throw new RewriteStateError(`Generation ${prefix} has no ${SUMMARY_FILE}`, { cause: error });
    throw error;
  }
  return { prefix, files: keys.filter((k) => !k.endsWith(`/${CONSUMED_FILE}`)), summary };
}

/**
 * What a reader of the day sees: the current generation's files and every live file it did not
 * consume. Before any rewrite, the live files.
 */
export function visibleFiles(state: DayState): { live: string[]; compacted: string[] } {
  const consumed = new Set(state.current?.summary.consumed ?? []);
  return {
    live: state.live.filter((key) => !consumed.has(key)),
    compacted: [...(state.current?.files ?? [])],
  };
}

/** The symlink manifest of a generation: its data files and its consumed list, one URI a line. */
export function manifestBody(bucket: string, files: readonly string[], consumedKey: string): string {
  return [...files, consumedKey].map((key) => `${s3Uri(bucket, key)}\n`).join('');
}

/**
 * When a day's rows were last changed by a rewrite (a backfill), if ever: transforms that read the
 * day must compute it again after that. Files landing are found by listing the live partition.
 */
export async function rewrittenContentAt(
  store: ObjectStore,
  pointers: PointerStore,
  bucket: string,
  table: string,
  dt: string,
): Promise<string | undefined> {
  const pointer = await pointers.read(bucket, RewriteLayout.pointer(table, dt));
  if (!pointer) return undefined;
  return (await readGeneration(store, bucket, pointer.body)).summary.contentChangedAt;
}
