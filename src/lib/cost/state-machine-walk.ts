/**
 * What one run costs in Step Functions terms (the daily pipeline's or the lake rewrite's), counted from the state machine definition as
 * deployed: the states it enters (Standard workflows bill each one, retries included), the Lambda
 * functions its Task states invoke, and the Athena queries they start.
 *
 * The walk follows the path of a run that succeeds without retries. Where the definition branches,
 * CHOICES says which way such a run goes; where a Map iterates, ITEMS says over what. Both are
 * keyed by the definition's own state names and ItemsPaths, and the walk refuses one it does not
 * know, so a new Choice or Map in the definition fails the cost tests until it is described here.
 */

/** The run being walked: what the plan hands the Maps. */
export interface RunShape {
  /** DynamoDB tables exported this run. */
  readonly exportedTables: number;
  /** Aurora clusters exported this run. */
  readonly auroraExports: number;
  /** Transforms by level, each with its number of statements (a CTAS, or a CTAS and INSERT chunks). */
  readonly transformLevels: readonly (readonly number[])[];
  readonly checks: number;
  readonly loads: number;
  /** Times a run checks a DynamoDB export before it is COMPLETED (one a minute). */
  readonly dynamodbExportPolls: number;
  /** Times a run checks the flattener has written a snapshot (every 30 seconds). */
  readonly snapshotPolls: number;
  /** Times a run checks an Aurora export before it is COMPLETE (every two minutes). */
  readonly auroraExportPolls: number;
  /** The lake rewrite: per (stream, day) it plans, the rounds that day takes (0: nothing to write). */
  readonly rewriteDays?: readonly number[];
}

export interface RunWalk {
  /** States entered: what Step Functions bills for a Standard workflow. */
  readonly transitions: number;
  /** Invocations per Lambda function (its serverless.yml name). */
  readonly lambdaInvocations: Readonly<Record<string, number>>;
  /** Athena queries started, per Task state. */
  readonly athenaQueries: Readonly<Record<string, number>>;
}

export class UnknownStateMachineShapeError extends Error {
  override readonly name = 'UnknownStateMachineShapeError';
}

type State = Record<string, unknown> & { readonly Type?: string };
interface Machine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}

/**
 * Where a run that succeeds goes from each Choice state (`visit` counts from 1 in the machine or
 * Map iteration it is in; `item` is that iteration's item).
 */
export const CHOICES: Readonly<Record<string, (run: RunShape, visit: number, item: unknown) => string>> = {
  'Exports wanted?': (run) =>
    run.exportedTables + run.auroraExports > 0 ? 'Export snapshots' : 'Run transforms',
  'Export the day?': () => 'Start DynamoDB export',
  'DynamoDB export done?': (run, visit) =>
    visit < run.dynamodbExportPolls ? 'Wait for DynamoDB export' : 'Count snapshot checks',
  'Snapshot flattened?': (run, visit) =>
    visit < run.snapshotPolls ? 'Wait for flattener' : 'DynamoDB export finished',
  'Export only some data?': () => 'Start Aurora export',
  'Aurora export done?': (run, visit) =>
    visit < run.auroraExportPolls ? 'Wait for Aurora export' : 'Aurora export finished',
  'Loads wanted?': (run) => (run.loads > 0 ? 'Load tables' : 'Skip loads'),
  'Checks passed?': () => 'Pipeline succeeded',
  // the lake rewrite: a scheduled run compacts (a backfill, started by hand, is not priced); a
  // day writes its rounds, then Prepare finds nothing left
  'Rebuild first?': () => 'Prepare round',
  'Anything to write?': (_run, visit, item) =>
    visit <= (item as { rounds: number }).rounds ? 'Run CTAS' : 'Day done',
  'Any day failed?': () => 'Compaction done',
};

