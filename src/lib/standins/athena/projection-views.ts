import type { Catalog, CatalogTable } from '../../catalog/catalog';
import { parseS3Uri, s3Uri } from '../../catalog/catalog';
import { type ProjectedObjectFilter, projectedObjectFilter } from '../../catalog/partition-projection';
import { LakeLayout } from '../../pipeline/lake-layout';
import { type LakeTable, lakeTableProjection, PARTITION_KEYS } from '../../pipeline/lake-tables';
import { CONSUMED_COLUMN, compactedTableName } from '../../rewrite/lake-sql';
import { RewriteLayout } from '../../rewrite/layout';
import { getBytes, listKeys, ObjectNotFoundError } from '../../storage/object-store';
import type { LocalObjectStore } from '../s3/local-object-store';
import { type DuckDb, sqlString } from './duckdb';
import { catalogColumnType, duckDbType } from './type-maps';

/** What the views are made of: the lake's files, its ingested tables and the catalog's. */
export interface ViewSources {
  readonly store: LocalObjectStore;
  readonly catalog: Catalog;
  readonly database: string;
  readonly lakeBucket: string;
  readonly ingestedTables: readonly LakeTable[];
  readonly lakeStartDate: string;
}

/** Athena's hidden column naming the file a row came from, as an `s3://` URI. */
export const PATH_COLUMN = '$path';

/**
 * Points a view at the current files of every table, so each statement sees the lake as it is now:
 * only the partitions the table's projection serves at `now`, as Athena reads them. An ingested
 * table is its live files, with `"$path"`; a rewritable one also gets `<name>__compacted`, the
 * current generation of each day its manifest names (src/lib/rewrite/lake-sql.ts reads both).
 */
export async function refreshViews(duck: DuckDb, sources: ViewSources, now: Date): Promise<void> {
  const { database, lakeBucket, store } = sources;
  const root = store.pathForPrefix(lakeBucket, '');
  const paths = { root, bucket: lakeBucket };
  for (const table of sources.ingestedTables) {
    const partitionKeys = PARTITION_KEYS[table.partitioning];
    const projection = lakeTableProjection(table, sources.lakeStartDate, (partition) =>
      s3Uri(lakeBucket, `${table.prefix}${partition}`),
    );
    const served = projectedObjectFilter(projection, partitionKeys, s3Uri(lakeBucket, table.prefix))!;
    const keys = await listKeys(store, lakeBucket, table.prefix);
    const live = keys.filter(
      (k) =>
        k.endsWith('.parquet') &&
        !k.startsWith(RewriteLayout.compacted(table.name)) &&
        served(s3Uri(lakeBucket, k), now),
    );
    const typed = [
      ...table.columns.map((c) => ({ name: c.name, type: duckDbType(c.type) })),
      ...partitionKeys.map((name) => ({ name, type: 'VARCHAR' })),
    ];
    await defineView(
      duck,
      database,
      table.name,
      live.map((k) => store.pathFor(lakeBucket, k)),
      typed,
      partitionKeys,
      paths,
    );
    if (table.rewritable) {
      const servesDay = (dt: string) =>
        served(s3Uri(lakeBucket, LakeLayout.streamPartition(table.name, dt, '00')), now);
      await defineCompactedView(duck, sources, table, keys, servesDay);
    }
  }
  // a statement running beside this one (a level's transforms run at once) may drop a table or
  // remove a manifest between our list and read: it is then as if listed a moment later
  for (const name of await sources.catalog.listTables(database, '')) {
    const table = await sources.catalog.getTable(database, name);
    if (!table) continue;
    const typed = [...table.columns, ...table.partitionKeys].map((c) => ({
      name: c.name,
      type: catalogColumnType(c.type),
    }));
    await defineView(
      duck,
      database,
      name,
      await filesOf(store, table, now),
      typed,
      table.partitionKeys.map((k) => k.name),
    );
  }
}

/**
 * `<table>__compacted`, as its Glue table reads in Athena: a symlink-manifest table projected on
 * `dt`, so each served day's manifest (one object) names the files: the generation's data files
 * (the columns and `hour`) and its consumed list (`_consumed`). A column a generation's files lack
 * reads as NULL, as Athena reads Parquet by name.
 */
