import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_LAKE_START_DATE } from '../catalog/lake-days';
import { LocalCatalog } from '../catalog/local-catalog';
import { LOCAL_BUCKETS } from '../config/storage';
import { LOCAL_WAREHOUSE_FILE } from '../loading/config';
import { ingestedLakeTables } from '../pipeline/lake-tables';
import type { Pipeline } from '../pipeline/pipeline';
import { LocalAthena } from '../query/local-athena';
import { stageWorkGroups } from '../query/workgroups';
import { LocalObjectStore } from '../storage/local-object-store';

export { LOCAL_DEVELOPMENT_HASH_KEY, localHashKey } from './local-hash-key';

import { LOCAL_RESOURCE_PREFIX, LOCAL_STAGE, localDatabaseName } from './local-stage';

/** Names a deployed stage would use, for the stage called `local` on this machine. */
export interface LocalEnvironment {
  readonly root: string;
  readonly stage: string;
  readonly deliveryStreamPrefix: string;
  readonly lakeBucket: string;
  readonly rawBucket: string;
  readonly resultsBucket: string;
  /** The Glue database of the local stage (`<pipeline database>_local`). */
  readonly database: string;
  /** `tributary-local`: what deployed stages prefix their resources (workgroups, ...) with. */
  readonly resourcePrefix: string;
  /** The first day the local stage's tables serve, as a deployed stage's `lakeStartDate` param. */
  readonly lakeStartDate: string;
  readonly store: LocalObjectStore;
  readonly catalog: LocalCatalog;
}

export const DEFAULT_LOCAL_ROOT = '.tributary';

export function localEnvironment(
  root = process.env.TRIBUTARY_LOCAL_ROOT || DEFAULT_LOCAL_ROOT,
  pipelineDatabase = 'tributary',
): LocalEnvironment {
  const absolute = resolve(root);
  return {
    root: absolute,
    stage: LOCAL_STAGE,
    deliveryStreamPrefix: `${LOCAL_RESOURCE_PREFIX}-`,
    lakeBucket: LOCAL_BUCKETS.lake,
    rawBucket: LOCAL_BUCKETS.raw,
    resultsBucket: LOCAL_BUCKETS.results,
    database: localDatabaseName(pipelineDatabase),
    resourcePrefix: LOCAL_RESOURCE_PREFIX,
    lakeStartDate: DEFAULT_LAKE_START_DATE,
    store: new LocalObjectStore(absolute),
    catalog: new LocalCatalog(absolute),
  };
}

/**
 * Removes what earlier local runs left in the root (buckets, catalog, Firehose inboxes, alerts,
 * the embedded warehouse), so a run shows exactly its own data. Run reports are kept.
 */
export async function resetLocalRoot(environment: LocalEnvironment): Promise<void> {
  const owned = [
    environment.lakeBucket,
    environment.rawBucket,
    environment.resultsBucket,
    '_catalog',
    '_firehose',
    '_notifications',
    LOCAL_WAREHOUSE_FILE,
    `${LOCAL_WAREHOUSE_FILE}.wal`,
  ];
  await Promise.all(owned.map((name) => rm(join(environment.root, name), { recursive: true, force: true })));
}

/** Athena on this machine: DuckDB over this environment's lake, with the pipeline's tables. */
export function openLocalAthena(environment: LocalEnvironment, pipeline: Pipeline): Promise<LocalAthena> {
  return LocalAthena.open({
    store: environment.store,
    catalog: environment.catalog,
    database: environment.database,
    lakeBucket: environment.lakeBucket,
    resultsBucket: environment.resultsBucket,
    ingestedTables: ingestedLakeTables(pipeline),
    lakeStartDate: environment.lakeStartDate,
    workGroups: stageWorkGroups(environment.resourcePrefix),
  });
}
