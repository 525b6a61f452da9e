import { checksForRun } from '../checks/check-run';
import { DynamoLayout } from '../dynamodb/layout';
import type { QuarantinedDataFile } from '../dynamodb/snapshot-progress';
import type { Pipeline } from '../pipeline/pipeline';
import type { PipelineRunPlan } from './run-plan';

/** What one iteration of the DynamoDB export Map hands on (`DynamoDB export finished`). */
export interface SnapshotOutcome {
  readonly table: string;
  readonly exportArn?: string;
  readonly quarantined?: readonly QuarantinedDataFile[];
  readonly message?: string;
}

export interface HeldBack {
  /** A transform, or a load, left out of this run. */
  readonly transform?: string;
  readonly load?: string;
  readonly reason: string;
}

export type GatedPlan = PipelineRunPlan & { readonly heldBack: readonly HeldBack[] };

/**
 * Leaves out of the plan every transform that reads, directly or through another transform, a
 * snapshot table one of whose data files had lines quarantined, with the checks and loads of those
 * transforms: a `full` transform would rebuild its table without the missing items and a
 * `replace` load would delete them from the BI table. Says why for each.
 */
export function holdBackPartialSnapshots(
  pipeline: Pipeline,
  plan: PipelineRunPlan,
  outcomes: readonly SnapshotOutcome[],
): GatedPlan {
  const reasons = new Map<string, string>();
  for (const outcome of outcomes) {
    const quarantined = outcome.quarantined ?? [];
    if (quarantined.length === 0) continue;
    const snapshot = DynamoLayout.snapshotTable(outcome.table);
    reasons.set(
      snapshot,
      `${snapshot} is partial this run: ${quarantined.length} data file(s) of export ${outcome.exportArn ?? '?'} had lines quarantined (${quarantined.map((q) => q.quarantine).join(', ')}); fix and replay them with tributary replay, then run the day again`,
    );
  }
  const held = new Map<string, string>();
  for (let changed = reasons.size > 0; changed; ) {
    changed = false;
    for (const transform of pipeline.transforms) {
      if (held.has(transform.name)) continue;
      const source = transform.sources.find((s) => reasons.has(s) || held.has(s));
      if (source === undefined) continue;
      held.set(transform.name, reasons.get(source) ?? `it reads ${source}, held back: ${held.get(source)}`);
      changed = true;
    }
  }
  if (held.size === 0) return { ...plan, heldBack: [] };

  const transformLevels = plan.transformLevels
    .map((level) => level.filter((name) => !held.has(name)))
    .filter((level) => level.length > 0);
  const ran = new Set(transformLevels.flat());
  const heldLoads = plan.loads.filter((load) => held.has(load.transform));
  return {
    ...plan,
    transformLevels,
    recomputed: plan.recomputed.filter((r) => ran.has(r.transform)),
    checks: plan.checks.filter((check) => checksForRun(pipeline, ran).includes(check)),
    loads: plan.loads.filter((load) => !held.has(load.transform)),
    heldBack: [
      ...[...held].map(([transform, reason]) => ({ transform, reason })),
      ...heldLoads.map((load) => ({ load: load.load, reason: `it loads ${load.transform}, held back` })),
    ],
  };
}
