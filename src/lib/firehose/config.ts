import * as v from 'valibot';
import { LAKE_START_DATE } from '../catalog/lake-days';
import { environment, optional, parseConfig, text } from '../config/schema';
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

const ENVIRONMENT = environment({
  TRIBUTARY_STREAM_PREFIX: text({
    pattern: /^[a-zA-Z0-9_.-]{0,40}$/,
    hint: 'a delivery stream name prefix such as tributary-dev-',
  }),
  TRIBUTARY_LOCAL_ROOT: optional(text()),
  TRIBUTARY_LAKE_START_DATE: text({ pattern: LAKE_START_DATE.pattern, hint: LAKE_START_DATE.patternHint }),
});

/** Read once at start-up; a bad environment fails the cold start naming every problem. */
export function readFirehoseTransformConfig(
  env: NodeJS.ProcessEnv,
  pipeline: Pipeline,
): FirehoseTransformConfig {
  const hashKey = hashKeySourceFromEnv(env);
  const hashing = pipeline.streams.filter((s) => s.flatten.hash.length > 0).map((s) => s.name);
  const schema = v.pipe(
    ENVIRONMENT,
    v.check(
      () => hashing.length === 0 || hashKey.kind !== 'none',
      `streams ${hashing.join(', ')} hash columns: set TRIBUTARY_HASH_KEY_SECRET_ARN (or TRIBUTARY_HASH_KEY locally)`,
    ),
  );
  const parsed = parseConfig('firehoseTransform environment', schema, env);
  return {
    deliveryStreamPrefix: parsed.TRIBUTARY_STREAM_PREFIX,
    localRoot: parsed.TRIBUTARY_LOCAL_ROOT ?? undefined,
    hashKey,
    lakeStartDate: parsed.TRIBUTARY_LAKE_START_DATE,
  };
}
