import validator from 'asl-validator';
import {
  dailyPipelineDefinition,
  type LocalExecution,
  runStateMachineLocally,
  type TaskHandler,
} from '../../../src/lib/orchestration/local-state-machine';

type Handlers = Record<string, TaskHandler>;

const plan = {
  runId: 'run-1',
  from: '2026-11-20',
  to: '2026-11-20',
  exports: {
    enabled: true,
    dynamodb: [
      {
        table: 'users',
        request: {
          TableArn: 'arn:t',
          S3Bucket: 'raw',
          S3Prefix: 'p/',
          ExportFormat: 'DYNAMODB_JSON',
          ExportTime: 't',
          ClientToken: 'c',
        },
      },
    ],
    aurora: [],
  },
  transformLevels: [
    [
      {
        transform: 'a',
        queries: [{ QueryString: 'CTAS a', WorkGroup: 'w', QueryExecutionContext: { Database: 'd' } }],
      },
    ],
    [
      {
        transform: 'b',
        queries: [
          { QueryString: 'CTAS b', WorkGroup: 'w', QueryExecutionContext: { Database: 'd' } },
          { QueryString: 'INSERT b', WorkGroup: 'w', QueryExecutionContext: { Database: 'd' } },
        ],
      },
    ],
  ],
  loads: [
    {
      load: 'l',
      transform: 'b',
      table: 't',
      mode: 'merge',
      keys: ['k'],
      query: { QueryString: 'SELECT', WorkGroup: 'w', QueryExecutionContext: { Database: 'd' } },
    },
  ],
};

/** Local stand-ins for every task, recording what each was asked. */
function handlers(overrides: Handlers = {}) {
  const calls: Array<[string, any]> = [];
  let checks = 0;
  const record =
    (name: string, result: (input: any) => any): TaskHandler =>
    (input) => {
      calls.push([name, input]);
      return result(input);
    };
  const all: Handlers = {
    'Plan run': record('Plan run', () => plan),
    'Start DynamoDB export': record('Start DynamoDB export', () => ({
      ExportDescription: { ExportArn: 'arn:export' },
    })),
    'Check DynamoDB export': record('Check DynamoDB export', () => ({
      ExportDescription: {
        ExportArn: 'arn:export',
        ExportStatus: ++checks < 2 ? 'IN_PROGRESS' : 'COMPLETED',
      },
    })),
    'Start Aurora export': record('Start Aurora export', () => ({})),
    'Check Aurora export': record('Check Aurora export', () => ({ ExportTasks: [{ Status: 'COMPLETE' }] })),
    'Run CTAS': record('Run CTAS', () => ({
      QueryExecution: { QueryExecutionId: 'q', Status: { State: 'SUCCEEDED' } },
    })),
    'Publish output': record('Publish output', (input) => ({ target: input.run.transform })),
    'Discard run': record('Discard run', () => ({ discarded: 0 })),
    'Run load query': record('Run load query', () => ({ QueryExecution: { QueryExecutionId: 'select-1' } })),
    'Load into database': record('Load into database', (input) => ({ table: input.table, rows: 3 })),
    'Notify failure': record('Notify failure', () => ({ MessageId: 'm' })),
  };
  for (const [name, handler] of Object.entries(overrides))
    all[name] = record(name, handler as (input: any) => any);
  return { all, calls };
}

function run(all: Handlers, input: Record<string, unknown> = {}): Promise<LocalExecution> {
  return runStateMachineLocally(dailyPipelineDefinition(), input as never, all, {
    executionName: 'run-1',
    fastForwardMs: 0,
  });
}

