import { ConfigError } from '../../../src/lib/config/reader';
import { readRunSettings } from '../../../src/lib/orchestration/config';
import { readRunInput, readTransformRunRequest, yesterday } from '../../../src/lib/orchestration/run-input';
import {
  compactTime,
  planPipelineRun,
  planTransform,
  type RunSettings,
} from '../../../src/lib/orchestration/run-plan';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';

const pipeline = bundledPipeline();
const TRANSFORMS = pipeline.transforms.map((t) => t.name);
const START = '2026-11-21T01:00:00.000Z';
const LAKE_START = '2024-01-01';
const settings: RunSettings = {
  database: 'tributary_prod',
  workGroup: 'tributary-prod',
  transformWorkGroup: 'tributary-prod-transforms',
  lakeBucket: 'tributary-prod-lake-123456789012-us-east-1',
  rawBucket: 'tributary-prod-raw-123456789012-us-east-1',
  dynamodbExports: [{ table: 'users', tableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/app-users' }],
  auroraExport: {
    clusterArn: 'arn:aws:rds:us-east-1:123456789012:cluster:app',
    roleArn: 'arn:aws:iam::123456789012:role/export',
    kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
    identifierPrefix: 'tributary-prod',
    exportOnly: ['app.orders'],
  },
  loaderDatabase: true,
};

describe('readRunInput', () => {
  it('runs yesterday, in UTC, when the schedule starts it with nothing', () => {
    expect(readRunInput({}, START, TRANSFORMS, LAKE_START)).toEqual({
      from: '2026-11-20',
      to: '2026-11-20',
      exports: true,
      transforms: undefined,
      loads: true,
    });
    expect(yesterday('2026-01-01T00:30:00Z')).toBe('2025-12-31');
  });

  it('re-runs a given day, or backfills a range', () => {
    expect(readRunInput({ date: '2026-03-01' }, START, TRANSFORMS, LAKE_START)).toMatchObject({
      from: '2026-03-01',
      to: '2026-03-01',
    });
    expect(
      readRunInput({ from: '2025-01-01', to: '2025-12-31', exports: false }, START, TRANSFORMS, LAKE_START),
    ).toMatchObject({
      from: '2025-01-01',
      to: '2025-12-31',
      exports: false,
    });
  });

  it.each([
    [{ date: '2026-02-30' }, 'is not a day of the calendar'],
    [{ date: 'yesterday' }, 'must be a day, YYYY-MM-DD'],
    [{ from: '2026-01-02' }, 'a range needs both from and to'],
    [{ from: '2026-02-01', to: '2026-01-01' }, 'is after to'],
    [{ date: '2026-01-01', from: '2026-01-01', to: '2026-01-01' }, 'give either date, or from and to'],
    [{ transforms: ['nope'] }, 'nope is not a transform of the pipeline'],
    [{ dates: ['2026-01-01'] }, 'unknown key "dates"'],
    [{ date: '2023-12-31' }, 'date: 2023-12-31 is before lakeStartDate 2024-01-01'],
    [{ from: '2023-12-01', to: '2024-01-05' }, 'from: 2023-12-01 is before lakeStartDate 2024-01-01'],
    [{ date: '2026-11-22' }, 'date: 2026-11-22 is after today (2026-11-21 UTC)'],
  ])('refuses %j', (input, message) => {
    expect(() => readRunInput(input, START, TRANSFORMS, LAKE_START)).toThrow(ConfigError);
    expect(() => readRunInput(input, START, TRANSFORMS, LAKE_START)).toThrow(message);
  });
});

describe('the days a run writes', () => {
  it('refuses a run whose partitions partition projection would not serve, the scheduled one included', () => {
    expect(() => readRunInput({}, START, TRANSFORMS, '2026-11-21')).toThrow(
      '2026-11-20 is before lakeStartDate 2026-11-21',
    );
    expect(readRunInput({ date: '2026-11-21' }, START, TRANSFORMS, '2026-11-21')).toMatchObject({
      from: '2026-11-21',
      to: '2026-11-21',
    });
  });
});

describe('planPipelineRun', () => {
  const input = readRunInput({}, START, TRANSFORMS, LAKE_START);
  const plan = planPipelineRun(pipeline, input, { name: 'exec-42', startTime: START }, settings);

  it('exports each captured table as it was at the end of the day, idempotently', () => {
    expect(plan.exports.enabled).toBe(true);
    expect(plan.exports.dynamodb).toEqual([
      {
        table: 'users',
        day: '2026-11-20',
        request: {
          TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/app-users',
          S3Bucket: settings.rawBucket,
          S3Prefix: 'exports/dynamodb/users/dt=2026-11-20/exported_at=20261121T000000Z/',
          ExportFormat: 'DYNAMODB_JSON',
          ExportTime: '2026-11-21T00:00:00.000Z',
          ClientToken: expect.stringMatching(/^users-2026-11-20-[0-9a-f]{16}$/),
        },
      },
    ]);
    expect(plan.exports.aurora[0]!.request).toMatchObject({
      ExportTaskIdentifier: 'tributary-prod-2026-11-20',
      S3Prefix: 'exports/aurora/dt=2026-11-20',
      ExportOnly: ['app.orders'],
    });
  });

  it('never asks for an export time DynamoDB cannot have yet', () => {
    const today = planPipelineRun(
      pipeline,
      readRunInput({ date: '2026-11-21' }, START, TRANSFORMS, LAKE_START),
      { name: 'e', startTime: START },
      settings,
    );
    expect(today.exports.dynamodb[0]!.request.ExportTime).toBe('2026-11-21T00:45:00.000Z');
    expect(compactTime('2026-11-21T00:45:00.000Z')).toBe('20261121T004500Z');
  });

  it('gives each distinct export request its own client token, and the same request the same one', () => {
    const today = (startTime: string) =>
      planPipelineRun(
        pipeline,
        readRunInput({ date: '2026-11-21' }, startTime, TRANSFORMS, LAKE_START),
        { name: 'e', startTime },
        settings,
      ).exports.dynamodb[0]!.request;
    const early = today('2026-11-21T01:00:00.000Z');
    const later = today('2026-11-21T03:30:00.000Z');
    expect(later.ExportTime).not.toBe(early.ExportTime);
    expect(later.S3Prefix).not.toBe(early.S3Prefix);
    expect(later.ClientToken).not.toBe(early.ClientToken);
    expect(today('2026-11-21T01:00:00.000Z').ClientToken).toBe(early.ClientToken);
    const otherTable = planPipelineRun(
      pipeline,
      readRunInput({ date: '2026-11-21' }, START, TRANSFORMS, LAKE_START),
      { name: 'e', startTime: START },
      {
        ...settings,
        dynamodbExports: [{ table: 'users', tableArn: `${settings.dynamodbExports[0]!.tableArn}-2` }],
      },
    ).exports.dynamodb[0]!.request;
    expect(otherTable.ClientToken).not.toBe(early.ClientToken);
  });

  it('names the transforms to run by level, and plans each with ready-to-run Athena queries in the transforms workgroup', () => {
    expect(plan.transformLevels).toEqual(pipeline.transformLevels);
    const counts = planTransform(
      pipeline,
      { transform: 'daily_event_counts', runId: 'exec-42', from: plan.from, to: plan.to },
      settings,
    );
    expect(counts.run).toMatchObject({ transform: 'daily_event_counts', target: 'daily_event_counts' });
    expect(counts.run).not.toHaveProperty('statements');
    expect(counts.queries).toEqual([
      {
        QueryString: expect.any(String),
        WorkGroup: 'tributary-prod-transforms',
        QueryExecutionContext: { Database: 'tributary_prod' },
      },
    ]);
    const [ctas] = counts.queries.map((q) => q.QueryString);
    expect(ctas).toContain(
      `external_location = 's3://${settings.lakeBucket}/lake/daily_event_counts/runs/exec_42_`,
    );
    expect(ctas).toContain("WHERE dt BETWEEN '2026-11-20' AND '2026-11-20'");
  });

  it('plans a transform the same way each time it is asked', () => {
    const request = { transform: 'users_current', runId: 'exec-42', from: plan.from, to: plan.to };
    expect(planTransform(pipeline, request, settings)).toEqual(planTransform(pipeline, request, settings));
  });

  it.each([
    [{ transform: 'nope', runId: 'r', from: '2026-01-01', to: '2026-01-01' }, 'nope is not a transform'],
    [{ transform: 'users_current', runId: 'r', from: 'today', to: '2026-01-01' }, 'must be a day'],
    [{ transform: 'users_current', from: '2026-01-01', to: '2026-01-01' }, 'runId'],
  ])('refuses the transform request %j', (request, message) => {
    expect(() => readTransformRunRequest(request, TRANSFORMS)).toThrow(message);
  });

  it('loads the run days of incremental transforms and all of full ones', () => {
    expect(plan.loads.map((l) => l.query.WorkGroup)).toEqual(['tributary-prod', 'tributary-prod']);
    expect(plan.loads.map((l) => [l.load, l.query.QueryString])).toEqual([
      [
        'event_counts_to_mysql',
        `SELECT * FROM "tributary_prod"."daily_event_counts" WHERE dt BETWEEN '2026-11-20' AND '2026-11-20'`,
      ],
      ['users_to_mysql', 'SELECT * FROM "tributary_prod"."users_current"'],
    ]);
  });

  it('runs only the transforms asked for, and the loads that read them', () => {
    const only = planPipelineRun(
      pipeline,
      readRunInput({ transforms: ['users_current'], exports: false }, START, TRANSFORMS, LAKE_START),
      { name: 'e', startTime: START },
      settings,
    );
    expect(only.transformLevels.flat()).toEqual(['users_current']);
    expect(only.loads.map((l) => l.load)).toEqual(['users_to_mysql']);
    expect(only.exports.enabled).toBe(false);
  });
});

describe('the Aurora export request', () => {
  const input = readRunInput({}, START, TRANSFORMS, LAKE_START);
  const planWith = (exportOnly: string[]) =>
    planPipelineRun(
      pipeline,
      input,
      { name: 'e', startTime: START },
      { ...settings, auroraExport: { ...settings.auroraExport!, exportOnly } },
    ).exports.aurora[0]!.request;

  it('carries ExportOnly when the stage names what to export, and leaves it out otherwise', () => {
    expect(planWith(['app', 'app.orders']).ExportOnly).toEqual(['app', 'app.orders']);
    expect(planWith([])).not.toHaveProperty('ExportOnly');
  });

  const environment = (exportOnly: unknown) => ({
    TRIBUTARY_LAKE_BUCKET: 'lake-bucket',
    TRIBUTARY_RAW_BUCKET: 'raw-bucket',
    TRIBUTARY_DATABASE: 'tributary_prod',
    TRIBUTARY_WORKGROUP: 'tributary-prod',
    TRIBUTARY_TRANSFORM_WORKGROUP: 'tributary-prod-transforms',
    TRIBUTARY_AURORA_EXPORT: JSON.stringify({ ...settings.auroraExport, exportOnly }),
  });

  it.each([['app'], ['app.orders'], ['app.public'], ['app.public.orders']])(
    'accepts the ExportOnly form %s',
    (name) => {
      expect(readRunSettings(environment([name])).auroraExport!.exportOnly).toEqual([name]);
    },
  );

  it.each([[''], ['a.b.c.d'], ['app orders'], ['app..orders']])('refuses the ExportOnly entry %j', (name) => {
    expect(() => readRunSettings(environment([name]))).toThrow(ConfigError);
  });
});

describe('the loads of a run', () => {
  const loadNames = pipeline.loads.map((load) => load.name);
  it.each([
    [
      'the stage has no BI database',
      {},
      { loaderDatabase: false },
      /loaderSecretArn param is empty/,
      loadNames,
    ],
    ['the input asks for none', { loads: false }, {}, /asked for no loads/, loadNames],
  ])('are skipped, saying why, when %s', (_case, runInput, overrides, reason, skipped) => {
    const skippedPlan = planPipelineRun(
      pipeline,
      readRunInput(runInput, START, TRANSFORMS, LAKE_START),
      { name: 'e', startTime: START },
      { ...settings, ...overrides },
    );
    expect(skippedPlan.loads).toEqual([]);
    expect(skippedPlan.loading).toEqual({ enabled: false, reason: expect.stringMatching(reason), skipped });
  });

  it('run when the stage has a BI database and the input does not refuse them', () => {
    const planned = planPipelineRun(
      pipeline,
      readRunInput({}, START, TRANSFORMS, LAKE_START),
      { name: 'e', startTime: START },
      settings,
    );
    expect(planned.loading).toEqual({ enabled: true });
    expect(planned.loads.map((load) => load.load)).toEqual(loadNames);
  });

  it('carry whether an empty replace may empty the table, as pipeline.yml says', () => {
    const allowing = {
      ...pipeline,
      loads: pipeline.loads.map((load, i) => ({ ...load, allowEmpty: i === 0 })),
    };
    const planned = planPipelineRun(
      allowing,
      readRunInput({}, START, TRANSFORMS, LAKE_START),
      { name: 'e', startTime: START },
      settings,
    );
    expect(planned.loads.map((load) => load.allowEmpty)).toEqual(allowing.loads.map((_, i) => i === 0));
  });
});
