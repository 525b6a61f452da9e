import type { localTasks } from '../../../../src/lib/local/local-pipeline';
import type { localLakeRewriteTasks } from '../../../../src/lib/local/rewrite/lake-rewrite-run';
import {
  DAILY_PIPELINE_TASKS,
  type DailyPipelineTask,
  dailyPipelineDefinition,
  LAKE_REWRITE_TASKS,
  type LakeRewriteTask,
  lakeRewriteDefinition,
} from '../../../../src/lib/standins/stepfunctions/local-state-machine';

/** True only when A and B are the same type; a mismatch is a type error where it is assigned. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Names of the Task states of a definition, at any depth. */
function taskStates(machine: unknown): string[] {
  const states = (machine as { States?: Record<string, Record<string, unknown>> }).States ?? {};
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [name] : []),
    ...((state.Branches as unknown[]) ?? []).flatMap(taskStates),
    ...(state.ItemProcessor ? taskStates(state.ItemProcessor) : []),
    ...(state.Iterator ? taskStates(state.Iterator) : []),
  ]);
}

describe('the daily pipeline on the local interpreter', () => {
  it('names every Task state of the definition, and no other, in DAILY_PIPELINE_TASKS', () => {
    expect([...new Set(taskStates(dailyPipelineDefinition()))].sort()).toEqual(
      [...DAILY_PIPELINE_TASKS].sort(),
    );
  });

  it('binds exactly the Task states in the local run (checked by the compiler)', () => {
    // a state missing from localTasks, or one it names that the machine has not, fails the type check
    const keyedByStateNames: Same<keyof ReturnType<typeof localTasks>, DailyPipelineTask> = true;
    expect(keyedByStateNames).toBe(true);
  });
});

describe('the lake rewrite on the local interpreter', () => {
  it('names every Task state of the definition, and no other, in LAKE_REWRITE_TASKS', () => {
    expect([...new Set(taskStates(lakeRewriteDefinition()))].sort()).toEqual([...LAKE_REWRITE_TASKS].sort());
  });

  it('binds exactly the Task states in the local run (checked by the compiler)', () => {
    const keyedByStateNames: Same<keyof ReturnType<typeof localLakeRewriteTasks>, LakeRewriteTask> = true;
    expect(keyedByStateNames).toBe(true);
  });
});
