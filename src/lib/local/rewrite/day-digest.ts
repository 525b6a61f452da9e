import { readDayState, visibleFiles } from '../../rewrite/day-state';
import type { PointerStore } from '../../rewrite/pointer-store';
import { DuckDb, sqlString } from '../../standins/athena/duckdb';
import type { LocalObjectStore } from '../../standins/s3/local-object-store';

/** What a reader of one day sees, summed up so a rewrite can show it changed nothing it should not. */
export interface DayDigest {
  /** Files a query of the day opens. */
  readonly files: number;
  readonly bytes: number;
  /** Rows, every copy counted. */
  readonly rows: number;
  /** Rows once each record is kept once per `keys` (the copy `{{table:<stream>}}` reads). */
  readonly distinctRows: number;
  /** MD5 over those rows' values in a fixed order: equal digests, equal content. */
  readonly checksum: string;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** Reads a day as a query would (the current generation and the live files it did not consume) and digests it. */
export async function digestDay(
  store: LocalObjectStore,
  pointers: PointerStore,
  bucket: string,
  table: string,
  dt: string,
  options: { readonly keys: readonly string[]; readonly columns: readonly string[] },
): Promise<DayDigest> {
  const visible = visibleFiles(await readDayState(store, pointers, bucket, table, dt));
  const keys = [...visible.live, ...visible.compacted];
  let bytes = 0;
  for await (const object of store.list(bucket, `lake/${table}/`))
    if (keys.includes(object.key)) bytes += object.size;
  if (keys.length === 0) return { files: 0, bytes: 0, rows: 0, distinctRows: 0, checksum: '' };
  const duck = await DuckDb.open(':memory:', { onlyDirectories: [store.pathForPrefix(bucket, '')] });
  try {
    const list = (files: readonly string[]) =>
      files.map((k) => sqlString(store.pathFor(bucket, k))).join(', ');
    const parts: string[] = [];
    if (visible.live.length > 0)
      parts.push(
        `SELECT * FROM read_parquet([${list(visible.live)}], hive_partitioning = true, hive_types = {'dt': 'VARCHAR', 'hour': 'VARCHAR'}, union_by_name = true)`,
      );
    if (visible.compacted.length > 0)
      parts.push(
        `SELECT * FROM read_parquet([${list(visible.compacted)}], hive_partitioning = false, union_by_name = true)`,
      );
    await duck.run(`CREATE TEMP TABLE day_rows AS ${parts.join(' UNION ALL BY NAME ')}`);
    const present = new Set((await duck.query('DESCRIBE day_rows')).rows.map((r) => String(r.column_name)));
    const columns = [...options.columns.filter((c) => present.has(c)), 'hour'].map(quote);
    // the copy kept is compaction's and the transforms': first by hour, then by every column
    const order = ['hour', ...options.columns.filter((c) => present.has(c))].map(quote);
    const keyColumns = options.keys.filter((k) => present.has(k)).map(quote);
    const kept =
      keyColumns.length === 0
        ? 'SELECT * FROM day_rows'
        : `SELECT * FROM day_rows QUALIFY row_number() OVER (PARTITION BY ${keyColumns.join(', ')} ORDER BY ${order.join(', ')}) = 1 OR ${keyColumns.map((k) => `${k} IS NULL`).join(' OR ')}`;
    const row = `CAST(struct_pack(${columns.map((c) => `${c} := ${c}`).join(', ')}) AS VARCHAR)`;
    const { rows } = await duck.query(
      `SELECT (SELECT count(*) FROM day_rows) AS total, count(*) AS kept, ` +
        `md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) AS checksum FROM (SELECT ${row} AS r FROM (${kept}))`,
    );
    return {
      files: keys.length,
      bytes,
      rows: Number(rows[0]?.total ?? 0),
      distinctRows: Number(rows[0]?.kept ?? 0),
      checksum: String(rows[0]?.checksum ?? ''),
    };
  } finally {
    duck.close();
  }
}
