import type { Pipeline, StreamSpec } from '../pipeline/pipeline';
import { streamLakeRelation } from '../rewrite/lake-sql';
import { quoteIdentifier } from './sql-template';

/** The row number a copy gets within its day and keys; only the first is read. */
const COPY_COLUMN = '_copy';

/**
 * A stream's rows with one copy per day and keys: Firehose, a producer's retry and a replay each
 * deliver at least once, so one record may land twice. The window is partitioned by `dt` first,
 * so a filter on `dt` outside it is pushed below it (to the files) by Athena and DuckDB alike.
 * The copy kept is the first by hour, then by every column: the same one on every run. Rows
 * whose keys are missing are all kept: nothing says they are copies of each other.
 */
export function deduplicatedRelation(database: string, stream: StreamSpec): string {
  const keys = stream.keys.map(quoteIdentifier);
  const columns = stream.columns.map((column) => quoteIdentifier(column.name));
  const window = `PARTITION BY "dt", ${keys.join(', ')} ORDER BY "hour", ${columns.join(', ')}`;
  const numbered = `SELECT *, row_number() OVER (${window}) AS "${COPY_COLUMN}" FROM ${streamLakeRelation(database, stream)}`;
  const kept = [`"${COPY_COLUMN}" = 1`, ...keys.map((key) => `${key} IS NULL`)].join(' OR ');
  return `(SELECT ${[...columns, '"dt"', '"hour"'].join(', ')} FROM (${numbered}) WHERE ${kept})`;
}

/**
 * What `{{table:<stream>}}` stands for, for every stream: its lake days as a reader sees them
 * (live files not yet rewritten, and each rewritten day's current generation), and for a stream
 * with keys, one copy per day and keys of those.
 */
export function streamRelations(pipeline: Pipeline, database: string): ReadonlyMap<string, string> {
  return new Map(
    pipeline.streams.map((stream) => [
      stream.name,
      stream.keys.length > 0 ? deduplicatedRelation(database, stream) : streamLakeRelation(database, stream),
    ]),
  );
}
