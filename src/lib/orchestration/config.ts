import { DEFAULT_LAKE_START_DATE, LAKE_START_DATE } from '../catalog/lake-days';
import { type ConfigReader, readConfig } from '../config/reader';
import { readStorageConfig, type StorageConfig } from '../config/storage';
import { type AthenaScanPrice, athenaScanPrice } from '../cost/athena-price';
import { readLoaderConfig } from '../loading/config';
import type { Pipeline } from '../pipeline/pipeline';
import { type HashKeySource, hashKeySourceFromEnv } from '../secrets/hash-key';
import type { AuroraExportSettings, RunSettings } from './run-plan';

const NAME = { pattern: /^[a-z][a-z0-9_]{0,127}$/, patternHint: 'a Glue database name' };
const WORKGROUP = { pattern: /^[a-zA-Z0-9._-]{1,128}$/, patternHint: 'an Athena workgroup name' };
/** StartExportTask's ExportOnly forms: database, database.table, database.schema, database.schema.table. */
const EXPORT_ONLY = {
  pattern: /^[^.\s]+(\.[^.\s]+){0,2}$/,
  patternHint: 'database, database.table, database.schema or database.schema.table',
};
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/;

function readDynamodbExports(field: ConfigReader): RunSettings['dynamodbExports'] {
  const list = field.json('[{"table":"users","tableArn":"arn:aws:dynamodb:…:table/users"}]');
  return (
    list?.list((entry) => {
      entry.object(['table', 'tableArn']);
      return {
        table: entry.field('table').string(NAME),
        tableArn: entry.field('tableArn').string({ pattern: ARN, patternHint: 'a DynamoDB table ARN' }),
      };
    }) ?? []
  );
}

function readAuroraExport(field: ConfigReader): AuroraExportSettings | undefined {
  const value = field.json('{"clusterArn":…,"roleArn":…,"kmsKeyArn":…,"identifierPrefix":…}');
  if (!value?.object(['clusterArn', 'roleArn', 'kmsKeyArn', 'identifierPrefix', 'exportOnly']))
    return undefined;
  const arn = { pattern: ARN, patternHint: 'an ARN' };
  return {
    clusterArn: value.field('clusterArn').string(arn),
    roleArn: value.field('roleArn').string(arn),
    kmsKeyArn: value.field('kmsKeyArn').string(arn),
    identifierPrefix: value
      .field('identifierPrefix')
      .string({ pattern: /^[a-z][a-z0-9-]{0,48}$/, patternHint: 'lowercase letters, digits and dashes' }),
    exportOnly: value.field('exportOnly').stringList(EXPORT_ONLY),
  };
}

/**
 * `sls invoke local` passes ARNs as the template writes them (`#{AWS::AccountId}`, see
 * serverless/plugins/pseudo-parameters.cjs); a local run stands in the local stage's values.
 */
function localArns(text: string | undefined): string | undefined {
  return text
    ?.replaceAll('#{AWS::Partition}', 'aws')
    .replaceAll('#{AWS::Region}', 'local')
    .replaceAll('#{AWS::AccountId}', '000000000000');
}

