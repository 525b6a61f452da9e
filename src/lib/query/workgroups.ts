/**
 * The Athena workgroups of a stage. The CloudFormation workgroups (src/infra/orchestration.ts) and
 * the local engine's workgroups are both made from this one list, so a statement the local run
 * accepts in a workgroup is one Athena accepts there too.
 *
 * Both have the stage's bytes-scanned cutoff, which Athena applies to every query in a workgroup,
 * and the results bucket with encryption as their result configuration. They differ in whether
 * that configuration overrides client-side settings:
 * - `queries` overrides them: every query's results land encrypted in the results bucket whatever
 *   the client asks, but a CTAS may not name an `external_location` (Athena fails it).
 * - `transforms` does not: the daily pipeline's CTAS names the location of its run. The state
 *   machine sets no result configuration of its own, so the workgroup's (results bucket,
 *   encryption) applies; only the state machine's role may start queries in it.
 */
export const WORK_GROUPS = {
  queries: {
    suffix: '',
    description: 'queries by people and the loads',
    enforceConfiguration: true,
  },
  transforms: {
    suffix: '-transforms',
    description: "the daily pipeline's transforms (CTAS into a location per run)",
    enforceConfiguration: false,
  },
} as const;

export type WorkGroupPurpose = keyof typeof WORK_GROUPS;

export interface WorkGroup {
  readonly name: string;
  readonly purpose: WorkGroupPurpose;
  readonly description: string;
  /** Override client-side settings (CloudFormation's EnforceWorkGroupConfiguration). */
  readonly enforceConfiguration: boolean;
}

/** `tributary-<stage>` → that stage's name for the workgroup of `purpose`. */
export function workGroupName(stagePrefix: string, purpose: WorkGroupPurpose): string {
  return `${stagePrefix}${WORK_GROUPS[purpose].suffix}`;
}

export function stageWorkGroups(stagePrefix: string): WorkGroup[] {
  return (Object.keys(WORK_GROUPS) as WorkGroupPurpose[]).map((purpose) => ({
    name: workGroupName(stagePrefix, purpose),
    purpose,
    description: WORK_GROUPS[purpose].description,
    enforceConfiguration: WORK_GROUPS[purpose].enforceConfiguration,
  }));
}
