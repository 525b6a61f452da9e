import { endStates, failedStep } from '../../../src/lib/run-report/step-tally';
import type { StepEvent } from '../../../src/lib/standins/stepfunctions/local-state-machine';

let clock = 0;
function step(state: string, outcome: StepEvent['outcome'], error?: string, subject?: string): StepEvent {
  clock += 1;
  return { state, outcome, startedAt: clock, endedAt: clock, error, subject };
}

describe('failedStep', () => {
  it.each<[string, StepEvent[], string | undefined]>([
    ['a succeeded execution has none', [step('Plan run', 'succeeded')], undefined],
    [
      'a failure carried out through a Map and caught names the innermost task',
      [
        step('Plan run', 'succeeded'),
        step('Run CTAS', 'failed', 'Error: syntax', 'daily'),
        step('Run statements', 'failed', 'Error: syntax', 'daily'),
        step('Run statements', 'caught'),
        step('Transform failed', 'failed', 'Error: syntax', 'daily'),
        step('Run transforms', 'failed', 'Error: syntax'),
        step('Run transforms', 'caught'),
        step('Notify failure', 'succeeded'),
        step('Pipeline failed', 'failed', 'PipelineFailed: A step failed'),
      ],
      'Run CTAS',
    ],
    [
      'a retried failure that then succeeded is not the one that ended the run',
      [
        step('Run CTAS', 'failed', 'ThrottlingException'),
        step('Run CTAS', 'retried'),
        step('Run CTAS', 'succeeded'),
        step('Load into database', 'failed', 'DatabaseUnavailableError'),
        step('Load into database', 'retried'),
        step('Load into database', 'failed', 'DatabaseUnavailableError'),
        step('Load tables', 'failed', 'DatabaseUnavailableError'),
        step('Load tables', 'caught'),
        step('Pipeline failed', 'failed', 'PipelineFailed: A step failed'),
      ],
      'Load into database',
    ],
    ['without a Catch, the last failure', [step('Plan run', 'failed', 'ConfigError: bad date')], 'Plan run'],
    [
      'a failure no task raised (a failed data check) has none but the end state, which is left out',
      [
        step('Run checks', 'succeeded'),
        step('Checks failed', 'succeeded'),
        step('Notify failure', 'succeeded'),
        step('Pipeline failed', 'failed', 'PipelineFailed: A step failed'),
      ],
      undefined,
    ],
  ])('%s', (_, steps, expected) => {
    expect(failedStep(steps, new Set(['Pipeline failed']))?.state).toBe(expected);
  });

  it('finds the end states of a definition at its top level', () => {
    expect(
      endStates({
        States: {
          Work: { Type: 'Task' },
          'Pipeline failed': { Type: 'Fail' },
          Done: { Type: 'Succeed' },
        },
      }),
    ).toEqual(new Set(['Pipeline failed']));
  });
});
