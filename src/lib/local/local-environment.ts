import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_LAKE_START_DATE } from '../catalog/lake-days';
import { LOCAL_BUCKETS } from '../config/storage';
import { LOCAL_WAREHOUSE_FILE } from '../loading/config';
import type { Pipeline } from '../pipeline/pipeline';
import { stageWorkGroups } from '../query/workgroups';
import { ingestedLakeTables } from '../sources/registry';
import { LocalAthena } from '../standins/athena/local-athena';
import { LocalCatalog } from '../standins/glue/local-catalog';
import { LocalObjectStore } from '../standins/s3/local-object-store';
import { LocalRootError } from './local-root';

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

/** What a local run writes into its root and clears at the start of the next (reports excepted). */
function clearedEntries(environment: LocalEnvironment): string[] {
  return [
    environment.lakeBucket,
    environment.rawBucket,
    environment.resultsBucket,
    '_catalog',
    '_firehose',
    '_notifications',
    LOCAL_WAREHOUSE_FILE,
    `${LOCAL_WAREHOUSE_FILE}.wal`,
  ];
}

/** The file every local run writes into its root, so a later run knows the directory is its own. */
export const LOCAL_ROOT_MARKER = '.tributary-local-root';
const MARKER_TEXT =
  'This directory is a Tributary local root: `tributary run` clears and rewrites what it holds.\n';

export { LocalRootError };

/** A directory `tributary run` will not write into: it holds files that are not a local run's. */
export class ForeignLocalRootError extends LocalRootError {
  constructor(
    readonly root: string,
    readonly foreign: readonly string[],
  ) {
    const shown =
      foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, and ${foreign.length - 5} more` : '');
    super(
      `${root} is not a Tributary local root: it holds ${shown}, which a local run did not write, and a run ` +
        `clears its root. Give --root (or TRIBUTARY_LOCAL_ROOT) a directory that does not exist yet, an empty ` +
        `one, or one an earlier run used (it holds ${LOCAL_ROOT_MARKER}).`,
    );
  }
}

/**
 * Accepts a root that does not exist, is empty, carries the marker a local run writes, or holds
 * nothing but what a local run writes (a root from before the marker); refuses anything else, so a
 * mistyped `--root /` or `--root ~` is never cleared or written into.
 */
export async function checkLocalRoot(environment: LocalEnvironment): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(environment.root);
  } catch (error) {
    // a root that does not exist is created by the run; one that is (or lies below) a file is
    // refused by createLocalRoot, which names the file
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw error;
  }
  if (entries.includes(LOCAL_ROOT_MARKER)) return;
  const own = new Set([...clearedEntries(environment), 'reports']);
  const foreign = entries.filter((name) => !own.has(name)).sort();
  if (foreign.length > 0) throw new ForeignLocalRootError(environment.root, foreign);
}

/** Marks the root as a local run's own; call after checkLocalRoot accepted it. */
export async function markLocalRoot(environment: LocalEnvironment): Promise<void> {
  await mkdir(environment.root, { recursive: true });
  await writeFile(join(environment.root, LOCAL_ROOT_MARKER), MARKER_TEXT);
}

/**
 * Removes what earlier local runs left in the root (buckets, catalog, Firehose inboxes, alerts,
 * the embedded warehouse), so a run shows exactly its own data. Run reports are kept.
 */
export async function resetLocalRoot(environment: LocalEnvironment): Promise<void> {
  await Promise.all(
    clearedEntries(environment).map((name) =>
      rm(join(environment.root, name), { recursive: true, force: true }),
    ),
  );
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
