import { mkdir } from 'node:fs/promises';
import type { StreamSpec } from '../pipeline/pipeline';
import { DuckDb, sqlString } from '../query/duckdb';
import type { LocalObjectStore } from '../storage/local-object-store';
import { listKeys } from '../storage/object-store';
import { CONSUMED_FILE } from './layout';
import type { BuildRequest, BuiltGeneration, GenerationBuilder } from './rewrite-day';

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
  return { keys: stream.keys, columns: stream.columns.map((c) => c.name) };
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/**
 * The compaction builder on this machine: DuckDB reads the day's live files (with `dt`/`hour`
 * from their folders) and the current generation (which stores them as columns), keeps one
 * copy per keys, and writes files of about the target size, sorted by hour, under the new
 * generation's folder. In AWS the same statement is an Athena UNLOAD into that folder.
 */
export function localCompactionBuilder(
  store: LocalObjectStore,
  lakeBucket: string,
  options: CompactionOptions,
): GenerationBuilder {
  return async (request: BuildRequest): Promise<BuiltGeneration> => {
    const path = (key: string) => store.pathFor(lakeBucket, key);
    const duck = await DuckDb.open(':memory:', { onlyDirectories: [store.pathForPrefix(lakeBucket, '')] });
    try {
      const parts: string[] = [];
      if (request.inputs.live.length > 0) {
        parts.push(
          `SELECT * FROM read_parquet([${request.inputs.live.map((k) => sqlString(path(k))).join(', ')}], ` +
            `hive_partitioning = true, hive_types = {'dt': 'VARCHAR', 'hour': 'VARCHAR'}, union_by_name = true)`,
        );
      }
      if (request.inputs.compacted.length > 0) {
        parts.push(
          `SELECT * FROM read_parquet([${request.inputs.compacted.map((k) => sqlString(path(k))).join(', ')}], ` +
            'hive_partitioning = false, union_by_name = true)',
        );
      }
      await duck.run(`CREATE TEMP TABLE input_rows AS ${parts.join(' UNION ALL BY NAME ')}`);
      const present = new Set(
        (await duck.query('DESCRIBE input_rows')).rows.map((r) => String(r.column_name)),
      );
      const keys = options.keys.filter((k) => present.has(k)).map(quote);
      const order = ['hour', ...options.columns.filter((c) => present.has(c))].map(quote);
      const kept =
        keys.length === 0
          ? 'SELECT * FROM input_rows'
          : `SELECT * FROM input_rows QUALIFY row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${order.join(', ')}) = 1 OR ${keys.map((k) => `${k} IS NULL`).join(' OR ')}`;
      await duck.run(`CREATE TEMP TABLE output_rows AS ${kept} ORDER BY ${order.join(', ')}`);
      const count = async (table: string) =>
        Number((await duck.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
      const rowsIn = await count('input_rows');
      const rowsOut = await count('output_rows');
      const target = options.targetFileBytes ?? COMPACTION_DEFAULTS.targetFileBytes;
      const maxFiles = options.maxFilesPerDay ?? COMPACTION_DEFAULTS.maxFilesPerDay;
      // the bound on files wins over the size: a day bigger than maxFiles × target gets bigger files
      const inputBytes = await totalBytes(store, lakeBucket, [
        ...request.inputs.live,
        ...request.inputs.compacted,
      ]);
      const fileBytes = Math.max(target, Math.ceil(inputBytes / maxFiles));
      await mkdir(store.pathForPrefix(lakeBucket, request.prefix), { recursive: true });
      await duck.run(
        `COPY output_rows TO ${sqlString(store.pathForPrefix(lakeBucket, request.prefix))} ` +
          `(FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES ${fileBytes}, FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE true)`,
      );
      const consumedKey = `${request.prefix}${CONSUMED_FILE}`;
      const uris = request.consumed.map((k) => sqlString(`s3://${lakeBucket}/${k}`));
      await duck.run(
        `COPY (SELECT CAST(u AS VARCHAR) AS _consumed FROM (SELECT unnest([${uris.join(', ')}]::VARCHAR[]) AS u)) ` +
          `TO ${sqlString(path(consumedKey))} (FORMAT parquet)`,
      );
      const files = (await listKeys(store, lakeBucket, request.prefix)).filter(
        (k) => k.endsWith('.parquet') && k !== consumedKey,
      );
      return { files, consumedKey, rowsIn, rowsOut };
    } finally {
      duck.close();
    }
  };
}

async function totalBytes(store: LocalObjectStore, bucket: string, keys: readonly string[]): Promise<number> {
  const wanted = new Set(keys);
  let total = 0;
  const prefixes = new Set(keys.map((k) => k.replace(/dt=[^/]+\/.*$/, '')));
  for (const prefix of prefixes) {
    for await (const object of store.list(bucket, prefix)) if (wanted.has(object.key)) total += object.size;
  }
  return total;
}
