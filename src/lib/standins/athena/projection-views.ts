import type { Catalog, CatalogTable } from '../../catalog/catalog';
import { parseS3Uri, s3Uri } from '../../catalog/catalog';
import { type ProjectedObjectFilter, projectedObjectFilter } from '../../catalog/partition-projection';
import { LakeLayout } from '../../pipeline/lake-layout';
import { type LakeTable, lakeTableProjection, PARTITION_KEYS } from '../../pipeline/lake-tables';
import { objectStorePointers } from '../../rewrite/pointer-store';
import { readableFiles } from '../../rewrite/readable-files';
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

/**
 * Points a view at the current files of every table, so each statement sees the lake as it is now:
 * only the partitions the table's projection serves at `now`, as Athena reads them.
 */
export async function refreshViews(duck: DuckDb, sources: ViewSources, now: Date): Promise<void> {
  const { database, lakeBucket, store } = sources;
  for (const table of sources.ingestedTables) {
    const partitionKeys = PARTITION_KEYS[table.partitioning];
    const projection = lakeTableProjection(table, sources.lakeStartDate, (partition) =>
      s3Uri(lakeBucket, `${table.prefix}${partition}`),
    );
    const served = projectedObjectFilter(projection, partitionKeys, s3Uri(lakeBucket, table.prefix))!;
    const projected = (await listKeys(store, lakeBucket, table.prefix)).filter(
      (k) => k.endsWith('.parquet') && served(s3Uri(lakeBucket, k), now),
    );
    // rewritten days (src/lib/rewrite): a generation replaces the live files it consumed
    const files = await readableFiles(
      store,
      objectStorePointers(store),
      lakeBucket,
      table.name,
      projected,
      (dt) => served(s3Uri(lakeBucket, LakeLayout.streamPartition(table.name, dt, '00')), now),
    );
    const typed = [
      ...table.columns.map((c) => ({ name: c.name, type: duckDbType(c.type) })),
      ...partitionKeys.map((name) => ({ name, type: 'VARCHAR' })),
    ];
    await defineView(
      duck,
      database,
      table.name,
      files.live.map((k) => store.pathFor(lakeBucket, k)),
      typed,
      partitionKeys,
      files.compacted.map((k) => store.pathFor(lakeBucket, k)),
    );
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
  /** Files that hold their partition values as columns (a rewritten day's generation). */
  rewritten: readonly string[] = [],
): Promise<void> {
  const view = `"${database}"."${name}"`;
  const rewrittenRows =
    rewritten.length > 0
      ? `SELECT * FROM read_parquet([${rewritten.map(sqlString).join(', ')}], hive_partitioning = false, union_by_name = true)`
      : '';
  if (files.length === 0 && rewritten.length > 0) {
    await duck.run(`CREATE OR REPLACE VIEW ${view} AS ${rewrittenRows}`);
    return;
  }
  if (files.length === 0) {
    const empty = columns.map((c) => `CAST(NULL AS ${c.type}) AS "${c.name}"`).join(', ');
    await duck.run(`CREATE OR REPLACE VIEW ${view} AS SELECT ${empty} WHERE false`);
    return;
  }
  const hiveTypes = partitionKeys.map((k) => `'${k}': 'VARCHAR'`).join(', ');
  const options =
    partitionKeys.length > 0
      ? `, hive_partitioning = true, hive_types = {${hiveTypes}}`
      : ', hive_partitioning = false';
  await duck.run(
    `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}]${options}, union_by_name = true)${rewrittenRows ? ` UNION ALL BY NAME ${rewrittenRows}` : ''}`,
  );
}
