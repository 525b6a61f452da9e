import validator from 'asl-validator';
import { lakeRewriteDefinition } from '../../../src/lib/standins/stepfunctions/local-state-machine';

type State = Record<string, any>;

function allStates(machine: { States: Record<string, State> }): Array<[string, State]> {
  return Object.entries(machine.States).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor) : []),
  ]);
}

describe('the lake rewrite definition', () => {
  const definition = lakeRewriteDefinition() as { States: Record<string, State> };

  it('is valid Amazon States Language', () => {
    const result = validator(definition, { checkArn: true, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('runs at most a few days at once, far under the 40 iterations an Inline Map runs at once', () => {
    const maps = allStates(definition).filter(([, s]) => s.Type === 'Map');
    expect(maps.map(([, s]) => [s.ItemProcessor.ProcessorConfig.Mode, s.MaxConcurrency])).toEqual([
      ['INLINE', 2],
    ]);
  });

  it('sends every failure through Notify failure to one Fail state, whose cause says what to do', () => {
    const states = allStates(definition);
    const fails = states.filter(([, s]) => s.Type === 'Fail');
    expect(fails.map(([name]) => name)).toEqual(['Rewrite failed']);
    for (const [name, state] of states.filter(([, s]) => s.Type === 'Pass' && s.Next === 'Notify failure')) {
      const cause = JSON.stringify(state.Parameters);
      expect({ name, saysWhatToDo: /fix the cause|Fix the cause|cleanup\.failure/.test(cause) }).toEqual({
        name,
        saysWhatToDo: true,
      });
    }
  });

  it('catches a lost flip by its error name before anything else, and loops back to Prepare after a commit', () => {
    const commit = allStates(definition).find(([name]) => name === 'Commit round')![1];
    expect(commit.Catch[0]).toMatchObject({
      ErrorEquals: ['PointerConflictError'],
      Next: 'Another rewrite won',
    });
    expect(commit.Next).toBe('Prepare round');
    // the result replaces the state: no ResultPath, so the loop carries only the next round's item
    expect(commit.ResultPath).toBeUndefined();
  });
});
