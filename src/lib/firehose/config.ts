import { LAKE_START_DATE } from '../catalog/lake-days';
import { readConfig } from '../config/reader';
import type { Pipeline } from '../pipeline/pipeline';
import { type HashKeySource, hashKeySourceFromEnv } from '../secrets/hash-key';

export interface FirehoseTransformConfig {
  /** Delivery streams are named `<prefix><stream>`, e.g. `tributary-dev-clickstream`. */
  readonly deliveryStreamPrefix: string;
  /** When set, Firehose calls go to the local stand-in under this directory. */
  readonly localRoot: string | undefined;
  readonly hashKey: HashKeySource;
  /** The stage's `lakeStartDate`, the same param the Glue tables' partition projection starts at. */
  readonly lakeStartDate: string;
}

/** Read once at start-up; a bad environment fails the cold start naming every problem. */
export function readFirehoseTransformConfig(
  env: NodeJS.ProcessEnv,
  pipeline: Pipeline,
): FirehoseTransformConfig {
  return readConfig('firehoseTransform environment', env, (root) => {
    const deliveryStreamPrefix = root.field('TRIBUTARY_STREAM_PREFIX').string({
      pattern: /^[a-zA-Z0-9_.-]{0,40}$/,
      patternHint: 'a delivery stream name prefix such as tributary-dev-',
    });
    const localRoot = root.field('TRIBUTARY_LOCAL_ROOT').optionalString();
    const lakeStartDate = root.field('TRIBUTARY_LAKE_START_DATE').string(LAKE_START_DATE);
    const hashKey = hashKeySourceFromEnv(env);
    const hashing = pipeline.streams.filter((s) => s.flatten.hash.length > 0).map((s) => s.name);
    if (hashing.length > 0 && hashKey.kind === 'none') {
      root.problem(
        `streams ${hashing.join(', ')} hash columns: set TRIBUTARY_HASH_KEY_SECRET_ARN (or TRIBUTARY_HASH_KEY locally)`,
      );
    }
    return { deliveryStreamPrefix, localRoot, hashKey, lakeStartDate };
  });
}
