import validator from 'asl-validator';
import {
  dailyPipelineDefinition,
  type LocalExecution,
  MAX_PAYLOAD_BYTES,
  payloadBytes,
  runStateMachineLocally,
  type TaskHandler,
} from '../../../src/lib/standins/stepfunctions/local-state-machine';

type Handlers = Record<string, TaskHandler>;

const query = (sql: string) => ({
  QueryString: sql,
  WorkGroup: 'w',
  QueryExecutionContext: { Database: 'd' },
});
/** What the plan step answers for each transform when its turn comes. */
const plannedTransforms: Record<string, unknown> = {
  a: { run: { transform: 'a', target: 'a' }, queries: [query('CTAS a')] },
  b: { run: { transform: 'b', target: 'b' }, queries: [query('CTAS b'), query('INSERT b')] },
};

const plan = {
  runId: 'run-1',
  from: '2026-11-20',
  to: '2026-11-20',
  exports: {
    enabled: true,
    dynamodb: [
      {
        table: 'users',
        day: '2026-11-20',
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
  transformLevels: [['a'], ['b']],
  recomputed: [{ transform: 'b', day: '2026-11-18', reason: '1 new file in x dt=2026-11-18 since …' }],
  checks: [],
  loads: [
    {
      load: 'l',
      transform: 'b',
      table: 't',
      mode: 'merge',
      keys: ['k'],
      allowEmpty: false,
      query: { QueryString: 'SELECT', WorkGroup: 'w', QueryExecutionContext: { Database: 'd' } },
    },
  ],
  loading: { enabled: true },
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
    'Plan transform': record('Plan transform', (input) => plannedTransforms[input.transform]),
    'Start DynamoDB export': record('Start DynamoDB export', () => ({
      ExportDescription: { ExportArn: 'arn:export' },
    })),
    'Check DynamoDB export': record('Check DynamoDB export', () => ({
      ExportDescription: {
        ExportArn: 'arn:export',
        ExportStatus: ++checks < 2 ? 'IN_PROGRESS' : 'COMPLETED',
      },
    })),
    'Read recovery window': record('Read recovery window', () => ({
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: {
          PointInTimeRecoveryStatus: 'ENABLED',
          EarliestRestorableDateTime: '2026-11-01T00:00:00Z',
          LatestRestorableDateTime: '2026-11-21T01:00:00Z',
        },
      },
    })),
    'Fit export to recovery window': record('Fit export to recovery window', (input) => ({
      table: input.table,
      day: input.day,
      request: input.request,
      timing: 'as planned',
    })),
    'Check snapshot flattened': record('Check snapshot flattened', (input) => ({
      complete: true,
      attempts: input.attempts + 1,
      pending: [],
      quarantined: [],
      message: 'every data file flattened',
    })),
    'Hold back partial snapshots': record('Hold back partial snapshots', (input) => ({
      ...input.plan,
      heldBack: [],
    })),
    'Start Aurora export': record('Start Aurora export', () => ({})),
    'Start Aurora export of chosen data': record('Start Aurora export of chosen data', () => ({})),
    'Check Aurora export': record('Check Aurora export', () => ({ ExportTasks: [{ Status: 'COMPLETE' }] })),
    'Run CTAS': record('Run CTAS', () => ({
      QueryExecution: {
        QueryExecutionId: 'q',
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: 0 },
      },
    })),
    'Publish output': record('Publish output', (input) => ({ target: input.run.transform })),
    'Discard run': record('Discard run', () => ({ discarded: 0 })),
    'Run load query': record('Run load query', () => ({
      QueryExecution: { QueryExecutionId: 'select-1', Statistics: { DataScannedInBytes: 0 } },
    })),
    'Load into database': record('Load into database', (input) => ({ table: input.table, rows: 3 })),
    'Notify failure': record('Notify failure', () => ({ MessageId: 'm' })),
    'Plan check': record('Plan check', (input) => ({
      check: input.check,
      query: query(`CHECK ${input.check}`),
    })),
    'Run check query': record('Run check query', (input) => ({
      QueryExecution: {
        QueryExecutionId: `check-${input.QueryString}`,
        Statistics: { DataScannedInBytes: 0 },
      },
    })),
    'Get check result': record('Get check result', () => ({
      ResultSet: { Rows: [{ Data: [{ VarCharValue: 'check_failures' }] }] },
    })),
    'Summarise check': record('Summarise check', (input) => ({ check: input.check, passed: true })),
    'Record CTAS scan': record('Record CTAS scan', () => ({})),
    'Record check scan': record('Record check scan', () => ({})),
    'Record load scan': record('Record load scan', () => ({})),
    'Summarise scans': record('Summarise scans', () => ({ queries: 0 })),
    'Gate loads': record('Gate loads', (input) => ({
      loads: input.loads,
      blocked: [],
      failed: false,
      message: '',
    })),
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

  it('asks no Inline Map for more than 40 iterations at once', () => {
    const concurrency: number[] = [];
    const visit = (machine: any) => {
      for (const state of Object.values<any>(machine.States)) {
        if (state.Type === 'Map') {
          expect(state.ItemProcessor.ProcessorConfig.Mode).toBe('INLINE');
          concurrency.push(state.MaxConcurrency);
        }
        for (const branch of state.Branches ?? []) visit(branch);
        if (state.ItemProcessor) visit(state.ItemProcessor);
      }
    };
    visit(dailyPipelineDefinition());
    expect(concurrency.length).toBeGreaterThan(0);
    // 0 or a missing MaxConcurrency would mean as many as possible
    for (const value of concurrency) expect(value).toBeGreaterThanOrEqual(1);
    for (const value of concurrency) expect(value).toBeLessThanOrEqual(40);
  });

  it('uses Athena and the AWS SDK integrations directly, with no polling Lambda', () => {
    const resources = JSON.stringify(dailyPipelineDefinition()).match(/"Resource":"[^"]+"/g) ?? [];
    expect(resources.filter((r) => r.includes('athena:startQueryExecution.sync'))).toHaveLength(3);
    expect(
      resources.filter((r) => r.includes(':function:')).map((r) => r.replace(/.*function:/, '')),
    ).toEqual([
      'PlanRunLambdaFunction"',
      'PlanRunLambdaFunction"',
      'PlanRunLambdaFunction"',
      'PlanRunLambdaFunction"',
      'PlanRunLambdaFunction"',
      'PlanRunLambdaFunction"',
      'PublishTransformLambdaFunction"',
      'PublishTransformLambdaFunction"',
      'PlanRunLambdaFunction"',
      'PlanRunLambdaFunction"',
      'PlanRunLambdaFunction"',
      'PlanRunLambdaFunction"',
      'PlanRunLambdaFunction"',
      'LoaderLambdaFunction"',
      'PlanRunLambdaFunction"',
    ]);
  });
});