function thrown(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('the daily pipeline definition', () => {
  it('is valid Amazon States Language', () => {
    const result = validator(dailyPipelineDefinition(), { checkArn: true, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('retries every task on transient errors with exponential backoff', () => {
    const tasks: Array<[string, any]> = [];
    const visit = (machine: any) => {
      for (const [name, state] of Object.entries<any>(machine.States)) {
        if (state.Type === 'Task') tasks.push([name, state]);
        for (const branch of state.Branches ?? []) visit(branch);
        if (state.ItemProcessor) visit(state.ItemProcessor);
      }
    };
    visit(dailyPipelineDefinition());
    expect(tasks.length).toBeGreaterThanOrEqual(11);
    for (const [name, state] of tasks) {
      expect({ name, retry: state.Retry?.[0] }).toEqual({
        name,
        retry: expect.objectContaining({ BackoffRate: 2 }),
      });
    }
  });

  it('uses Athena and the AWS SDK integrations directly, with no polling Lambda', () => {
    const resources = JSON.stringify(dailyPipelineDefinition()).match(/"Resource":"[^"]+"/g) ?? [];
    expect(resources.filter((r) => r.includes('athena:startQueryExecution.sync'))).toHaveLength(2);
    expect(
      resources.filter((r) => r.includes(':function:')).map((r) => r.replace(/.*function:/, '')),
    ).toEqual([
      'PlanRunLambdaFunction"',
      'PublishTransformLambdaFunction"',
      'PublishTransformLambdaFunction"',
      'LoaderLambdaFunction"',
    ]);
  });
});

describe('running the daily pipeline locally', () => {
  it('plans, exports, transforms level by level and loads', async () => {
    const { all, calls } = handlers();
    const execution = await run(all, { date: '2026-11-20' });
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.map(([name]) => name)).toEqual([
      'Plan run',
      'Start DynamoDB export',
      'Check DynamoDB export',
      'Check DynamoDB export',
      'Run CTAS',
      'Publish output',
      'Run CTAS',
      'Run CTAS',
      'Publish output',
      'Run load query',
      'Load into database',
    ]);
    expect(calls[0]![1]).toEqual({
      input: { date: '2026-11-20' },
      executionName: 'run-1',
      startTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(calls.filter(([n]) => n === 'Run CTAS').map(([, i]) => i.QueryString)).toEqual([
      'CTAS a',
      'CTAS b',
      'INSERT b',
    ]);
    expect(calls.at(-1)![1]).toEqual({
      load: 'l',
      table: 't',
      mode: 'merge',
      keys: ['k'],
      queryExecutionId: 'select-1',
    });
  });

  it('retries a throttled query and carries on', async () => {
    let attempts = 0;
    const { all, calls } = handlers({
      'Run CTAS': () => {
        if (++attempts === 1) throw thrown('Athena.TooManyRequestsException', 'Rate exceeded');
        return { QueryExecution: { QueryExecutionId: 'q' } };
      },
    });
    const execution = await run(all);
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.filter(([n]) => n === 'Run CTAS')).toHaveLength(4);
    expect(execution.steps.filter((s) => s.outcome === 'retried').map((s) => s.state)).toEqual(['Run CTAS']);
  });

  it('times an attempt after a retry from the retry, not as taking no time', async () => {
    let attempts = 0;
    const { all } = handlers({
      'Run CTAS': async () => {
        if (++attempts === 1) throw thrown('Athena.TooManyRequestsException', 'Rate exceeded');
        await new Promise((resolve) => setTimeout(resolve, 30));
        return { QueryExecution: { QueryExecutionId: 'q' } };
      },
    });
    const execution = await run(all);
    const retried = execution.steps.findIndex((s) => s.outcome === 'retried');
    const nextAttempt = execution.steps.slice(retried + 1).find((s) => s.state === 'Run CTAS')!;
    expect(nextAttempt.outcome).toBe('succeeded');
    expect(nextAttempt.endedAt - nextAttempt.startedAt).toBeGreaterThanOrEqual(25);
  });

  it('discards a failed transform run, then notifies the failed step and fails', async () => {
    const { all, calls } = handlers({
      'Run CTAS': (input: any) => {
        if (input.QueryString === 'CTAS b')
          throw thrown('States.TaskFailed', 'SYNTAX_ERROR: Column x cannot be resolved');
        return { QueryExecution: { QueryExecutionId: 'q' } };
      },
    });
    const execution = await run(all);
    expect(execution.status).toBe('FAILED');
    expect(execution.error!.name).toBe('PipelineFailed');
    expect(calls.find(([n]) => n === 'Discard run')![1].run.transform).toBe('b');
    const notification = calls.find(([n]) => n === 'Notify failure')![1];
    expect(notification.Message).toContain(
      'failed at step "Run transforms": States.TaskFailed: SYNTAX_ERROR: Column x cannot be resolved',
    );
    expect(notification.Message).toContain('execution:tributary:run-1');
    expect(calls.some(([n]) => n === 'Load into database')).toBe(false);
  });

  it('notifies when a load fails after its retries', async () => {
    const { all, calls } = handlers({
      'Load into database': () => {
        throw thrown('SchemaMismatchError', 'Table t has no column k');
      },
    });
    const execution = await run(all);
    expect(execution.status).toBe('FAILED');
    expect(calls.filter(([n]) => n === 'Load into database')).toHaveLength(1);
    expect(calls.find(([n]) => n === 'Notify failure')![1].Message).toContain(
      '"Load tables": SchemaMismatchError: Table t has no column k',
    );
  });

  it('reports a failure a Catch handles once, as failed then caught, not also as succeeded', async () => {
    const { all } = handlers({
      'Load into database': () => {
        throw thrown('SchemaMismatchError', 'Table t has no column k');
      },
    });
    const execution = await run(all);
    expect(execution.steps.filter((s) => s.state === 'Load tables').map((s) => s.outcome)).toEqual([
      'failed',
      'caught',
    ]);
  });

  it('notifies when the export fails', async () => {
    const { all, calls } = handlers({
      'Check DynamoDB export': () => ({
        ExportDescription: { ExportArn: 'arn:export', ExportStatus: 'FAILED' },
      }),
    });
    const execution = await run(all);
    expect(execution.status).toBe('FAILED');
    expect(calls.find(([n]) => n === 'Notify failure')![1].Message).toContain(
      '"Export snapshots": ExportFailed',
    );
    expect(calls.some(([n]) => n === 'Run CTAS')).toBe(false);
  });

  it('notifies when the plan refuses its input', async () => {
    const { all, calls } = handlers({
      'Plan run': () => {
        throw thrown('ConfigError', 'pipeline execution input is invalid: date: "yesterday" must be a day');
      },
    });
    const execution = await run(all, { date: 'yesterday' });
    expect(execution.status).toBe('FAILED');
    expect(calls.find(([n]) => n === 'Notify failure')![1].Message).toContain('"Plan run": ConfigError');
  });
});
