import { type Catalog, type CatalogTable, dayProjection, s3Uri } from '../catalog/catalog';
import { listKeys, type ObjectStore } from '../storage/object-store';
import { computedMarkerKey, manifestKey, runsPrefix, type TransformRunOutput } from './transform-run';

export interface PublishDependencies {
  readonly catalog: Catalog;
  readonly store: ObjectStore;
  readonly database: string;
  readonly lakeBucket: string;
  /** First day partition projection offers. */
  readonly lakeStartDate: string;
}

export interface PublishOutcome {
  readonly target: string;
  readonly days: number;
  readonly files: number;
  /** Objects of earlier runs (or failed attempts) this run made obsolete and removed. */
  readonly removed: number;
}

export class PublishError extends Error {
  override readonly name = 'PublishError';
}

const DAY_FROM_KEY = /\/dt=(\d{4}-\d{2}-\d{2})\//;

/**
 * Makes a transform run's output what readers see, then removes what it replaced.
 *
 * Incremental runs replace whole days: each day's partition is a symlink manifest listing the
 * run's Parquet files, and replacing that one object switches readers from the old files to the
 * new ones at once. Full runs switch the table's location (and projection template) to the run's
 * output in one catalog update. Either way the staging table the CTAS created is dropped, and
 * files no manifest or location refers to any more are deleted, failed attempts' included.
 */
export async function publishTransformRun(
  run: TransformRunOutput,
  dependencies: PublishDependencies,
): Promise<PublishOutcome> {
  const { catalog, database } = dependencies;
  const staging = await catalog.getTable(database, run.stagingTable);
  if (!staging) throw new PublishError(`Staging table ${run.stagingTable} does not exist: did the CTAS run?`);
  const outcome =
    run.mode === 'incremental'
      ? await publishDays(run, staging, dependencies)
      : await publishRebuild(run, staging, dependencies);
  await catalog.deleteTable(database, run.stagingTable);
  // staging tables of failed attempts: a query could still read them
  for (const stale of await catalog.listTables(database, `${run.target}__run_`))
    await catalog.deleteTable(database, stale);
  return outcome;
}

async function publishDays(
  run: TransformRunOutput,
  staging: CatalogTable,
  dependencies: PublishDependencies,
): Promise<PublishOutcome> {
  const { catalog, store, database, lakeBucket } = dependencies;
  await catalog.putTable(database, {
    name: run.target,
    columns: staging.columns,
    partitionKeys: [{ name: 'dt', type: 'string' }],
    location: s3Uri(lakeBucket, `lake/${run.target}/manifests/`),
    format: 'parquet-manifest',
    parameters: dayProjection(
      dependencies.lakeStartDate,
      s3Uri(lakeBucket, `lake/${run.target}/manifests/dt=\${dt}/`),
    ),
  });
  const allRunFiles = await listKeys(store, lakeBucket, runsPrefix(run.target));
  let files = 0;
  let removed = 0;
  for (const day of run.days) {
    const current = allRunFiles.filter((key) => key.startsWith(`${run.outputPrefix}dt=${day}/`));
    await store.put(
      lakeBucket,
      manifestKey(run.target, day),
      current.map((key) => `${s3Uri(lakeBucket, key)}\n`).join(''),
      {
        contentType: 'text/plain',
      },
    );
    files += current.length;
    if (run.plannedAt) {
      // after the manifest: a day is marked computed only once readers see what was computed
      await store.put(
        lakeBucket,
        computedMarkerKey(run.target, day),
        JSON.stringify({ computedAt: run.plannedAt, run: run.outputPrefix }),
        { contentType: 'application/json' },
      );
    }
    // every other run's file for this day is now unreferenced: the old version, or a failed attempt
    const keep = new Set(current);
    for (const key of allRunFiles) {
      if (DAY_FROM_KEY.exec(key)?.[1] === day && !keep.has(key)) {
        await store.delete(lakeBucket, key);
        removed++;
      }
    }
  }
  return { target: run.target, days: run.days.length, files, removed };
}

async function publishRebuild(
  run: TransformRunOutput,
  staging: CatalogTable,
  dependencies: PublishDependencies,
): Promise<PublishOutcome> {
  const { catalog, store, database, lakeBucket } = dependencies;
  const location = s3Uri(lakeBucket, run.outputPrefix);
  const partitioned = staging.partitionKeys.length > 0;
  await catalog.putTable(database, {
    name: run.target,
    columns: staging.columns,
    partitionKeys: staging.partitionKeys,
    location,
    format: 'parquet',
    parameters: partitioned ? dayProjection(dependencies.lakeStartDate, `${location}dt=\${dt}/`) : {},
  });
  const current = await listKeys(store, lakeBucket, run.outputPrefix);
  let removed = 0;
  for (const key of await listKeys(store, lakeBucket, runsPrefix(run.target))) {
    if (!key.startsWith(run.outputPrefix)) {
      await store.delete(lakeBucket, key);
      removed++;
    }
  }
  return { target: run.target, days: 0, files: current.length, removed };
}

/** After a failed run: drop its staging table and delete what it wrote, so nothing of it remains. */
export async function discardTransformRun(
  run: TransformRunOutput,
  dependencies: PublishDependencies,
): Promise<number> {
  await dependencies.catalog.deleteTable(dependencies.database, run.stagingTable);
  const keys = await listKeys(dependencies.store, dependencies.lakeBucket, run.outputPrefix);
  for (const key of keys) await dependencies.store.delete(dependencies.lakeBucket, key);
  return keys.length;
}
