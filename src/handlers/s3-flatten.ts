import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { S3Event } from 'aws-lambda';
import { objectStoreFor } from '../lib/config/storage';
import { readS3FlattenConfig } from '../lib/dynamodb/config';
import { flattenS3Records } from '../lib/dynamodb/flatten-raw-object';
import { reportFlattenedObjects } from '../lib/dynamodb/report';
import { bundledPipeline } from '../lib/pipeline/bundled';
import { loadHashKey } from '../lib/secrets/hash-key';
import { onceAsync } from '../lib/util/once';

const pipeline = bundledPipeline();
const config = readS3FlattenConfig(process.env, pipeline);
const logger = new Logger({ serviceName: 'tributary' });
const metrics = new Metrics({ namespace: 'Tributary', serviceName: 's3Flatten' });
const dependencies = {
  store: objectStoreFor(config.storage),
  lakeBucket: config.storage.lakeBucket,
  pipeline,
  hashKey: onceAsync(() => loadHashKey(config.hashKey)),
};

export const handler = middy(async (event: S3Event): Promise<void> => {
  reportFlattenedObjects(await flattenS3Records(event.Records, dependencies), logger, metrics);
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
