import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { GlueClient } from '@aws-sdk/client-glue';
import middy from '@middy/core';
import { glueCatalog } from '../lib/catalog/glue-catalog';
import { objectStoreFor } from '../lib/config/storage';
import { readPublishConfig } from '../lib/orchestration/config';
import { LocalCatalog } from '../lib/standins/glue/local-catalog';
import { discardTransformRun, type PublishOutcome, publishTransformRun } from '../lib/transforms/publish';
import type { TransformRunOutput } from '../lib/transforms/transform-run';

const config = readPublishConfig(process.env);
const logger = new Logger({ serviceName: 'tributary' });
const dependencies = {
  catalog: config.storage.localRoot
    ? new LocalCatalog(config.storage.localRoot)
    : glueCatalog(new GlueClient({})),
  store: objectStoreFor(config.storage),
  database: config.database,
  lakeBucket: config.storage.lakeBucket,
  lakeStartDate: config.lakeStartDate,
};

/** After a transform's statements ran: make the output what readers see, or remove a failed run. */
export interface PublishTransformEvent {
  readonly action: 'publish' | 'discard';
  readonly run: TransformRunOutput;
}

export const handler = middy(
  async (event: PublishTransformEvent): Promise<PublishOutcome | { discarded: number }> => {
    if (event.action === 'discard') {
      const discarded = await discardTransformRun(event.run, dependencies);
      logger.warn('Discarded a failed transform run', { transform: event.run.transform, objects: discarded });
      return { discarded };
    }
    const outcome = await publishTransformRun(event.run, dependencies);
    logger.info('Published transform run', { ...outcome });
    return outcome;
  },
).use(injectLambdaContext(logger));
