import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type CheckEvent, readCheckEvent } from '../lib/checks/check-event';
import {
  type CheckOutcome,
  gateLoads,
  type LoadGate,
  type PlannedCheck,
  planCheck,
  summariseCheck,
} from '../lib/checks/check-run';
import { objectStoreFor } from '../lib/config/storage';
import { checkSnapshotFlattened, type SnapshotProgress } from '../lib/dynamodb/snapshot-progress';
import { readRunSettings } from '../lib/orchestration/config';
import {
  type ExportStepEvent,
  isExportStepEvent,
  readExportStepEvent,
} from '../lib/orchestration/export-step-event';
import { type FittedExport, fitExportToWindow, readRecoveryWindow } from '../lib/orchestration/export-window';
import { findLateDays } from '../lib/orchestration/late-data';
import { readRunInput, readTransformRunRequest } from '../lib/orchestration/run-input';
import {
  type PipelineRunPlan,
  type PlannedLoad,
  type PlannedTransform,
  planPipelineRun,
  planTransform,
} from '../lib/orchestration/run-plan';
import {
  isScanEvent,
  type QueryScan,
  type RunScans,
  readRunScans,
  readScanEvent,
  recordScan,
  type ScanEvent,
  summariseScans,
} from '../lib/orchestration/scan-budget';
import { type GatedPlan, holdBackPartialSnapshots } from '../lib/orchestration/snapshot-gate';
import { bundledPipeline } from '../lib/pipeline/bundled';

const pipeline = bundledPipeline();
const settings = readRunSettings(process.env);
const logger = new Logger({ serviceName: 'tributary' });
const store = objectStoreFor(settings.storage);

/** The state machine's first step: turns the execution input into the run's plan. */
export interface PlanRunEvent {
  readonly input: unknown;
  readonly executionName: string;
  readonly startTime: string;
}

/** Later, the `Plan transform` state asks for one transform's statements, when it is its turn. */
export interface PlanTransformEvent {
  readonly transform: string;
  readonly runId: string;
  readonly from: string;
  readonly to: string;
  readonly recomputed?: unknown;
}

const transformNames = pipeline.transforms.map((t) => t.name);
const checkNames = pipeline.checks.map((c) => c.name);
const tableNames = pipeline.dynamodb.map((t) => t.name);
const scanNames = { transform: transformNames, check: checkNames, load: pipeline.loads.map((l) => l.name) };

/** After each Athena query: record what it scanned, and stop the run once its budget is spent. */
async function runScanStep(event: ScanEvent): Promise<QueryScan | RunScans> {
  if (event.kind === 'recordScan') {
    const scan = await recordScan(
      store,
      settings.lakeBucket,
      event,
      settings.scanBudgetBytes,
      settings.athenaPrice,
    );
    logger.info('Athena scan', { ...scan });
    return scan;
  }
  const scans = await readRunScans(store, settings.lakeBucket, event.execution, settings.athenaPrice);
  const run = summariseScans(scans, settings.scanBudgetBytes, settings.athenaPrice);
  logger.info('Athena scans of the run', {
    queries: run.queries,
    billedBytes: run.billedBytes,
    dollars: run.dollars,
    priceRegion: run.price.region,
  });
  return run;
}

/** The export branch's steps: is every data file flattened, and what a partial snapshot holds back. */
async function runExportStep(event: ExportStepEvent): Promise<FittedExport | SnapshotProgress | GatedPlan> {
  if (event.kind === 'fitExport') {
    const fitted = fitExportToWindow(event.export, readRecoveryWindow(event.recovery));
    if (fitted.skipped || fitted.clamped) logger.warn('Export outside the recovery window', { ...fitted });
    return fitted;
  }
  if (event.kind === 'checkSnapshot') {
    const { kind, ...request } = event;
    const progress = await checkSnapshotFlattened(store, settings.lakeBucket, request);
    logger.info('Checked snapshot', { ...progress });
    return progress;
  }
  const gated = holdBackPartialSnapshots(pipeline, event.plan, event.snapshots);
  if (gated.heldBack.length > 0)
    logger.warn('Held back readers of a partial snapshot', { heldBack: gated.heldBack });
  return gated;
}

/** The data checks' steps: plan one check's query, read its result, then decide which loads go ahead. */
function runCheckStep(event: CheckEvent): PlannedCheck | CheckOutcome | LoadGate<PlannedLoad> {
  switch (event.kind) {
    case 'planCheck':
      return planCheck(pipeline, event, settings);
    case 'checkResult': {
      const outcome = summariseCheck(pipeline, event);
      logger.info('Data check', { ...outcome });
      return outcome;
    }
    case 'gateLoads': {
      const gate = gateLoads(pipeline, event.loads as readonly PlannedLoad[], event.outcomes);
      logger.info('Checked loads', { blocked: gate.blocked, failed: gate.failed, message: gate.message });
      return gate;
    }
  }
}

export const handler = middy(
  async (
    event: PlanRunEvent | PlanTransformEvent | CheckEvent | ExportStepEvent | ScanEvent,
  ): Promise<
    | QueryScan
    | RunScans
    | PipelineRunPlan
    | PlannedTransform
    | PlannedCheck
    | CheckOutcome
    | LoadGate<PlannedLoad>
    | FittedExport
    | SnapshotProgress
  > => {
    if (isScanEvent(event)) return runScanStep(readScanEvent(event, scanNames));
    if (isExportStepEvent(event)) return runExportStep(readExportStepEvent(event, tableNames));
    if ('kind' in event) return runCheckStep(readCheckEvent(event, checkNames));
    if ('transform' in event) {
      const request = readTransformRunRequest(event, transformNames);
      return planTransform(pipeline, request, settings, new Date().toISOString());
    }
    const input = readRunInput(event.input, event.startTime, transformNames, settings.lakeStartDate);
    const recomputed = await findLateDays(pipeline, input, store, settings);
    const plan = planPipelineRun(
      pipeline,
      input,
      { name: event.executionName, startTime: event.startTime },
      settings,
      recomputed,
    );
    logger.info('Planned pipeline run', {
      runId: plan.runId,
      from: plan.from,
      to: plan.to,
      exports: plan.exports.enabled,
      transforms: plan.transformLevels,
      recomputed: plan.recomputed,
      loads: plan.loads.map((l) => l.load),
      loading: plan.loading,
    });
    return plan;
  },
).use(injectLambdaContext(logger));
