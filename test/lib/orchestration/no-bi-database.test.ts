import type { PlanRunEvent } from '../../../src/handlers/plan-run';
import { skippedLoads } from '../../../src/lib/local/local-pipeline';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import {
  dailyPipelineDefinition,
  runStateMachineLocally,
  type TaskHandler,
} from '../../../src/lib/standins/stepfunctions/local-state-machine';
import { loadHandler } from '../../support/handlers';
import { type S3Server, startS3Server } from '../../support/s3-server';

/** The environment serverless.yml gives planRun and the loader in a stage with every param left at its default. */
const STAGE_WITHOUT_PARAMS = {
  TRIBUTARY_LOCAL_ROOT: undefined,
  TRIBUTARY_MYSQL_URL: undefined,
  TRIBUTARY_POSTGRES_URL: undefined,
  TRIBUTARY_DATABASE: 'tributary_prod',
  TRIBUTARY_WORKGROUP: 'tributary-prod',
  TRIBUTARY_TRANSFORM_WORKGROUP: 'tributary-prod-transforms',
  TRIBUTARY_LAKE_BUCKET: 'tributary-prod-lake-123456789012-us-east-1',
  TRIBUTARY_RAW_BUCKET: 'tributary-prod-raw-123456789012-us-east-1',
  TRIBUTARY_DYNAMODB_EXPORTS: '',
  TRIBUTARY_AURORA_EXPORT: '',
  // serverless passes the unset loaderSecretArn param as an empty string
  TRIBUTARY_DATABASE_SECRET_ARN: '',
};

// the plan lists the lake for late data: an S3 stand-in answers
let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server([
    STAGE_WITHOUT_PARAMS.TRIBUTARY_LAKE_BUCKET,
    STAGE_WITHOUT_PARAMS.TRIBUTARY_RAW_BUCKET,
  ]);
});
afterAll(() => s3?.stop());

describe('a stage without a BI database', () => {
  it('runs the nightly pipeline to success, skipping the loads and saying why', async () => {
    const planRun = await loadHandler<PlanRunEvent, unknown>(() => import('../../../src/handlers/plan-run'), {
      ...STAGE_WITHOUT_PARAMS,
      ...s3.env,
    });
    const loader = await loadHandler<unknown, unknown>(
      () => import('../../../src/handlers/loader'),
      STAGE_WITHOUT_PARAMS,
    );
    const called: string[] = [];
    const task =
      (name: string, work: TaskHandler): TaskHandler =>
      (input) => {
        called.push(name);
        return work(input);
      };
    const handlers: Record<string, TaskHandler> = {
      'Plan run': task('Plan run', (input) => planRun(input as never) as never),
      'Plan transform': task('Plan transform', (input) => planRun(input as never) as never),
      'Run CTAS': task('Run CTAS', () => ({
        QueryExecution: { QueryExecutionId: 'q', Statistics: { DataScannedInBytes: 0 } },
      })),
      'Publish output': task('Publish output', () => ({ target: 't', days: 1, files: 1, removed: 0 })),
      'Discard run': task('Discard run', () => ({ discarded: 0 })),
      'Run load query': task('Run load query', () => ({
        QueryExecution: { QueryExecutionId: 'select', Statistics: { DataScannedInBytes: 0 } },
      })),
      'Load into database': task('Load into database', (input) => loader(input) as never),
      'Notify failure': task('Notify failure', () => ({ MessageId: 'm' })),
      'Plan check': task('Plan check', (input) => planRun(input as never) as never),
      'Run check query': task('Run check query', () => ({
        QueryExecution: { QueryExecutionId: 'check', Statistics: { DataScannedInBytes: 0 } },
      })),
      'Get check result': task('Get check result', () => ({
        ResultSet: { Rows: [{ Data: [{ VarCharValue: 'check_failures' }] }] },
      })),
      'Summarise check': task('Summarise check', (input) => planRun(input as never) as never),
      'Gate loads': task('Gate loads', (input) => planRun(input as never) as never),
      'Record CTAS scan': task('Record CTAS scan', (input) => planRun(input as never) as never),
      'Record check scan': task('Record check scan', (input) => planRun(input as never) as never),
      'Summarise scans': task('Summarise scans', (input) => planRun(input as never) as never),
    };
    const execution = await runStateMachineLocally(dailyPipelineDefinition(), {}, handlers, {
      executionName: 'nightly',
      fastForwardMs: 0,
    });

    expect(execution.error).toBeUndefined();
    expect(execution.status).toBe('SUCCEEDED');
    expect(called).toContain('Run CTAS');
    expect(called).not.toContain('Run load query');
    expect(called).not.toContain('Load into database');
    const output = execution.output as any;
    expect(output.plan.loading).toEqual({
      enabled: false,
      reason: expect.stringContaining('loaderSecretArn'),
      skipped: bundledPipeline().loads.map((load) => load.name),
    });
    expect(output.loaded).toEqual({
      reason: output.plan.loading.reason,
      skipped: output.plan.loading.skipped,
    });
    // what the local run summary prints
    expect(skippedLoads(execution.output)).toEqual(output.loaded);
    // the queries it ran are counted; the stage sets no scan budget
    expect(output.scanned).toMatchObject({ budgetBytes: null, loads: [] });
    expect(output.scanned.transforms.length).toBeGreaterThan(0);
  });

  it('has a loader that refuses a load with a typed error instead of failing to start', async () => {
    const loader = await loadHandler<unknown, unknown>(
      () => import('../../../src/handlers/loader'),
      STAGE_WITHOUT_PARAMS,
    );
    const invoked = loader({
      load: 'users_to_mysql',
      table: 'users',
      mode: 'replace',
      keys: [],
      queryExecutionId: 'q',
    });
    await expect(invoked).rejects.toMatchObject({ name: 'LoaderDatabaseNotConfiguredError' });
    await expect(invoked).rejects.toThrow(/loaderSecretArn/);
  });
});
