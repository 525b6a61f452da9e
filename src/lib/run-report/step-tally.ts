import type { StepEvent } from '../standins/stepfunctions/local-state-machine';

export type StateOutcome = 'succeeded' | 'failed' | 'caught' | 'not run';

/** What one state did in an execution, summed over every time it ran (Map iterations, loops). */
export interface StateTally {
  readonly state: string;
  /** Times the state ran to an end: succeeded, failed for good, or failed and caught. */
  readonly runs: number;
  /** Failed attempts its Retry field tried again. */
  readonly retries: number;
  /** Time spent in the state over all its attempts. */
  readonly seconds: number;
  /** The worst end among its runs. */
  readonly outcome: StateOutcome;
  /** The last error it reported, retried or not. */
  readonly error: string | undefined;
}

const RANK: Record<StateOutcome, number> = { 'not run': 0, succeeded: 1, caught: 2, failed: 3 };

export function worstOutcome(outcomes: Iterable<StateOutcome>): StateOutcome {
  let worst: StateOutcome = 'not run';
  for (const outcome of outcomes) if (RANK[outcome] > RANK[worst]) worst = outcome;
  return worst;
}

/**
 * Per state, from the interpreter's step events. An attempt that fails is reported as `failed`
 * and then either `retried` (the state runs again), `caught` (a Catch moves on), or nothing more
 * (the failure ends the state), so a failure only counts as the state's outcome when no retry or
 * catch follows it. Map iterations interleave, so failures awaiting their sequel are counted, not
 * paired.
 */
export function tallySteps(steps: readonly StepEvent[]): Map<string, StateTally> {
  const counts = new Map<
    string,
    {
      succeeded: number;
      caught: number;
      pendingFailures: number;
      retries: number;
      seconds: number;
      error: string | undefined;
    }
  >();
  for (const step of steps) {
    let count = counts.get(step.state);
    if (!count) {
      count = { succeeded: 0, caught: 0, pendingFailures: 0, retries: 0, seconds: 0, error: undefined };
      counts.set(step.state, count);
    }
    count.seconds += (step.endedAt - step.startedAt) / 1000;
    if (step.error) count.error = step.error;
    switch (step.outcome) {
      case 'succeeded':
        count.succeeded++;
        break;
      case 'failed':
        count.pendingFailures++;
        break;
      case 'retried':
        count.retries++;
        count.pendingFailures = Math.max(0, count.pendingFailures - 1);
        break;
      case 'caught':
        count.caught++;
        count.pendingFailures = Math.max(0, count.pendingFailures - 1);
        break;
    }
  }
  const tallies = new Map<string, StateTally>();
  for (const [state, count] of counts) {
    const ends: StateOutcome[] = [];
    if (count.succeeded > 0) ends.push('succeeded');
    if (count.caught > 0) ends.push('caught');
    if (count.pendingFailures > 0) ends.push('failed');
    tallies.set(state, {
      state,
      runs: count.succeeded + count.caught + count.pendingFailures,
      retries: count.retries,
      seconds: count.seconds,
      outcome: worstOutcome(ends),
      error: count.error,
    });
  }
  return tallies;
}

/** Retries in the whole execution, by state, in the order the states first ran. */
export function retriesByState(steps: readonly StepEvent[]): Array<[string, number]> {
  return [...tallySteps(steps).values()].filter((t) => t.retries > 0).map((t) => [t.state, t.retries]);
}

/**
 * The step where a failed execution's failure began. The failure that ended the execution is the
 * last one a Catch took (or, without a Catch, the last failure); its error is carried outwards by
 * every enclosing Map, Parallel and Fail state, so the first step that failed with that same error
 * is where it happened. `endStates` are the definition's own top-level Fail states (such as
 * `Pipeline failed`): they end every failure, so they are the failed step only of nothing.
 */
export function failedStep(
  steps: readonly StepEvent[],
  endStates: ReadonlySet<string> = new Set(),
): StepEvent | undefined {
  const failures = steps.filter(
    (step) => step.outcome === 'failed' && step.error !== undefined && !endStates.has(step.state),
  );
  const lastCaught = steps.findLast((step) => step.outcome === 'caught');
  const ending = lastCaught
    ? failures.findLast((step) => step.state === lastCaught.state && step.endedAt <= lastCaught.endedAt)
    : failures.at(-1);
  if (!ending) return undefined;
  return failures.find((step) => step.error === ending.error) ?? ending;
}

/** The top-level Fail states of a state machine definition. */
export function endStates(definition: { readonly States?: unknown }): Set<string> {
  const states = (definition.States ?? {}) as Record<string, { readonly Type?: unknown }>;
  return new Set(Object.entries(states).flatMap(([name, state]) => (state.Type === 'Fail' ? [name] : [])));
}