describe('running the daily pipeline locally', () => {
  it('runs one query per check after the transforms, then loads only what the gate lets through and fails with an alert', async () => {
    const { all, calls } = handlers({
      'Plan run': () => ({ ...plan, checks: ['c1', 'c2'] }),
      'Gate loads': () => ({
        loads: [],
        blocked: [{ load: 'l', checks: ['c2'] }],
        failed: true,
        message: 'Failed checks (error): c2 on b: 3 failing row(s). Loads skipped: l.',
      }),
    });
    const execution = await run(all);
    expect(execution.status).toBe('FAILED');
    const names = calls.map(([name]) => name);
    expect(names.filter((n) => n === 'Run check query')).toHaveLength(2);
    expect(names.indexOf('Run check query')).toBeGreaterThan(names.lastIndexOf('Publish output'));
    expect(names).not.toContain('Run load query');
    expect(calls.find(([n]) => n === 'Get check result')![1]).toEqual({
      QueryExecutionId: expect.stringMatching(/^check-CHECK c/),
      MaxResults: 11,
    });
    expect(calls.find(([n]) => n === 'Gate loads')![1]).toEqual({
      kind: 'gateLoads',
      loads: plan.loads,
      outcomes: [
        { check: 'c1', passed: true },
        { check: 'c2', passed: true },
      ],
    });
    const alert = calls.find(([n]) => n === 'Notify failure')![1];
    expect(alert.Message).toContain('"Run checks": DataCheckFailed: Failed checks (error): c2 on b');
  });

  it('plans, exports, transforms level by level and loads', async () => {
    const { all, calls } = handlers();
    const execution = await run(all, { date: '2026-11-20' });
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.map(([name]) => name)).toEqual([
      'Plan run',
      'Read recovery window',
      'Fit export to recovery window',
      'Start DynamoDB export',
      'Check DynamoDB export',
      'Check DynamoDB export',
      'Check snapshot flattened',
      'Hold back partial snapshots',
      'Plan transform',
      'Run CTAS',
      'Record CTAS scan',
      'Publish output',
      'Plan transform',
      'Run CTAS',
      'Record CTAS scan',
      'Run CTAS',
      'Record CTAS scan',
      'Publish output',
      'Gate loads',
      'Run load query',
      'Record load scan',
      'Load into database',
      'Summarise scans',
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
    expect(calls.find(([n]) => n === 'Load into database')![1]).toEqual({
      load: 'l',
      table: 't',
      mode: 'merge',
      keys: ['k'],
      allowEmpty: false,
      queryExecutionId: 'select-1',
    });
  });

  it("asks the plan step for each transform's statements when its turn comes", async () => {
    const { all, calls } = handlers();
    const execution = await run(all);
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.filter(([n]) => n === 'Plan transform').map(([, input]) => input)).toEqual([
      { transform: 'a', runId: 'run-1', from: '2026-11-20', to: '2026-11-20', recomputed: plan.recomputed },
      { transform: 'b', runId: 'run-1', from: '2026-11-20', to: '2026-11-20', recomputed: plan.recomputed },
    ]);
  });

  it('retries a throttled query and carries on', async () => {
    let attempts = 0;
    const { all, calls } = handlers({
      'Run CTAS': () => {
        if (++attempts === 1) throw thrown('Athena.TooManyRequestsException', 'Rate exceeded');
        return { QueryExecution: { QueryExecutionId: 'q', Statistics: { DataScannedInBytes: 0 } } };
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
        return { QueryExecution: { QueryExecutionId: 'q', Statistics: { DataScannedInBytes: 0 } } };
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
        return { QueryExecution: { QueryExecutionId: 'q', Statistics: { DataScannedInBytes: 0 } } };
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

  it.each(['ValueTooLargeError', 'EmptyReplaceError'])(
    'does not retry a load that fails with %s, which would fail the same way again',
    async (name) => {
      const { all, calls } = handlers({
        'Load into database': () => {
          throw thrown(name, 'Result row 2, column note: the same rows would fail again');
        },
      });
      const execution = await run(all);
      expect(execution.status).toBe('FAILED');
      expect(calls.filter(([n]) => n === 'Load into database')).toHaveLength(1);
      expect(calls.find(([n]) => n === 'Notify failure')![1].Message).toContain(`"Load tables": ${name}:`);
    },
  );

  it('retries a load that lost its connection, by the error name DatabaseUnavailableError', async () => {
    let attempts = 0;
    const { all, calls } = handlers({
      'Load into database': () => {
        attempts++;
        if (attempts === 1) throw thrown('DatabaseUnavailableError', 'Lost the connection to mysql');
        return { table: 't', mode: 'merge', rows: 1, created: false };
      },
    });
    const execution = await run(all);
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.filter(([n]) => n === 'Load into database')).toHaveLength(2);
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

  it.each([
    ['DatabaseConfigurationError', 1],
    ['DatabaseUnavailableError', 4],
  ])(
    'retries a load that failed with %s only if its name is in the Retry: %i attempts',
    async (name, attempts) => {
      const { all, calls } = handlers({
        'Load into database': () => {
          throw thrown(name, 'the database bi does not exist');
        },
      });
      const execution = await run(all);
      expect(execution.status).toBe('FAILED');
      expect(calls.filter(([n]) => n === 'Load into database')).toHaveLength(attempts);
      expect(calls.find(([n]) => n === 'Notify failure')![1].Message).toContain(`"Load tables": ${name}: `);
    },
  );

  it("reports a task's error by its own name and message, not by the error it wraps", async () => {
    const { all, calls } = handlers({
      'Load into database': () => {
        const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.3.7:3306'), {
          code: 'ECONNREFUSED',
        });
        throw Object.assign(
          new Error('Cannot connect to the database: connect ECONNREFUSED 10.0.3.7:3306', { cause: refused }),
          {
            name: 'DatabaseUnavailableError',
          },
        );
      },
    });
    const execution = await run(all);
    const said =
      'DatabaseUnavailableError: Cannot connect to the database: connect ECONNREFUSED 10.0.3.7:3306';
    expect(execution.steps.find((s) => s.state === 'Load into database')?.error).toBe(said);
    expect(calls.find(([n]) => n === 'Notify failure')![1].Message).toContain(`"Load tables": ${said}`);
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

describe('a DynamoDB export outside the point-in-time recovery window', () => {
  it.each([
    ['DynamoDb.InvalidExportTimeException', 'Export time is outside the point in time recovery window'],
    ['DynamoDb.PointInTimeRecoveryUnavailableException', 'Point in time recovery is not enabled'],
  ])(
    'records an export refused with %s as skipped, says why in the output, and still transforms',
    async (name, message) => {
      const { all, calls } = handlers({
        'Start DynamoDB export': () => {
          throw thrown(name, message);
        },
      });
      const execution = await run(all);
      expect(execution.status).toBe('SUCCEEDED');
      expect(calls.some(([n]) => n === 'Check DynamoDB export')).toBe(false);
      expect(calls.filter(([n]) => n === 'Plan transform').map(([, i]) => i.transform)).toEqual(['a', 'b']);
      expect((execution.output as any).exported.dynamodb).toEqual([
        { table: 'users', skipped: expect.stringContaining(`${name}: ${message}`) },
      ]);
    },
  );

  it('skips the export the plan step finds outside the window, without asking DynamoDB', async () => {
    const reason = 'users: export time 2026-11-21T00:00:00.000Z is before the earliest restorable time';
    const { all, calls } = handlers({
      'Fit export to recovery window': (input: any) => ({ ...input, timing: 'skipped', skipped: reason }),
    });
    const execution = await run(all);
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.find(([n]) => n === 'Fit export to recovery window')![1]).toEqual({
      kind: 'fitExport',
      table: 'users',
      day: '2026-11-20',
      request: plan.exports.dynamodb[0]!.request,
      recovery: expect.objectContaining({ ContinuousBackupsStatus: 'ENABLED' }),
    });
    expect(calls.some(([n]) => n === 'Start DynamoDB export')).toBe(false);
    expect(calls.filter(([n]) => n === 'Plan transform')).toHaveLength(2);
    expect((execution.output as any).exported.dynamodb).toEqual([{ table: 'users', skipped: reason }]);
  });
});

describe('the DynamoDB snapshot behind an export', () => {
  /**
   * An export of two data files that DynamoDB reports COMPLETED at once, while S3's notifications
   * reach the flattener late: one more file is flattened whenever any later step runs.
   */
  function lateFlattening(files = ['data/a.json.gz', 'data/b.json.gz'], flattenEvery = 1) {
    let completed = false;
    let steps = 0;
    const flattened = new Set<string>();
    const advance = () => {
      if (!completed) return;
      if (++steps % flattenEvery === 0) {
        const next = files.find((f) => !flattened.has(f));
        if (next) flattened.add(next);
      }
    };
    const seen: Array<[string, number]> = [];
    const watched = (name: string, result: (input: any) => any) => (input: any) => {
      advance();
      seen.push([name, flattened.size]);
      return result(input);
    };
    const overrides: Handlers = {
      'Check DynamoDB export': () => {
        completed = true;
        return { ExportDescription: { ExportArn: 'arn:export', ExportStatus: 'COMPLETED' } };
      },
      'Check snapshot flattened': watched('Check snapshot flattened', (input) => {
        const pending = files.filter((f) => !flattened.has(f));
        return {
          complete: pending.length === 0,
          attempts: input.attempts + 1,
          pending,
          quarantined: [],
          message:
            pending.length === 0
              ? 'every data file flattened'
              : `${pending.length} of ${files.length} data files not flattened: ${pending.join(', ')}; copy each onto itself so S3 notifies s3Flatten again, then run the day again`,
        };
      }),
      'Plan transform': watched('Plan transform', (input) => plannedTransforms[input.transform]),
      'Run CTAS': watched('Run CTAS', () => ({
        QueryExecution: { QueryExecutionId: 'q', Statistics: { DataScannedInBytes: 0 } },
      })),
    };
    return { overrides, seen, total: files.length };
  }

  it('runs no transform before every data file of the export is flattened, however late S3 notifies', async () => {
    const world = lateFlattening(['data/a.json.gz', 'data/b.json.gz', 'data/c.json.gz'], 2);
    const { all } = handlers(world.overrides);
    const execution = await run(all);
    expect(execution.status).toBe('SUCCEEDED');
    const transforms = world.seen.filter(([name]) => name !== 'Check snapshot flattened');
    expect(transforms.length).toBeGreaterThan(0);
    for (const [name, flattened] of transforms)
      expect({ name, flattened }).toEqual({ name, flattened: world.total });
  });

  it('fails naming the data files never flattened once it has waited its bound, and runs no transform', async () => {
    const { all, calls } = handlers({
      ...lateFlattening(['data/a.json.gz', 'data/never.json.gz'], 1_000_000).overrides,
    });
    const execution = await run(all);
    expect(execution.status).toBe('FAILED');
    const checks = calls.filter(([n]) => n === 'Check snapshot flattened');
    expect(checks.length).toBeGreaterThan(1);
    expect(checks.length).toBeLessThanOrEqual(100);
    const alert = calls.find(([n]) => n === 'Notify failure')![1].Message;
    expect(alert).toContain('"Export snapshots": SnapshotNotFlattened');
    expect(alert).toContain('data/never.json.gz');
    expect(alert).toContain('S3 notifies s3Flatten again');
    expect(calls.some(([n]) => n === 'Plan transform')).toBe(false);
  });

  it("hands each export's snapshot outcome to the step that holds back its readers, and runs only what it leaves", async () => {
    const heldBack = [
      { transform: 'b', reason: 'users_snapshot is partial: 1 line of data/a.json.gz was quarantined' },
    ];
    const { all, calls } = handlers({
      'Check snapshot flattened': (input: any) => ({
        complete: true,
        attempts: input.attempts + 1,
        pending: [],
        quarantined: [
          { dataFile: 'data/a.json.gz', quarantine: 'lake/users_snapshot/dt=x/_a.quarantine.ndjson' },
        ],
        message: '1 data file has quarantined lines',
      }),
      'Hold back partial snapshots': (input: any) => ({
        ...input.plan,
        transformLevels: [['a']],
        loads: [],
        heldBack,
      }),
    });
    const execution = await run(all);
    expect(execution.status).toBe('SUCCEEDED');
    const hold = calls.find(([n]) => n === 'Hold back partial snapshots')![1];
    expect(hold.kind).toBe('holdBack');
    expect(hold.snapshots).toEqual([
      expect.objectContaining({
        table: 'users',
        quarantined: [expect.objectContaining({ dataFile: 'data/a.json.gz' })],
      }),
    ]);
    expect(calls.filter(([n]) => n === 'Plan transform').map(([, i]) => i.transform)).toEqual(['a']);
    expect(calls.some(([n]) => n === 'Load into database')).toBe(false);
    expect((execution.output as any).plan.heldBack).toEqual(heldBack);
  });
});

describe('the daily Aurora export', () => {
  const request = {
    ExportTaskIdentifier: 'tributary-prod-2026-11-20',
    SourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:app',
    S3BucketName: 'raw',
    S3Prefix: 'exports/aurora/dt=2026-11-20',
    IamRoleArn: 'arn:aws:iam::123456789012:role/export',
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k',
  };
  const withAurora = (exportRequest: Record<string, string | string[]>) => ({
    ...plan,
    exports: { enabled: true, dynamodb: [], aurora: [{ request: exportRequest }] },
  });
  const startExportRequests = (calls: Array<[string, any]>) =>
    calls.filter(([name]) => name.startsWith('Start Aurora export')).map(([, input]) => input);

  it('asks StartExportTask for only the databases and tables ExportOnly names', async () => {
    const chosen = { ...request, ExportOnly: ['app.orders', 'billing'] };
    const { all, calls } = handlers({ 'Plan run': () => withAurora(chosen) });
    const execution = await run(all);
    expect(execution.status).toBe('SUCCEEDED');
    expect(startExportRequests(calls)).toEqual([chosen]);
  });

  it('leaves ExportOnly out of StartExportTask when the plan exports everything', async () => {
    const { all, calls } = handlers({ 'Plan run': () => withAurora(request) });
    const execution = await run(all);
    expect(execution.status).toBe('SUCCEEDED');
    expect(startExportRequests(calls)).toEqual([request]);
  });
});

describe('the payload quota in a local run', () => {
  it('counts a payload as the UTF-8 bytes of its JSON text', () => {
    expect(MAX_PAYLOAD_BYTES).toBe(256 * 1024);
    expect(payloadBytes('abc')).toBe(5);
    expect(payloadBytes({ name: 'é' })).toBe('{"name":"é"}'.length + 1);
  });

  it('fails the execution with States.DataLimitExceeded, which no Catch takes, when a task result is over 256 KiB', async () => {
    const { all, calls } = handlers({
      'Publish output': () => ({ target: 'a', padding: 'x'.repeat(MAX_PAYLOAD_BYTES) }),
    });
    const execution = await run(all);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toEqual({
      name: 'States.DataLimitExceeded',
      cause: expect.stringContaining('The result of task "Publish output"'),
    });
    expect(calls.some(([n]) => n === 'Notify failure')).toBe(false);
    expect(calls.some(([n]) => n === 'Run load query')).toBe(false);
  });

  it('measures characters outside ASCII by their UTF-8 bytes, not as one each', async () => {
    // half the quota in characters, but two bytes each: with the rest of the plan, over it
    const accents = 'é'.repeat(MAX_PAYLOAD_BYTES / 2 - 100);
    expect(accents.length).toBeLessThan(MAX_PAYLOAD_BYTES);
    const { all } = handlers({ 'Plan run': () => ({ ...plan, note: accents }) });
    const execution = await run(all);
    expect(execution.status).toBe('FAILED');
    expect(execution.error!.name).toBe('States.DataLimitExceeded');
  });

  it('refuses an execution input over 256 KiB before any state runs', async () => {
    const { all, calls } = handlers();
    const execution = await run(all, { date: '2026-11-20', note: 'x'.repeat(MAX_PAYLOAD_BYTES) });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toEqual({
      name: 'States.DataLimitExceeded',
      cause: expect.stringContaining('The execution input'),
    });
    expect(calls).toEqual([]);
  });

  it('reports the largest payload a successful run handed on', async () => {
    const { all } = handlers();
    const execution = await run(all);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.largestPayload.bytes).toBeGreaterThan(payloadBytes(plan));
    expect(execution.largestPayload.bytes).toBeLessThan(MAX_PAYLOAD_BYTES);
  });
});