/** What each Map iterates over, by its ItemsPath, given the item of the Map around it. */
export const ITEMS: Readonly<Record<string, (run: RunShape, outer: unknown) => readonly unknown[]>> = {
  '$.plan.exports.dynamodb': (run) => Array.from({ length: run.exportedTables }),
  '$.plan.exports.aurora': (run) => Array.from({ length: run.auroraExports }),
  '$.plan.transformLevels': (run) => run.transformLevels,
  '$.level': (_run, level) => level as readonly number[],
  '$.planned.queries': (_run, statements) => Array.from({ length: statements as number }),
  '$.plan.checks': (run) => Array.from({ length: run.checks }),
  '$.gate.loads': (run) => Array.from({ length: run.loads }),
  '$.plan.days': (run) => (run.rewriteDays ?? []).map((rounds) => ({ rounds })),
};

const LAMBDA_LOGICAL_ID = /^(.+)LambdaFunction$/;

/**
 * `PlanRunLambdaFunction` → `planRun`, the function's name in serverless.yml, from the definition
 * as deployed (`Fn::GetAtt`) or as resolved for a local run (an ARN ending in the logical id).
 */
function lambdaName(resource: unknown): string | undefined {
  const getAtt = (resource as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  const logicalId =
    Array.isArray(getAtt) && typeof getAtt[0] === 'string'
      ? getAtt[0]
      : typeof resource === 'string' && resource.startsWith('arn:aws:lambda:')
        ? resource.slice(resource.lastIndexOf(':') + 1)
        : undefined;
  const match = logicalId === undefined ? null : LAMBDA_LOGICAL_ID.exec(logicalId);
  return match ? match[1]!.charAt(0).toLowerCase() + match[1]!.slice(1) : undefined;
}

export function walkRun(definition: unknown, run: RunShape): RunWalk {
  let transitions = 0;
  const lambdaInvocations: Record<string, number> = {};
  const athenaQueries: Record<string, number> = {};

  const walk = (machine: Machine, item: unknown): void => {
    const visits = new Map<string, number>();
    let name: string | undefined = machine.StartAt;
    while (name !== undefined) {
      const state: State | undefined = machine.States[name];
      if (!state)
        throw new UnknownStateMachineShapeError(
          `the walk reached ${JSON.stringify(name)}, which is not a state`,
        );
      const visit: number = (visits.get(name) ?? 0) + 1;
      visits.set(name, visit);
      if (visit > 10_000)
        throw new UnknownStateMachineShapeError(`the walk loops at ${JSON.stringify(name)}`);
      transitions += 1;
      if (state.Type === 'Task') {
        const lambda = lambdaName(state.Resource);
        if (lambda) lambdaInvocations[lambda] = (lambdaInvocations[lambda] ?? 0) + 1;
        if (typeof state.Resource === 'string' && state.Resource.includes(':athena:startQueryExecution'))
          athenaQueries[name] = (athenaQueries[name] ?? 0) + 1;
      } else if (state.Type === 'Map') {
        const itemsPath = String(state.ItemsPath);
        const items = ITEMS[itemsPath];
        if (!items)
          throw new UnknownStateMachineShapeError(
            `Map ${JSON.stringify(name)} iterates ${itemsPath}, which ITEMS does not describe`,
          );
        const processor = (state.ItemProcessor ?? state.Iterator) as Machine;
        for (const inner of items(run, item)) walk(processor, inner);
      } else if (state.Type === 'Parallel') {
        for (const branch of state.Branches as Machine[]) walk(branch, item);
      } else if (state.Type === 'Choice') {
        const decide: ((run: RunShape, visit: number, item: unknown) => string) | undefined = CHOICES[name];
        if (!decide)
          throw new UnknownStateMachineShapeError(`Choice ${JSON.stringify(name)} is not in CHOICES`);
        name = decide(run, visit, item);
        continue;
      }
      if (state.Type === 'Succeed' || state.Type === 'Fail' || state.End === true) return;
      name = state.Next as string | undefined;
    }
  };
  walk(definition as Machine, undefined);
  return { transitions, lambdaInvocations, athenaQueries };
}
