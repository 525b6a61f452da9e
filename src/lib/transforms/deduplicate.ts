import type { Pipeline, StreamSpec } from '../pipeline/pipeline';
import { qualifiedTable, quoteIdentifier } from './sql-template';

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
  const numbered = `SELECT *, row_number() OVER (${window}) AS "${COPY_COLUMN}" FROM ${qualifiedTable(database, stream.name)}`;
  const kept = [`"${COPY_COLUMN}" = 1`, ...keys.map((key) => `${key} IS NULL`)].join(' OR ');
  return `(SELECT ${[...columns, '"dt"', '"hour"'].join(', ')} FROM (${numbered}) WHERE ${kept})`;
}

/** What `{{table:<stream>}}` stands for in a transform, for every stream that declares keys. */
export function keyedStreamRelations(pipeline: Pipeline, database: string): ReadonlyMap<string, string> {
  return new Map(
    pipeline.streams
      .filter((stream) => stream.keys.length > 0)
      .map((stream) => [stream.name, deduplicatedRelation(database, stream)]),
  );
}
