import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { readRunSettings } from '../lib/orchestration/config';
import { readRunInput } from '../lib/orchestration/run-input';
import { type PipelineRunPlan, planPipelineRun } from '../lib/orchestration/run-plan';
import { bundledPipeline } from '../lib/pipeline/bundled';

const pipeline = bundledPipeline();
const settings = readRunSettings(process.env);
const logger = new Logger({ serviceName: 'tributary' });

/** The state machine's first step: turns the execution input into the run's plan. */
export interface PlanRunEvent {
  readonly input: unknown;
  readonly executionName: string;
  readonly startTime: string;
}

export const handler = middy(async (event: PlanRunEvent): Promise<PipelineRunPlan> => {
  const input = readRunInput(
    event.input,
    event.startTime,
    pipeline.transforms.map((t) => t.name),
    settings.lakeStartDate,
  );
  const plan = planPipelineRun(
    pipeline,
    input,
    { name: event.executionName, startTime: event.startTime },
    settings,
  );
  logger.info('Planned pipeline run', {
    runId: plan.runId,
    from: plan.from,
    to: plan.to,
    exports: plan.exports.enabled,
    transforms: plan.transformLevels.map((level) => level.map((t) => t.transform)),
    loads: plan.loads.map((l) => l.load),
  });
  return plan;
}).use(injectLambdaContext(logger));
