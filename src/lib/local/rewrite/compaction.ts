import type { StreamSpec } from '../../pipeline/pipeline';
import { cleanupDay } from '../../rewrite/cleanup';
import type { PointerStore } from '../../rewrite/pointer-store';
import { type RewriteOutcome, rewriteDay } from '../../rewrite/rewrite-day';
import type { LocalObjectStore } from '../../standins/s3/local-object-store';
import type { ObjectStore } from '../../storage/object-store';
import { type CompactionOptions, compactionOptions, localCompactionBuilder } from './compact';
import { type DayDigest, digestDay } from './day-digest';

export interface DayCompaction {
  readonly stream: string;
  readonly dt: string;
  readonly outcome: RewriteOutcome;
  readonly before: DayDigest;
  readonly after: DayDigest;
  /** Replaced files removed now (those whose grace period had passed). */
  readonly removed: number;
}

export interface CompactionDependencies {
  readonly store: LocalObjectStore;
  readonly pointers: PointerStore;
  readonly lakeBucket: string;
  readonly graceMs?: number;
  readonly now?: () => Date;
  /**
   * What the rewrite and the clean-up write and delete through (default `store`; the generation's
   * files are written beside it by the local engine): a wrapper may stop it where a killed
   * process would stop (src/lib/storage/killed-store.ts), as the simulation does.
   */
  readonly writes?: ObjectStore;
}

/**
 * Compacts one day of a stream and digests it before and after, so the caller can show that the
 * rows and their content are what they were, less the copies dropped. Replaced files whose
 * grace period has passed (from an earlier compaction) are removed afterwards.
 */
export async function compactStreamDay(
  stream: StreamSpec,
  dt: string,
  dependencies: CompactionDependencies,
  overrides: Partial<CompactionOptions> = {},
): Promise<DayCompaction> {
  const { store, pointers, lakeBucket } = dependencies;
  const options = { ...compactionOptions(stream), ...overrides };
  const digest = () => digestDay(store, pointers, lakeBucket, stream.name, dt, options);
  const before = await digest();
  const through = { ...dependencies, store: dependencies.writes ?? store };
  const outcome = await rewriteDay(
    { table: stream.name, dt, reason: 'compact' },
    localCompactionBuilder(store, lakeBucket, options),
    through,
  );
  const after = await digest();
  const cleaned = await cleanupDay(stream.name, dt, through);
  return {
    stream: stream.name,
    dt,
    outcome,
    before,
    after,
    removed: cleaned.liveDeleted + cleaned.generationFilesDeleted,
  };
}
