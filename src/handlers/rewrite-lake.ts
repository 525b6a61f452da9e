import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { glueCatalog } from '../lib/catalog/glue-catalog';
import { objectStoreFor } from '../lib/config/storage';
import { flattenerForStream } from '../lib/firehose/stream-resolver';
import { readLakeRewriteConfig } from '../lib/orchestration/config';
import { bundledPipeline } from '../lib/pipeline/bundled';
import type { StreamSpec } from '../lib/pipeline/pipeline';
import {
  type LakeRewriteEvent,
  type LakeRewriteResult,
  runLakeRewriteStep,
} from '../lib/rewrite/lake-rewrite';
import { objectStorePointers, s3Pointers } from '../lib/rewrite/pointer-store';
import { loadHashKey } from '../lib/secrets/hash-key';
import { LocalCatalog } from '../lib/standins/glue/local-catalog';

const pipeline = bundledPipeline();
const config = readLakeRewriteConfig(process.env, pipeline);
const logger = new Logger({ serviceName: 'tributary' });
const store = objectStoreFor(config.storage);
const dependencies = {
  store,
  pointers: config.storage.localRoot ? objectStorePointers(store) : s3Pointers(new S3Client({}), store),
  catalog: config.storage.localRoot
    ? new LocalCatalog(config.storage.localRoot)
    : glueCatalog(new GlueClient({})),
  lakeBucket: config.storage.lakeBucket,
  database: config.database,
  workGroup: config.transformWorkGroup,
  streams: pipeline.streams,
  // a backfill rebuilds days from the raw copies with the Firehose transform's own flattener
  rebuild: {
    rawBucket: config.storage.rawBucket,
    lakeStartDate: config.lakeStartDate,
    flattenerFor: async (stream: StreamSpec) =>
      flattenerForStream(
        stream,
        stream.flatten.hash.length > 0 ? await loadHashKey(config.hashKey) : undefined,
      ),
  },
};

/** The lake-rewrite state machine's Lambda tasks: plan, rebuild, prepare, commit, discard, cleanup. */
export const handler = middy(async (event: LakeRewriteEvent): Promise<LakeRewriteResult> => {
  const result = await runLakeRewriteStep(event, dependencies);
  logger.info('Lake rewrite step', {
    action: event.action,
    ...('stream' in event ? { stream: event.stream, dt: event.dt } : {}),
    ...('status' in result ? { status: result.status } : {}),
  });
  return result;
}).use(injectLambdaContext(logger));
