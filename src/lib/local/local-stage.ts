import { stageDatabaseName, stageResourcePrefix } from '../config/stage-names';
import { workGroupName } from '../query/workgroups';

/** The stage every local run (`tributary run`, `tributary query`, `sls invoke local` with a local root) is. */
export const LOCAL_STAGE = 'local';
/** What deployed stages prefix their resources (workgroups, ...) with, for the local stage. */
export const LOCAL_RESOURCE_PREFIX = stageResourcePrefix(LOCAL_STAGE);

/** The Glue database of the local stage, as a deployed stage's is `<pipeline database>_<stage>`. */
export function localDatabaseName(pipelineDatabase: string): string {
  return stageDatabaseName(pipelineDatabase, LOCAL_STAGE);
}

/**
 * The catalog and Athena names a handler is given on this machine. The local catalog and engine
 * know only these, so `sls invoke local` with a local root sets them too (serverless/plugins/invoke-local.cjs):
 * a CTAS planned there lands in the database `tributary query` reads.
 */
export function localAthenaVariables(pipelineDatabase: string): {
  TRIBUTARY_DATABASE: string;
  TRIBUTARY_WORKGROUP: string;
  TRIBUTARY_TRANSFORM_WORKGROUP: string;
} {
  return {
    TRIBUTARY_DATABASE: localDatabaseName(pipelineDatabase),
    TRIBUTARY_WORKGROUP: workGroupName(LOCAL_RESOURCE_PREFIX, 'queries'),
    TRIBUTARY_TRANSFORM_WORKGROUP: workGroupName(LOCAL_RESOURCE_PREFIX, 'transforms'),
  };
}
