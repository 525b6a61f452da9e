/**
 * What a stage's resources are called. The stack (src/infra), the local stage and the commands
 * that reach a deployed stage (`tributary replay`, `tributary check`) all name them from here.
 */

/** serverless.yml's `service`. */
export const SERVICE = 'tributary';

/** A service or stage name: it goes into bucket, stream and workgroup names. */
export const STAGE_NAME = /^[a-z][a-z0-9-]{0,20}$/;

/** `tributary-<stage>`: the prefix of a stage's streams, workgroups, functions and buckets. */
export function stageResourcePrefix(stage: string, service: string = SERVICE): string {
  return `${service}-${stage}`;
}

/** A stage's Glue database, `<pipeline database>_<stage>` (Glue names take no dashes). */
export function stageDatabaseName(pipelineDatabase: string, stage: string): string {
  return `${pipelineDatabase}_${stage.replace(/-/g, '_')}`;
}
