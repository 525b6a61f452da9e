import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { awsFirehose } from '../lib/firehose/aws-firehose';
import { readFirehoseTransformConfig } from '../lib/firehose/config';
import { type FirehoseTransformDependencies, processFirehoseEvent } from '../lib/firehose/process-event';
import { reportBatch } from '../lib/firehose/report';
import { createStreamResolver } from '../lib/firehose/stream-resolver';
import { bundledPipeline } from '../lib/pipeline/bundled';
import { loadHashKey } from '../lib/secrets/hash-key';
import { localFirehose } from '../lib/standins/firehose/local-firehose';

const pipeline = bundledPipeline();
const config = readFirehoseTransformConfig(process.env, pipeline);
const logger = new Logger({ serviceName: 'tributary' });
const metrics = new Metrics({ namespace: 'Tributary', serviceName: 'firehoseTransform' });

const dependencies: FirehoseTransformDependencies = {
  firehose: config.localRoot ? localFirehose(config.localRoot) : awsFirehose(),
  lakeStartDate: config.lakeStartDate,
  resolveStream: createStreamResolver(pipeline, config.deliveryStreamPrefix, () =>
    loadHashKey(config.hashKey),
  ),
};

export const handler = middy(
  async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => {
    const outcome = await processFirehoseEvent(event, dependencies);
    reportBatch(outcome, logger, metrics);
    return outcome.response;
  },
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
