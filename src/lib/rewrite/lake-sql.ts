import type { Pipeline, StreamSpec } from '../pipeline/pipeline';
import { dateLiteral, qualifiedTable, quoteIdentifier } from '../transforms/sql-template';
import { RewriteLayout } from './layout';

/**
 * The SQL that reads and rewrites a stream's lake days, the same text in Athena and in the local
 * engine. Three catalog tables serve a stream `S`:
 *
 * - `S`: the live files Firehose writes (partition projection on `dt`/`hour`), as before;
 * - `S__compacted`: a symlink-manifest table projected on `dt`, whose manifest for a day
 *   (`RewriteLayout.pointer`) lists the current generation's data files (the columns and `hour`)
 *   and its `consumed.parquet` (one column, `_consumed`: the `s3://` URI of each live file whose
 *   rows the generation holds);
 * - a reader of the stream takes the compacted rows (`_consumed` NULL) and the live rows whose
 *   file is not among the same day's `_consumed` values.
 *
 * Both halves depend on the one manifest object of the day, so replacing it switches a reader
 * from the old files to the new at once.
 */

/** The symlink-manifest table of a stream's rewritten days. */
export function compactedTableName(stream: string): string {
  return `${stream}__compacted`;
}

/** The column of `consumed.parquet`: a live file's URI. */
export const CONSUMED_COLUMN = '_consumed';

/** The columns every reader and every generation carries: the declared ones, then `hour`. */
function dataColumns(stream: StreamSpec): string[] {
  return [...stream.columns.map((c) => quoteIdentifier(c.name)), '"hour"'];
}

/**
 * A stream's rows as a reader sees them: every live file not consumed by its day's current
 * generation, and that generation's rows. An anti-join on (`dt`, file), so a filter on `dt`
 * outside reaches both tables' partitions.
 */
export function streamLakeRelation(database: string, stream: StreamSpec): string {
  const live = qualifiedTable(database, stream.name);
  const compacted = qualifiedTable(database, compactedTableName(stream.name));
  const columns = dataColumns(stream);
  const liveColumns = [...columns.map((c) => `"live".${c}`), '"live"."dt"'].join(', ');
  return (
    `(SELECT ${liveColumns} FROM ${live} AS "live" LEFT JOIN ` +
    `(SELECT "dt", "${CONSUMED_COLUMN}" FROM ${compacted} WHERE "${CONSUMED_COLUMN}" IS NOT NULL) AS "consumed" ` +
    `ON "consumed"."dt" = "live"."dt" AND "consumed"."${CONSUMED_COLUMN}" = "live"."$path" ` +
    `WHERE "consumed"."${CONSUMED_COLUMN}" IS NULL ` +
    `UNION ALL SELECT ${[...columns, '"dt"'].join(', ')} FROM ${compacted} WHERE "${CONSUMED_COLUMN}" IS NULL)`
  );
}

/** Every stream's `streamLakeRelation`, by name: what a check reads (copies included). */
export function streamLakeRelations(pipeline: Pipeline, database: string): ReadonlyMap<string, string> {
  return new Map(pipeline.streams.map((stream) => [stream.name, streamLakeRelation(database, stream)]));
}

/** The copy of a record a reader keeps: the first by hour, then by every column (as `{{table:<stream>}}` reads). */
export function copyOrder(stream: StreamSpec): string {
  return ['"hour"', ...stream.columns.map((c) => quoteIdentifier(c.name))].join(', ');
}

export interface CompactionQueryRequest {
  readonly database: string;
  readonly stream: StreamSpec;
  readonly dt: string;
  readonly lakeBucket: string;
  /** The new generation's id (`RewriteLayout.generation`). */
  readonly generation: string;
  /** Live keys whose rows go into the generation (not yet consumed by the current one). */
  readonly liveInputs: readonly string[];
  /** How many files to write: about the day's bytes over the target size, at most the bound. */
  readonly fileCount: number;
}

export interface CompactionQuery {
  /** The table CTAS makes to write the files; dropped once the generation is committed or discarded. */
  readonly table: string;
  /** Where the data files go: empty, below the generation's folder. */
  readonly location: string;
  readonly sql: string;
}

/** What every rewrite CTAS's table is named with, so its function may drop those tables and no other. */
export const REWRITE_TABLE_PREFIX = 'tributary_rewrite_';

/** The table a rewrite's CTAS makes: named by stream and generation, so one never collides with another. */
export function rewriteTableName(stream: string, generation: string): string {
  return `${REWRITE_TABLE_PREFIX}${stream}_${generation.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;
}

/** The generation's data folder: CTAS writes only into an empty location. */
export function generationDataPrefix(stream: string, dt: string, generation: string): string {
  return `${RewriteLayout.generation(stream, dt, generation)}data/`;
}

/**
 * The CTAS that writes a compacted generation of one day: the current generation's rows and the
 * listed live files' rows, one copy per keys (the copy `{{table:<stream>}}` keeps; rows whose
 * keys are missing are all kept), in `fileCount` files bucketed on the first key (or the first
 * column), into the generation's `data/` folder.
 */
export function compactionQuery(request: CompactionQueryRequest): CompactionQuery {
  const { database, stream, dt, lakeBucket, generation, liveInputs } = request;
  const columns = dataColumns(stream).join(', ');
  const day = dateLiteral(dt);
  const branches: string[] = [];
  if (liveInputs.length > 0) {
    const uris = liveInputs.map((key) => `'s3://${lakeBucket}/${key.replace(/'/g, "''")}'`);
    branches.push(
      `SELECT ${columns} FROM ${qualifiedTable(database, stream.name)} WHERE "dt" = ${day} AND "$path" IN (${uris.join(', ')})`,
    );
  }
  branches.push(
    `SELECT ${columns} FROM ${qualifiedTable(database, compactedTableName(stream.name))} WHERE "dt" = ${day} AND "${CONSUMED_COLUMN}" IS NULL`,
  );
  const rows = branches.join(' UNION ALL ');
  const keys = stream.keys.map(quoteIdentifier);
  const kept =
    keys.length === 0
      ? `SELECT ${columns} FROM (${rows}) AS "rows"`
      : `SELECT ${columns} FROM (SELECT *, row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${copyOrder(stream)}) AS "_copy" FROM (${rows}) AS "rows") AS "numbered" WHERE "_copy" = 1 OR ${keys.map((k) => `${k} IS NULL`).join(' OR ')}`;
  const table = rewriteTableName(stream.name, generation);
  const location = `s3://${lakeBucket}/${generationDataPrefix(stream.name, dt, generation)}`;
  const bucketColumn = stream.keys[0] ?? stream.columns[0]?.name ?? 'hour';
  const fileCount = Math.max(1, Math.floor(request.fileCount));
  const sql =
    `CREATE TABLE ${qualifiedTable(database, table)} WITH (format = 'PARQUET', write_compression = 'ZSTD', ` +
    `external_location = '${location}', bucketed_by = ARRAY['${bucketColumn}'], bucket_count = ${fileCount}) AS ${kept}`;
  return { table, location, sql };
}
