import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import type { Pipeline } from '../../src/lib/pipeline/pipeline';
import { stageWorkGroups } from '../../src/lib/query/workgroups';
import { ingestedLakeTables } from '../../src/lib/sources/registry';
import { LocalAthena } from '../../src/lib/standins/athena/local-athena';
import { LocalCatalog } from '../../src/lib/standins/glue/local-catalog';
import type { LocalObjectStore } from '../../src/lib/standins/s3/local-object-store';

/** The names a local stage's Athena uses in tests. */
export const TEST_ATHENA = {
  database: 'tributary_local',
  lakeBucket: 'tributary-local-lake',
  resultsBucket: 'tributary-local-results',
} as const;

/** The local Athena over a test's root: the pipeline's ingested tables, projected from 2026-01-01. */
export function openTestAthena(
  root: string,
  store: LocalObjectStore,
  now: () => Date,
  pipeline: Pipeline = bundledPipeline(),
): Promise<LocalAthena> {
  return LocalAthena.open({
    store,
    catalog: new LocalCatalog(root),
    ...TEST_ATHENA,
    ingestedTables: ingestedLakeTables(pipeline),
    lakeStartDate: '2026-01-01',
    workGroups: stageWorkGroups('tributary-local'),
    now,
  });
}
