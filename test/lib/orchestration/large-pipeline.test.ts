import { DEFAULT_LAKE_START_DATE } from '../../../src/lib/catalog/lake-days';
import { readCheckEvent } from '../../../src/lib/checks/check-event';
import { gateLoads, planCheck, summariseCheck } from '../../../src/lib/checks/check-run';
import { athenaScanPrice } from '../../../src/lib/cost/athena-price';
import { readExportStepEvent } from '../../../src/lib/orchestration/export-step-event';
import { fitExportToWindow, readRecoveryWindow } from '../../../src/lib/orchestration/export-window';
import { readRunInput, readTransformRunRequest } from '../../../src/lib/orchestration/run-input';
import { planPipelineRun, planTransform } from '../../../src/lib/orchestration/run-plan';
import {
  type QueryScan,
  queryScan,
  readScanEvent,
  summariseScans,
} from '../../../src/lib/orchestration/scan-budget';
import { holdBackPartialSnapshots } from '../../../src/lib/orchestration/snapshot-gate';
import {
  dailyPipelineDefinition,
  MAX_HISTORY_EVENTS,
  MAX_PAYLOAD_BYTES,
  payloadBytes,
  runStateMachineLocally,
  type TaskHandler,
} from '../../../src/lib/standins/stepfunctions/local-state-machine';
import { largePipeline, largeRunSettings } from '../../support/large-pipeline';

const START = '2026-11-21T01:30:00.000Z';
const pipeline = largePipeline({ tables: 60, transforms: 150 });
const settings = largeRunSettings(pipeline);
const names = pipeline.transforms.map((t) => t.name);
const checkNames = pipeline.checks.map((c) => c.name);
const PRICE = athenaScanPrice('us-east-1');
/** A full first page of failing rows with long values, as the worst check would return. */
const failingPage = {
  ResultSet: {
    Rows: [
      {
        Data: [
          { VarCharValue: 'user_id' },
          { VarCharValue: 'occurrences' },
          { VarCharValue: 'check_failures' },
        ],
      },
      ...Array.from({ length: 10 }, (_, i) => ({
        Data: [{ VarCharValue: `${'u'.repeat(400)}${i}` }, { VarCharValue: '2' }, { VarCharValue: '5000' }],
      })),
    ],
  },
};