async function defineCompactedView(
  duck: DuckDb,
  sources: ViewSources,
  table: LakeTable,
  keys: readonly string[],
  servesDay: (dt: string) => boolean,
): Promise<void> {
  const { store, lakeBucket, database } = sources;
  const typed = [
    ...table.columns.map((c) => ({ name: c.name, type: duckDbType(c.type) })),
    { name: 'hour', type: 'VARCHAR' },
    { name: CONSUMED_COLUMN, type: 'VARCHAR' },
  ];
  const nulls = (columns: typeof typed) =>
    `SELECT ${columns.map((c) => `CAST(NULL AS ${c.type}) AS "${c.name}"`).join(', ')} WHERE false`;
  const empty = nulls([...typed, { name: 'dt', type: 'VARCHAR' }]);
  const days: string[] = [];
  const manifests = RewriteLayout.manifests(table.name);
  for (const key of keys) {
    const dt = /\/dt=(\d{4}-\d{2}-\d{2})\/symlink\.txt$/.exec(key)?.[1];
    if (!key.startsWith(manifests) || !dt || !servesDay(dt)) continue;
    const listed = await getBytes(store, lakeBucket, key).catch((error: unknown) => {
      if (error instanceof ObjectNotFoundError) return Buffer.alloc(0);
      throw error;
    });
    const files = listed
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((uri) => {
        const target = parseS3Uri(uri);
        return store.pathFor(target.bucket, target.key);
      });
    if (files.length === 0) continue;
    // the typed empty row set first: a column no file has still reads, as NULL
    const read = `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false, union_by_name = true)`;
    const columns = typed.map((c) => `CAST("${c.name}" AS ${c.type}) AS "${c.name}"`).join(', ');
    days.push(
      `SELECT ${columns}, ${sqlString(dt)} AS "dt" FROM (${nulls(typed)} UNION ALL BY NAME SELECT * FROM ${read})`,
    );
  }
  const view = `"${database}"."${compactedTableName(table.name)}"`;
  await duck.run(`CREATE OR REPLACE VIEW ${view} AS ${days.length > 0 ? days.join(' UNION ALL ') : empty}`);
}

/** A catalog table's files: under its location, or listed by its manifests; with projection, only the partitions it serves. */
async function filesOf(store: LocalObjectStore, table: CatalogTable, now: Date): Promise<string[]> {
  const { bucket, key } = parseS3Uri(table.location);
  const projected: ProjectedObjectFilter | undefined = projectedObjectFilter(
    table.parameters,
    table.partitionKeys.map((k) => k.name),
    table.location,
  );
  const objects = (await listKeys(store, bucket, key)).filter(
    (k) => projected === undefined || projected(s3Uri(bucket, k), now),
  );
  if (table.format === 'parquet') return objects.map((k) => store.pathFor(bucket, k));
  const files: string[] = [];
  for (const manifest of objects.filter((k) => k.endsWith('/symlink.txt'))) {
    const listed = await getBytes(store, bucket, manifest).catch((error: unknown) => {
      if (error instanceof ObjectNotFoundError) return Buffer.alloc(0);
      throw error;
    });
    for (const uri of listed.toString('utf8').split('\n').filter(Boolean)) {
      const target = parseS3Uri(uri);
      files.push(store.pathFor(target.bucket, target.key));
    }
  }
  return files;
}

async function defineView(
  duck: DuckDb,
  database: string,
  name: string,
  files: readonly string[],
  columns: ReadonlyArray<{ name: string; type: string }>,
  partitionKeys: readonly string[],
  /** Give the view Athena's `"$path"`: the lake bucket's folder on this machine and its name. */
  paths?: { readonly root: string; readonly bucket: string },
): Promise<void> {
  const view = `"${database}"."${name}"`;
  if (files.length === 0) {
    const empty = [...columns, ...(paths ? [{ name: PATH_COLUMN, type: 'VARCHAR' }] : [])]
      .map((c) => `CAST(NULL AS ${c.type}) AS "${c.name}"`)
      .join(', ');
    await duck.run(`CREATE OR REPLACE VIEW ${view} AS SELECT ${empty} WHERE false`);
    return;
  }
  const hiveTypes = partitionKeys.map((k) => `'${k}': 'VARCHAR'`).join(', ');
  const options =
    partitionKeys.length > 0
      ? `, hive_partitioning = true, hive_types = {${hiveTypes}}`
      : ', hive_partitioning = false';
  const read = `read_parquet([${files.map(sqlString).join(', ')}]${options}, union_by_name = true${paths ? `, filename = '${PATH_COLUMN}'` : ''})`;
  if (!paths) {
    await duck.run(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${read}`);
    return;
  }
  // an ingested table reads as its Glue table does: exactly the declared columns, by name, so a
  // column no file has yet (declared since) reads as NULL; and "$path", the file's s3:// URI
  const typed = [...columns, { name: PATH_COLUMN, type: 'VARCHAR' }];
  const nulls = `SELECT ${typed.map((c) => `CAST(NULL AS ${c.type}) AS "${c.name}"`).join(', ')} WHERE false`;
  const rows = `SELECT * REPLACE (${sqlString(`s3://${paths.bucket}/`)} || substr("${PATH_COLUMN}", ${paths.root.length + 1}) AS "${PATH_COLUMN}") FROM ${read}`;
  await duck.run(
    `CREATE OR REPLACE VIEW ${view} AS SELECT ${typed.map((c) => `"${c.name}"`).join(', ')} FROM (${nulls} UNION ALL BY NAME ${rows})`,
  );
}
