import { mkdir, utimes } from 'node:fs/promises';
import { COMPACTION_DEFAULTS, type CompactionOptions } from '../../src/lib/rewrite/compaction-policy';
import { CONSUMED_FILE } from '../../src/lib/rewrite/layout';
import type { BuildRequest, BuiltGeneration, GenerationBuilder } from '../../src/lib/rewrite/rewrite-day';
import { DuckDb, sqlString } from '../../src/lib/standins/athena/duckdb';
import type { LocalObjectStore } from '../../src/lib/standins/s3/local-object-store';
import { listKeys } from '../../src/lib/storage/object-store';

/**
 * A DuckDB generation builder for the tests of rewriteDay (and a double of the compaction CTAS):
 * what runs in AWS and in `tributary compact`/`simulate` is the lake-rewrite state machine, whose
 * CTAS the local Athena runs; these tests exercise the rewrite's protocol apart from any engine.
 */

/** A file to merge: a live file takes `dt`/`hour` from its folder, a generation file holds them as columns. */
export interface SourceFile {
  readonly key: string;
  readonly size: number;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

const LIVE_PARTITION = /\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/[^/]+$/;

/**
 * Merges Parquet files into a new generation with DuckDB: rows of every source, one copy per
 * keys (the copy `{{table:<stream>}}` reads: first by hour, then by every column), sorted by
 * hour, in files of about the target size (fewer if the bound on files per day says so), with
 * `dt` and `hour` as columns; and the consumed list. In AWS the same statement is an Athena
 * UNLOAD into the generation's folder.
 */
export async function writeGeneration(
  store: LocalObjectStore,
  bucket: string,
  options: CompactionOptions,
  sources: readonly SourceFile[],
  prefix: string,
  consumed: readonly string[],
): Promise<BuiltGeneration> {
  const path = (key: string) => store.pathFor(bucket, key);
  const duck = await DuckDb.open(':memory:', { onlyDirectories: [store.pathForPrefix(bucket, '')] });
  try {
    const groups = new Map<string, string[]>();
    for (const source of sources) {
      const live = LIVE_PARTITION.exec(source.key);
      const group = live ? `${live[1]}/${live[2]}` : '';
      groups.set(group, [...(groups.get(group) ?? []), source.key]);
    }
    const parts = [...groups].map(([group, keys]) => {
      const read = `read_parquet([${keys.map((k) => sqlString(path(k))).join(', ')}], hive_partitioning = false, union_by_name = true)`;
      if (group === '') return `SELECT * FROM ${read}`;
      const [dt, hour] = group.split('/') as [string, string];
      return `SELECT *, ${sqlString(dt)} AS dt, ${sqlString(hour)} AS hour FROM ${read}`;
    });
    await duck.run(`CREATE TEMP TABLE input_rows AS ${parts.join(' UNION ALL BY NAME ')}`);
    const present = new Set((await duck.query('DESCRIBE input_rows')).rows.map((r) => String(r.column_name)));
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
    const inputBytes = sources.reduce((sum, s) => sum + s.size, 0);
    const fileBytes = Math.max(target, Math.ceil(inputBytes / maxFiles));
    await mkdir(store.pathForPrefix(bucket, prefix), { recursive: true });
    await duck.run(
      `COPY output_rows TO ${sqlString(store.pathForPrefix(bucket, prefix))} ` +
        `(FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES ${fileBytes}, FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE true)`,
    );
    const consumedKey = `${prefix}${CONSUMED_FILE}`;
    const uris = consumed.map((k) => sqlString(`s3://${bucket}/${k}`));
    await duck.run(
      `COPY (SELECT CAST(u AS VARCHAR) AS _consumed FROM (SELECT unnest([${uris.join(', ')}]::VARCHAR[]) AS u)) ` +
        `TO ${sqlString(path(consumedKey))} (FORMAT parquet)`,
    );
    const files = (await listKeys(store, bucket, prefix)).filter((k) => /\/part-\d+\.parquet$/.test(k));
    // the engine wrote them with the machine's clock; LastModified is the store's (a simulation's) time
    const now = new Date();
    for (const key of [...files, consumedKey]) await utimes(path(key), now, now);
    return { files, consumedKey, rowsIn, rowsOut };
  } finally {
    duck.close();
  }
}

/** The compaction builder: the current generation and the live files it did not consume, merged. */
export function localCompactionBuilder(
  store: LocalObjectStore,
  lakeBucket: string,
  options: CompactionOptions,
): GenerationBuilder {
  return async (request: BuildRequest): Promise<BuiltGeneration> => {
    const wanted = new Set([...request.inputs.live, ...request.inputs.compacted]);
    const table = request.prefix.replace(/compacted\/.*$/, '');
    const sources: SourceFile[] = [];
    for await (const object of store.list(lakeBucket, table))
      if (wanted.has(object.key)) sources.push({ key: object.key, size: object.size });
    return writeGeneration(store, lakeBucket, options, sources, request.prefix, request.consumed);
  };
}
