import type { StreamSpec } from '../pipeline/pipeline';

/** Compaction's defaults: Athena reads best from files of about this size, and a day gets at most this many. */
export const COMPACTION_DEFAULTS = { targetFileBytes: 128 * 1024 * 1024, maxFilesPerDay: 64 } as const;

export interface CompactionOptions {
  /** The stream's declared keys: one copy per keys is kept (rows whose keys are missing are all kept). */
  readonly keys: readonly string[];
  /** Its declared columns, which order the copies as `{{table:<stream>}}` does, so the same copy is kept. */
  readonly columns: readonly string[];
  readonly targetFileBytes?: number;
  readonly maxFilesPerDay?: number;
}

export function compactionOptions(stream: StreamSpec): CompactionOptions {
  return {
    keys: stream.keys,
    columns: stream.columns.map((c) => c.name),
    targetFileBytes:
      (stream.compaction?.targetFileMB ?? COMPACTION_DEFAULTS.targetFileBytes / 2 ** 20) * 2 ** 20,
    maxFilesPerDay: stream.compaction?.maxFilesPerDay ?? COMPACTION_DEFAULTS.maxFilesPerDay,
  };
}

/** A day is compacted this many days after it unless the stream says otherwise. */
export const DEFAULT_COMPACT_AFTER_DAYS = 2;

/**
 * The days a compaction rewrites for a stream when no day is named: the day its lookback ends on,
 * and the six before it (a day already compacted whose live files all went into its generation
 * is left unchanged at the cost of one list, so late files still get taken in).
 */
export function daysDueForCompaction(stream: StreamSpec, today: string): string[] {
  const afterDays = stream.compaction?.afterDays ?? DEFAULT_COMPACT_AFTER_DAYS;
  const last = Date.parse(`${today}T00:00:00Z`) - afterDays * 86_400_000;
  return Array.from({ length: 7 }, (_, i) =>
    new Date(last - (6 - i) * 86_400_000).toISOString().slice(0, 10),
  );
}

/**
 * How many files a generation is written as: its bytes over the target size, at least one and at
 * most the bound (a day bigger than bound × target gets bigger files).
 */
export function generationFileCount(inputBytes: number, options: CompactionOptions): number {
  const target = options.targetFileBytes ?? COMPACTION_DEFAULTS.targetFileBytes;
  const bound = options.maxFilesPerDay ?? COMPACTION_DEFAULTS.maxFilesPerDay;
  return Math.max(1, Math.min(Math.floor(bound), Math.ceil(inputBytes / Math.max(1, target))));
}