/** The plan step and local stand-ins for the AWS integrations, counting what ran. */
function tasks(counts: Map<string, number>): Record<string, TaskHandler> {
  const counted =
    (name: string, work: TaskHandler): TaskHandler =>
    (input) => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return work(input);
    };
  const scanNames = { transform: names, check: checkNames, load: pipeline.loads.map((l) => l.name) };
  const scans: QueryScan[] = [];
  const recordScan = (event: unknown) => {
    const scan = readScanEvent(event, scanNames);
    if (scan.kind === 'recordScan')
      scans.push(queryScan(scan.step, scan.subject, scan.queryExecutionId, scan.scannedBytes, PRICE));
    return {};
  };
  return {
    'Record CTAS scan': counted('Record CTAS scan', recordScan),
    'Record check scan': counted('Record check scan', recordScan),
    'Record load scan': counted('Record load scan', recordScan),
    // every transform, check and load named in the execution output with its bytes and dollars
    'Summarise scans': counted(
      'Summarise scans',
      () => summariseScans(scans, 50_000_000_000, PRICE) as never,
    ),
    'Plan run': counted(
      'Plan run',
      (event: any) =>
        planPipelineRun(
          pipeline,
          readRunInput(event.input, event.startTime, names, DEFAULT_LAKE_START_DATE),
          { name: event.executionName, startTime: event.startTime },
          settings,
        ) as never,
    ),
    'Plan transform': counted(
      'Plan transform',
      (event) => planTransform(pipeline, readTransformRunRequest(event, names), settings) as never,
    ),
    'Start DynamoDB export': counted('Start DynamoDB export', (request: any) => ({
      ExportDescription: { ExportArn: `${request.TableArn}/export/1`, ExportStatus: 'IN_PROGRESS' },
    })),
    'Check DynamoDB export': counted('Check DynamoDB export', (request: any) => ({
      ExportDescription: { ExportArn: request.ExportArn, ExportStatus: 'COMPLETED' },
    })),
    'Read recovery window': counted('Read recovery window', () => ({
      ContinuousBackupsDescription: {
        PointInTimeRecoveryDescription: {
          PointInTimeRecoveryStatus: 'ENABLED',
          EarliestRestorableDateTime: '2025-01-01T00:00:00Z',
          LatestRestorableDateTime: '2026-11-21T00:55:00Z',
        },
      },
    })),
    'Fit export to recovery window': counted('Fit export to recovery window', (event: any) => {
      const request = readExportStepEvent(
        event,
        pipeline.dynamodb.map((t) => t.name),
      );
      return (
        request.kind === 'fitExport'
          ? fitExportToWindow(request.export, readRecoveryWindow(request.recovery))
          : undefined
      ) as never;
    }),
    // every data file flattened at the first check: this test is about payload sizes
    'Check snapshot flattened': counted('Check snapshot flattened', (event: any) => ({
      table: event.table,
      exportArn: event.exportArn,
      complete: true,
      attempts: event.attempts + 1,
      dataFiles: 1,
      pending: [],
      quarantined: [],
      message: 'all 1 data files flattened',
    })),
    'Hold back partial snapshots': counted(
      'Hold back partial snapshots',
      (event: any) => holdBackPartialSnapshots(pipeline, event.plan, event.snapshots) as never,
    ),
    'Start Aurora export': counted('Start Aurora export', () => ({})),
    'Start Aurora export of chosen data': counted('Start Aurora export of chosen data', () => ({})),
    'Check Aurora export': counted('Check Aurora export', () => ({ ExportTasks: [{ Status: 'COMPLETE' }] })),
    'Run CTAS': counted('Run CTAS', (query: any) => ({
      QueryExecution: {
        QueryExecutionId: 'q',
        Query: query.QueryString,
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: 123_456_789 },
      },
    })),
    'Publish output': counted('Publish output', (event: any) => ({
      target: event.run.target,
      days: event.run.days.length,
      files: 1,
      removed: 0,
    })),
    'Discard run': counted('Discard run', () => ({ discarded: 0 })),
    'Run load query': counted('Run load query', () => ({
      QueryExecution: {
        QueryExecutionId: 'select',
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: 123_456_789 },
      },
    })),
    'Load into database': counted('Load into database', (event: any) => ({
      table: event.table,
      mode: event.mode,
      rows: 1000,
      created: false,
    })),
    'Notify failure': counted('Notify failure', () => ({ MessageId: 'm' })),
    'Plan check': counted('Plan check', (event) => {
      const request = readCheckEvent(event, checkNames);
      return (request.kind === 'planCheck' ? planCheck(pipeline, request, settings) : undefined) as never;
    }),
    // the per-table warnings fail with a full sample; the shipped checks pass
    'Run check query': counted('Run check query', (query: any) => ({
      QueryExecution: {
        QueryExecutionId: query.QueryString.includes('"user_id"') ? 'failing' : 'passing',
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: 123_456_789 },
      },
    })),
    'Get check result': counted('Get check result', (request: any) =>
      request.QueryExecutionId === 'failing'
        ? failingPage
        : { ResultSet: { Rows: failingPage.ResultSet.Rows.slice(0, 1) } },
    ),
    'Summarise check': counted('Summarise check', (event) => {
      const result = readCheckEvent(event, checkNames);
      return (result.kind === 'checkResult' ? summariseCheck(pipeline, result) : undefined) as never;
    }),
    'Gate loads': counted('Gate loads', (event) => {
      const gate = readCheckEvent(event, checkNames);
      return (
        gate.kind === 'gateLoads' ? gateLoads(pipeline, gate.loads, gate.outcomes) : undefined
      ) as never;
    }),
  };
}

describe('a pipeline of 150 transforms over 60 tables', () => {
  it('has a run plan well under the 256 KiB payload quota', () => {
    expect(pipeline.transforms).toHaveLength(150);
    expect(pipeline.dynamodb.length).toBeGreaterThanOrEqual(60);
    const plan = planPipelineRun(
      pipeline,
      readRunInput({}, START, names, DEFAULT_LAKE_START_DATE),
      { name: 'nightly-2026-11-20', startTime: START },
      settings,
    );
    expect(plan.transformLevels.flat()).toHaveLength(150);
    expect(payloadBytes(plan)).toBeLessThan(MAX_PAYLOAD_BYTES / 2);
  });

  it('keeps every state payload under the quota in a local execution of a year-long backfill', async () => {
    const counts = new Map<string, number>();
    const execution = await runStateMachineLocally(
      dailyPipelineDefinition(),
      { from: '2025-11-21', to: '2026-11-20' },
      tasks(counts),
      { executionName: 'backfill-2025-11-21-2026-11-20', fastForwardMs: 0 },
    );
    expect(execution.error).toBeUndefined();
    expect(execution.status).toBe('SUCCEEDED');
    expect(counts.get('Plan transform')).toBe(150);
    expect(counts.get('Publish output')).toBe(150);
    expect(counts.get('Run check query')).toBe(pipeline.checks.length);
    expect(counts.get('Load into database')).toBe(pipeline.loads.length);
    expect(execution.largestPayload.bytes).toBeLessThan(MAX_PAYLOAD_BYTES);
    // exports here finish at the first check; each further minute of a real export adds a
    // wait, a check and a choice (about 8 events) per table: that headroom is what is left
    expect(execution.historyEvents).toBeLessThan(MAX_HISTORY_EVENTS / 2);
  }, 120_000);
});
