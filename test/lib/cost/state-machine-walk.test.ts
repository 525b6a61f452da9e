import {
  CHOICES,
  ITEMS,
  type RunShape,
  UnknownStateMachineShapeError,
  walkRun,
} from '../../../src/lib/cost/state-machine-walk';
import {
  dailyPipelineDefinition,
  lakeRewriteDefinition,
} from '../../../src/lib/standins/stepfunctions/local-state-machine';

const shape: RunShape = {
  exportedTables: 0,
  auroraExports: 0,
  transformLevels: [],
  checks: 0,
  loads: 0,
  dynamodbExportPolls: 1,
  snapshotPolls: 1,
  auroraExportPolls: 1,
};

type States = Record<string, Record<string, unknown>>;

/** Every state of a definition, at any depth, by name. */
function allStates(machine: { States: States }): States {
  const states: States = {};
  for (const [name, state] of Object.entries(machine.States)) {
    states[name] = state;
    for (const branch of (state.Branches as { States: States }[] | undefined) ?? [])
      Object.assign(states, allStates(branch));
    const processor = state.ItemProcessor as { States: States } | undefined;
    if (processor) Object.assign(states, allStates(processor));
  }
  return states;
}

describe('walking a run through the state machine', () => {
  const lambda = (name: string) => ({ 'Fn::GetAtt': [`${name}LambdaFunction`, 'Arn'] });

  it('counts every state entered, Map iterations and polls included, and the Lambda and Athena tasks', () => {
    const definition = {
      StartAt: 'Plan run',
      States: {
        'Plan run': { Type: 'Task', Resource: lambda('PlanRun'), Next: 'Run checks' },
        'Run checks': {
          Type: 'Map',
          ItemsPath: '$.plan.checks',
          ItemProcessor: {
            StartAt: 'Run check query',
            States: {
              'Run check query': {
                Type: 'Task',
                Resource: 'arn:aws:states:::athena:startQueryExecution.sync',
                End: true,
              },
            },
          },
          Next: 'Wait for DynamoDB export',
        },
        'Wait for DynamoDB export': { Type: 'Wait', Seconds: 60, Next: 'DynamoDB export done?' },
        'DynamoDB export done?': {
          Type: 'Choice',
          Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'Count snapshot checks' }],
          Default: 'Wait for DynamoDB export',
        },
        'Count snapshot checks': { Type: 'Succeed' },
      },
    };
    const walk = walkRun(definition, { ...shape, checks: 3, dynamodbExportPolls: 4 });
    // Plan run, the Map, 3 queries, 4 × (Wait + Choice), the end
    expect(walk.transitions).toBe(1 + 1 + 3 + 8 + 1);
    expect(walk.lambdaInvocations).toEqual({ planRun: 1 });
    expect(walk.athenaQueries).toEqual({ 'Run check query': 3 });
  });

  it('refuses a Choice or a Map it has not been told about', () => {
    const choice = {
      StartAt: 'Go?',
      States: { 'Go?': { Type: 'Choice', Choices: [], Default: 'End' }, End: { Type: 'Succeed' } },
    };
    expect(() => walkRun(choice, shape)).toThrow(UnknownStateMachineShapeError);
    const map = {
      StartAt: 'Each',
      States: {
        Each: { Type: 'Map', ItemsPath: '$.things', ItemProcessor: { StartAt: 'x', States: {} }, End: true },
      },
    };
    expect(() => walkRun(map, shape)).toThrow(/\$\.things/);
  });

  it.each([
    ['daily pipeline', dailyPipelineDefinition],
    ['lake rewrite', lakeRewriteDefinition],
  ])(
    'knows every Choice and Map of the deployed %s, and each decision is one of its branches',
    (_name, definition) => {
      const states = allStates(definition() as { States: States });
      for (const [name, state] of Object.entries(states)) {
        if (state.Type === 'Map') expect(Object.keys(ITEMS)).toContain(state.ItemsPath);
        if (state.Type !== 'Choice') continue;
        expect(Object.keys(CHOICES)).toContain(name);
        const targets = [...(state.Choices as { Next: string }[]).map((c) => c.Next), state.Default];
        const busy: RunShape = { ...shape, exportedTables: 1, loads: 1 };
        for (const run of [shape, busy]) {
          for (const visit of [1, 2])
            for (const item of [{ rounds: 0 }, { rounds: 1 }])
              expect(targets).toContain(CHOICES[name]!(run, visit, item));
        }
      }
    },
  );

  it('walks the deployed definition: more transforms, checks and exports make more transitions', () => {
    const definition = dailyPipelineDefinition();
    const small = walkRun(definition, { ...shape, transformLevels: [[1]], checks: 1 });
    const larger = walkRun(definition, {
      ...shape,
      exportedTables: 1,
      transformLevels: [[1, 1], [1]],
      checks: 4,
      loads: 2,
    });
    expect(larger.transitions).toBeGreaterThan(small.transitions);
    expect(larger.athenaQueries).toEqual({ 'Run CTAS': 3, 'Run check query': 4, 'Run load query': 2 });
    expect(larger.lambdaInvocations.loader).toBe(2);
    expect(small.lambdaInvocations.planRun).toBeGreaterThanOrEqual(1);
  });

  it('walks the lake rewrite: a day with files takes a round (Prepare, CTAS, Commit, Prepare), the others one Prepare', () => {
    const quiet = walkRun(lakeRewriteDefinition(), { ...shape, rewriteDays: [0, 0, 0, 0, 0, 0, 0] });
    const busy = walkRun(lakeRewriteDefinition(), { ...shape, rewriteDays: [1, 0, 0, 0, 0, 0, 0] });
    expect(quiet.athenaQueries).toEqual({});
    expect(busy.athenaQueries).toEqual({ 'Run CTAS': 1 });
    // Prepare round, Anything to write?, Run CTAS, Commit round: one more of each but the Choice's revisit
    expect(busy.transitions - quiet.transitions).toBe(4);
    expect(busy.lambdaInvocations.rewriteLake).toBe(quiet.lambdaInvocations.rewriteLake! + 2);
    // Plan days, Clean up days, and a Prepare round per day
    expect(quiet.lambdaInvocations.rewriteLake).toBe(2 + 7);
  });
});
