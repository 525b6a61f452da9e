import type { DuckDb } from './duckdb';

/**
 * What Athena would report as a query's `DataScannedInBytes`, estimated on this machine. Athena
 * reads Parquet by column chunk: only the columns a query touches, only in the row groups it does
 * not skip, only in the partitions left after pruning. DuckDB reads the same way, so the local
 * engine logs every read DuckDB makes of a file (its FileSystem log) and, after a statement, sums
 * the compressed size of each column chunk (from the file's Parquet footer) that the statement's
 * reads covered. Footer reads are not counted: Athena does not bill them either.
 *
 * The statements of one query are found by a marker that appears in their SQL text (the query
 * execution id, in the name of the table a CTAS stages its rows in or the path a SELECT's result
 * is written to), so queries running beside each other on the same engine are told apart.
 */

/** DuckDB settings that make it log each statement's SQL and every file read, before the configuration is locked. */
export const SCAN_LOGGING_SETTINGS: Readonly<Record<string, string>> = {
  enable_logging: 'true',
  logging_level: "'TRACE'",
  enabled_log_types: "'FileSystem,QueryLog'",
};

export interface FileRead {
  readonly path: string;
  readonly pos: number;
  readonly bytes: number;
}

export interface ColumnChunk {
  readonly path: string;
  readonly column: string;
  readonly rowGroup: number;
  /** Where the chunk begins in the file (its dictionary page, else its first data page). */
  readonly start: number;
  readonly compressedBytes: number;
}

/**
 * The bytes of the column chunks the reads cover. A chunk counts when reads cover at least half of
 * it: DuckDB reads a chunk whole (in one or more pieces), and sometimes a few bytes of the chunk
 * before it along with a page header, which must not count that neighbour.
 */
export function coveredChunkBytes(chunks: readonly ColumnChunk[], reads: readonly FileRead[]): number {
  const byPath = new Map<string, FileRead[]>();
  for (const read of reads) byPath.set(read.path, [...(byPath.get(read.path) ?? []), read]);
  let total = 0;
  for (const chunk of chunks) {
    const end = chunk.start + chunk.compressedBytes;
    // overlapping reads (a header then the chunk) are merged so no byte counts twice
    const ranges = (byPath.get(chunk.path) ?? [])
      .map((r) => [Math.max(r.pos, chunk.start), Math.min(r.pos + r.bytes, end)] as const)
      .filter(([from, to]) => to > from)
      .sort((a, b) => a[0] - b[0]);
    let covered = 0;
    let reached = chunk.start;
    for (const [from, to] of ranges) {
      const begin = Math.max(from, reached);
      if (to > begin) covered += to - begin;
      reached = Math.max(reached, to);
    }
    if (chunk.compressedBytes > 0 && covered * 2 >= chunk.compressedBytes) total += chunk.compressedBytes;
  }
  return total;
}

/** The Parquet files the statements marked by `marker` read, and where and how much of each. */
async function readsOf(duck: DuckDb, marker: string): Promise<FileRead[]> {
  const { rows } = await duck.query(
    `WITH statements AS (
       SELECT DISTINCT query_id FROM duckdb_logs WHERE type = 'QueryLog' AND contains(message, $marker)
     ), reads AS (
       SELECT json_extract_string(message, '$.path') AS path,
              json_extract_string(message, '$.op') AS op,
              json_extract_string(message, '$.pos') AS pos,
              json_extract_string(message, '$.bytes') AS bytes
       FROM duckdb_logs
       WHERE type = 'FileSystem' AND query_id IN (SELECT query_id FROM statements)
     )
     SELECT path, CAST(pos AS BIGINT) AS pos, CAST(bytes AS BIGINT) AS bytes
     FROM reads WHERE op = 'READ' AND path LIKE '%.parquet'`,
    { marker },
  );
  return rows.map((r) => ({ path: String(r.path), pos: Number(r.pos), bytes: Number(r.bytes) }));
}

/** Every column chunk of the given Parquet files, from their footers. */
export async function columnChunks(duck: DuckDb, paths: readonly string[]): Promise<ColumnChunk[]> {
  if (paths.length === 0) return [];
  const list = paths.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ');
  const { rows } = await duck.query(
    `SELECT file_name, row_group_id, path_in_schema,
            CASE WHEN dictionary_page_offset > 0 THEN least(dictionary_page_offset, data_page_offset)
                 ELSE data_page_offset END AS start,
            total_compressed_size
     FROM parquet_metadata([${list}])`,
  );
  return rows.map((r) => ({
    path: String(r.file_name),
    column: String(r.path_in_schema),
    rowGroup: Number(r.row_group_id),
    start: Number(r.start),
    compressedBytes: Number(r.total_compressed_size),
  }));
}

/** The bytes Athena would report as scanned by the statements whose SQL holds `marker`. */
export async function estimateScannedBytes(duck: DuckDb, marker: string): Promise<number> {
  const reads = await readsOf(duck, marker);
  const paths = [...new Set(reads.map((r) => r.path))];
  return coveredChunkBytes(await columnChunks(duck, paths), reads);
}