/** The plan step's settings: where this stage's data and queries live, and what it exports. */
export function readRunSettings(env: NodeJS.ProcessEnv): RunSettings & {
  storage: StorageConfig;
  lakeStartDate: string;
  /** The stage's per-run Athena scan budget in billed bytes (the runScanBudgetBytes param); none when unset or 0. */
  scanBudgetBytes: number | undefined;
  /** The Athena price per-run dollars are at: the stage's region's (AWS_REGION), or a named one locally. */
  athenaPrice: AthenaScanPrice;
} {
  const local = Boolean(env.TRIBUTARY_LOCAL_ROOT);
  const settings = local
    ? { ...env, TRIBUTARY_DYNAMODB_EXPORTS: localArns(env.TRIBUTARY_DYNAMODB_EXPORTS) }
    : env;
  // the same settings the loader reads, so the plan skips loads exactly when the loader has no database
  const loaderDatabase = readLoaderConfig(env).target.kind !== 'none';
  return readConfig('planRun environment', settings, (root) => {
    const storage = readStorageConfig(root, { lake: true, raw: true });
    return {
      storage,
      database: root.field('TRIBUTARY_DATABASE').string(NAME),
      workGroup: root.field('TRIBUTARY_WORKGROUP').string(WORKGROUP),
      transformWorkGroup: root.field('TRIBUTARY_TRANSFORM_WORKGROUP').string(WORKGROUP),
      lakeBucket: storage.lakeBucket,
      rawBucket: storage.rawBucket,
      dynamodbExports: readDynamodbExports(root.field('TRIBUTARY_DYNAMODB_EXPORTS')),
      auroraExport: readAuroraExport(root.field('TRIBUTARY_AURORA_EXPORT')),
      lakeStartDate:
        root.field('TRIBUTARY_LAKE_START_DATE').optionalString(LAKE_START_DATE) ?? DEFAULT_LAKE_START_DATE,
      loaderDatabase,
      scanBudgetBytes: readScanBudget(root.field('TRIBUTARY_RUN_SCAN_BUDGET_BYTES')),
      // Lambda sets AWS_REGION to the function's region; a local run has none
      athenaPrice: athenaScanPrice(
        local
          ? null
          : (root.field('AWS_REGION').optionalString({ pattern: REGION, patternHint: 'an AWS region' }) ??
              null),
      ),
    };
  });
}

function readScanBudget(field: ConfigReader): number | undefined {
  // serverless passes an unset param as an empty string
  const text =
    field.value === ''
      ? undefined
      : field.optionalString({ pattern: /^\d{1,18}$/, patternHint: 'a whole number of bytes' });
  const bytes = text === undefined ? 0 : Number(text);
  return bytes > 0 ? bytes : undefined;
}

export interface PublishConfig {
  readonly storage: StorageConfig;
  readonly database: string;
  readonly lakeStartDate: string;
}

export function readPublishConfig(env: NodeJS.ProcessEnv): PublishConfig {
  return readConfig('publishTransform environment', env, (root) => ({
    storage: readStorageConfig(root, { lake: true }),
    database: root.field('TRIBUTARY_DATABASE').string(NAME),
    lakeStartDate:
      root.field('TRIBUTARY_LAKE_START_DATE').optionalString(LAKE_START_DATE) ?? DEFAULT_LAKE_START_DATE,
  }));
}

export interface LakeRewriteConfig {
  /** The lake, and the raw bucket a backfill rebuilds days from. */
  readonly storage: StorageConfig;
  readonly database: string;
  /** The stage's transforms workgroup: a CTAS there may name its external_location. */
  readonly transformWorkGroup: string;
  /** The stage's `lakeStartDate`: a rebuilt record is filed as the Firehose transform files it. */
  readonly lakeStartDate: string;
  /** The HMAC key of hashed columns, as the Firehose transform has it (a rebuild hashes the same). */
  readonly hashKey: HashKeySource;
}

/** The lake rewrite's settings: the stage's lake and raw copies, its Glue database and where its CTAS runs. */
export function readLakeRewriteConfig(env: NodeJS.ProcessEnv, pipeline: Pipeline): LakeRewriteConfig {
  const hashKey = hashKeySourceFromEnv(env);
  const hashing = pipeline.streams.filter((s) => s.flatten.hash.length > 0).map((s) => s.name);
  return readConfig('rewriteLake environment', env, (root) => {
    if (hashing.length > 0 && hashKey.kind === 'none')
      root
        .field('TRIBUTARY_HASH_KEY_SECRET_ARN')
        .problem(`is needed: streams ${hashing.join(', ')} hash columns, and a backfill hashes them again`);
    return {
      storage: readStorageConfig(root, { lake: true, raw: true }),
      database: root.field('TRIBUTARY_DATABASE').string(NAME),
      transformWorkGroup: root.field('TRIBUTARY_TRANSFORM_WORKGROUP').string(WORKGROUP),
      lakeStartDate: root.field('TRIBUTARY_LAKE_START_DATE').string(LAKE_START_DATE),
      hashKey,
    };
  });
}
