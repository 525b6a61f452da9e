import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { objectStoreFor } from '../lib/config/storage';
import { readDynamoStreamConfig } from '../lib/dynamodb/config';
import { reportStreamBatch } from '../lib/dynamodb/report';
import { writeStreamBatch } from '../lib/dynamodb/stream-batch';
import { bundledPipeline } from '../lib/pipeline/bundled';

const config = readDynamoStreamConfig(process.env, bundledPipeline());
const store = objectStoreFor(config.storage);
const logger = new Logger({ serviceName: 'tributary' });
const metrics = new Metrics({ namespace: 'Tributary', serviceName: 'dynamodbStream' });

export const handler = middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const outcome = await writeStreamBatch(event.Records, {
    store,
    rawBucket: config.storage.rawBucket,
    tables: config.tables,
    lakeStartDate: config.lakeStartDate,
  });
  reportStreamBatch(outcome, logger, metrics);
  return outcome.response;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
