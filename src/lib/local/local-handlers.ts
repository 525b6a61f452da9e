import { randomUUID } from 'node:crypto';
import type {
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  S3Event,
} from 'aws-lambda';
import type { Pipeline } from '../pipeline/pipeline';
import { declaredSources, SOURCE_KINDS } from '../sources/registry';
import type { SourceKindName, SourceSpecs } from '../sources/source-kind';
import {
  LocalStreamMapping,
  STREAM_MAPPING_DEFAULTS,
  type StreamMappingSettings,
} from '../standins/lambda/local-stream-mapping';
import { type LocalEnvironment, localHashKey } from './local-environment';
import { localAthenaVariables } from './local-stage';

/**
 * The real Lambda handlers, loaded in this process with the environment a deployed function gets,
 * except that every S3, Firehose, Athena and database call goes to the local stand-ins.
 */
export interface LocalHandlers {
  readonly firehoseTransform: (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;
  readonly dynamodbStream: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
  readonly s3Flatten: (event: S3Event) => Promise<void>;
  readonly planRun: (event: unknown) => Promise<unknown>;
  readonly publishTransform: (event: unknown) => Promise<unknown>;
  readonly loader: (event: unknown) => Promise<unknown>;
  readonly usedDevelopmentHashKey: boolean;
  /** The per-run Athena scan budget planRun enforces (the stage's runScanBudgetBytes); none when undefined. */
  readonly scanBudgetBytes: number | undefined;
}

export interface LocalHandlerOptions {
  readonly verbose?: boolean;
  /** A per-run Athena scan budget in billed bytes, as a stage's runScanBudgetBytes param sets it. */
  readonly scanBudgetBytes?: number;
}

/** The local stage's name for a DynamoDB table of the pipeline, as serverless would name it. */
export function localDynamoTableName(environment: LocalEnvironment, table: string): string {
  return `${environment.resourcePrefix}-${table}`;
}

export function localDynamoTableArn(environment: LocalEnvironment, table: string): string {
  return `arn:aws:dynamodb:local:000000000000:table/${localDynamoTableName(environment, table)}`;
}

/** What serverless.yml gives each kind's functions in their environment, for the local stage. */
const SOURCE_ENVIRONMENT: {
  readonly [K in SourceKindName]: (
    specs: readonly SourceSpecs[K][],
    environment: LocalEnvironment,
  ) => Record<string, string>;
} = {
  stream: (_streams, environment) => ({ TRIBUTARY_STREAM_PREFIX: environment.deliveryStreamPrefix }),
  dynamodb: (tables, environment) => ({
    TRIBUTARY_DYNAMODB_TABLES: JSON.stringify(
      Object.fromEntries(tables.map((t) => [localDynamoTableName(environment, t.name), t.name])),
    ),
    TRIBUTARY_DYNAMODB_EXPORTS: JSON.stringify(
      tables.map((t) => ({ table: t.name, tableArn: localDynamoTableArn(environment, t.name) })),
    ),
  }),
};

function kindEnvironment<K extends SourceKindName>(
  kind: K,
  pipeline: Pipeline,
  environment: LocalEnvironment,
): Record<string, string> {
  return (
    SOURCE_ENVIRONMENT[kind] as (
      specs: readonly SourceSpecs[K][],
      environment: LocalEnvironment,
    ) => Record<string, string>
  )(SOURCE_KINDS[kind].specs(pipeline), environment);
}

/** What every kind of source adds to the local functions' environment. */
export function localSourceEnvironment(
  pipeline: Pipeline,
  environment: LocalEnvironment,
): Record<string, string> {
  return Object.assign(
    {},
    ...(Object.keys(SOURCE_KINDS) as SourceKindName[]).map((kind) =>
      kindEnvironment(kind, pipeline, environment),
    ),
  );
}

/** Handler modules read their configuration once, when loaded; one local root per process. */
let loadedFor: string | undefined;

/** The environment each deployed function gets from serverless.yml, for the local stage. */
export function localHandlerEnvironment(
  environment: LocalEnvironment,
  pipeline: Pipeline,
  options: LocalHandlerOptions = {},
): Record<string, string> {
  const hashing = declaredSources(pipeline).some((source) => source.spec.flatten.hash.length > 0);
  const hashKey = localHashKey();
  return {
    TRIBUTARY_LOCAL_ROOT: environment.root,
    ...localAthenaVariables(pipeline.database),
    TRIBUTARY_LAKE_START_DATE: environment.lakeStartDate,
    ...localSourceEnvironment(pipeline, environment),
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: options.verbose ? 'INFO' : 'SILENT',
    ...(hashing && hashKey.development ? { TRIBUTARY_HASH_KEY: hashKey.key } : {}),
    TRIBUTARY_RUN_SCAN_BUDGET_BYTES: String(options.scanBudgetBytes ?? ''),
  };
}

export async function loadLocalHandlers(
  environment: LocalEnvironment,
  pipeline: Pipeline,
  options: LocalHandlerOptions = {},
): Promise<LocalHandlers> {
  if (loadedFor !== undefined && loadedFor !== environment.root) {
    throw new Error(
      `The handlers are already loaded for ${loadedFor} in this process; run ${environment.root} in another process`,
    );
  }
  loadedFor = environment.root;
  const variables = localHandlerEnvironment(environment, pipeline, options);
  const usedDevelopmentHashKey = variables.TRIBUTARY_HASH_KEY !== undefined;
  Object.assign(process.env, variables);
  // required only now: handler modules read their configuration from the environment when loaded
  const modules = {
    firehoseTransform:
      require('../../handlers/firehose-transform') as typeof import('../../handlers/firehose-transform'),
    dynamodbStream:
      require('../../handlers/dynamodb-stream') as typeof import('../../handlers/dynamodb-stream'),
    s3Flatten: require('../../handlers/s3-flatten') as typeof import('../../handlers/s3-flatten'),
    planRun: require('../../handlers/plan-run') as typeof import('../../handlers/plan-run'),
    publishTransform:
      require('../../handlers/publish-transform') as typeof import('../../handlers/publish-transform'),
    loader: require('../../handlers/loader') as typeof import('../../handlers/loader'),
  };
  const context = (name: string) =>
    ({ functionName: `${environment.resourcePrefix}-${name}`, awsRequestId: 'local' }) as never;
  return {
    firehoseTransform: (event) => modules.firehoseTransform.handler(event, context('firehoseTransform')),
    dynamodbStream: (event) => modules.dynamodbStream.handler(event, context('dynamodbStream')),
    s3Flatten: (event) => modules.s3Flatten.handler(event, context('s3Flatten')),
    planRun: (event) => modules.planRun.handler(event as never, context('planRun')),
    publishTransform: (event) =>
      modules.publishTransform.handler(event as never, context('publishTransform')),
    loader: (event) => modules.loader.handler(event as never, context('loader')),
    usedDevelopmentHashKey,
    scanBudgetBytes: options.scanBudgetBytes,
  };
}

/**
 * A table's mapping on the local stage: the stack's settings, the real stream Lambda, parking in
 * the raw bucket. Retries wait no real time.
 */
export function localStreamMapping(
  environment: LocalEnvironment,
  handlers: LocalHandlers,
  table: string,
  options: { readonly now: () => number; readonly settings?: Partial<StreamMappingSettings> },
): LocalStreamMapping {
  return new LocalStreamMapping(
    { ...STREAM_MAPPING_DEFAULTS, ...options.settings },
    {
      invoke: handlers.dynamodbStream,
      destination: { store: environment.store, bucket: environment.rawBucket },
      functionArn: `arn:aws:lambda:local:000000000000:function:${environment.resourcePrefix}-dynamodbStream`,
      mappingId: `${environment.resourcePrefix}-${table}`,
      shardId: 'shardId-local-000001',
      now: options.now,
      sleep: async () => undefined,
      newId: randomUUID,
    },
  );
}
