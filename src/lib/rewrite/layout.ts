/**
 * Where a rewritten day of a lake table lives, beside the live files Firehose writes.
 *
 * - live: `lake/<table>/dt=D/hour=H/…` (Firehose; the Glue table's projection serves it as before)
 * - generation: `lake/<table>/compacted/dt=D/gen=<id>/part-*.parquet`, `consumed.parquet`
 *   (the live files it replaces, one URI a row) and `summary.json`; written once, never changed
 * - pointer: `lake/<table>/compacted/manifests/dt=D/symlink.txt`, a symlink manifest listing the
 *   current generation's files. Replacing this one object (a conditional PUT) is the flip.
 *
 * A day's rows are its current generation plus every live file the generation did not consume,
 * so a file Firehose writes into the day while it is being rewritten stays visible.
 *
 * Readers (Athena and the local engine alike) take this rule from one SQL relation over two tables,
 * the live table and `<table>__compacted`, a symlink-manifest table whose manifest is the pointer:
 * see ./lake-sql.ts. Both halves change with the one manifest PUT, so the switch is atomic.
 */
export const RewriteLayout = {
  compacted: (table: string) => `lake/${table}/compacted/`,
  day: (table: string, dt: string) => `lake/${table}/compacted/dt=${dt}/`,
  generation: (table: string, dt: string, generation: string) =>
    `lake/${table}/compacted/dt=${dt}/gen=${generation}/`,
  pointer: (table: string, dt: string) => `lake/${table}/compacted/manifests/dt=${dt}/symlink.txt`,
  manifests: (table: string) => `lake/${table}/compacted/manifests/`,
  /** The live files of a day, as Firehose files them. */
  liveDay: (table: string, dt: string) => `lake/${table}/dt=${dt}/`,
} as const;

export const CONSUMED_FILE = 'consumed.parquet';
export const SUMMARY_FILE = 'summary.json';

/** The generation folder a manifest line (an `s3://` URI) belongs to, or undefined. */
export function generationOfKey(key: string): string | undefined {
  return /^(lake\/[^/]+\/compacted\/dt=\d{4}-\d{2}-\d{2}\/gen=[^/]+\/)/.exec(key)?.[1];
}

/** A generation id that sorts by the time it was made and never repeats. */
export function newGenerationId(now: Date, random: () => string): string {
  return `${String(now.getTime()).padStart(13, '0')}-${random()}`;
}
