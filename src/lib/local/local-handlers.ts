import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import type { Pipeline } from '../pipeline/pipeline';
import { LOCAL_DEVELOPMENT_HASH_KEY, type LocalEnvironment } from './local-environment';

/**
 * The real Lambda handlers, loaded in this process with the environment a deployed function gets,
 * except that every S3 and Firehose call goes to the local stand-ins under the local root.
 */
export interface LocalHandlers {
  readonly firehoseTransform: (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;
  readonly usedDevelopmentHashKey: boolean;
}

export async function loadLocalHandlers(
  environment: LocalEnvironment,
  pipeline: Pipeline,
  options: { verbose?: boolean } = {},
): Promise<LocalHandlers> {
  const needsHashKey = pipeline.streams.some((s) => s.flatten.hash.length > 0);
  const usedDevelopmentHashKey = needsHashKey && !process.env.TRIBUTARY_HASH_KEY;
  Object.assign(process.env, {
    TRIBUTARY_LOCAL_ROOT: environment.root,
    TRIBUTARY_STREAM_PREFIX: environment.deliveryStreamPrefix,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: options.verbose ? 'INFO' : 'SILENT',
    ...(usedDevelopmentHashKey ? { TRIBUTARY_HASH_KEY: LOCAL_DEVELOPMENT_HASH_KEY } : {}),
  });
  // required only now: handler modules read their configuration from the environment when loaded
  const firehose =
    require('../../handlers/firehose-transform') as typeof import('../../handlers/firehose-transform');
  const context = { functionName: `tributary-${environment.stage}-firehoseTransform`, awsRequestId: 'local' };
  return {
    firehoseTransform: (event) => firehose.handler(event, context as never),
    usedDevelopmentHashKey,
  };
}
