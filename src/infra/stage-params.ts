import * as v from 'valibot';
import { DEFAULT_LAKE_START_DATE, LAKE_START_DATE } from '../lib/catalog/lake-days';
import { bool, integer, list, mapping, oneOf, text } from '../lib/config/schema';

/**
 * Every stage param, declared once: its schema, its default and what it means. serverless.yml's
 * `params.default` must repeat exactly these defaults (test/infra/stage-params.test.ts compares
 * them), serverless/resources.cjs resolves exactly these names, readStackSettings validates them
 * with these schemas, and the README's params table is rendered from this list.
 *
 * A default is written as serverless.yml writes it: an unset ARN or e-mail is `""`, which the
 * settings read as "not set".
 */
export interface StageParam {
  readonly schema: v.GenericSchema;
  readonly default: unknown;
  readonly doc: string;
}

const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]+$/;
const STREAM_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]+\/stream\/.+$/;

const arn = (hint: string) => text({ pattern: ARN, hint });

const dynamodbSource = mapping({
  tableArn: text({ pattern: TABLE_ARN, hint: 'a DynamoDB table ARN' }),
  streamArn: text({ pattern: STREAM_ARN, hint: 'a DynamoDB stream ARN' }),
});

const param = <S extends v.GenericSchema>(schema: S, fallback: unknown, doc: string) =>
  ({ schema, default: fallback, doc }) as const;

export const STAGE_PARAMS = {
  region: param(
    v.unknown(),
    'us-east-1',
    'the AWS region the stage deploys to (`sls deploy --region R` overrides it); `check --stage`, `replay --to deployed` and `doctor` use it too',
  ),
  // Firehose needs at least 64 MB buffers with dynamic partitioning and format conversion
  firehoseBufferMB: param(
    integer(64, 128),
    64,
    'Firehose buffer size (64 is the minimum with dynamic partitioning)',
  ),
  firehoseBufferSeconds: param(integer(60, 900), 300, 'Firehose buffer interval'),
  rawRetentionDays: param(
    integer(1, 3650),
    90,
    'how long source copies and change files stay in the raw bucket',
  ),
  privateRawRetentionDays: param(
    integer(1, 3650),
    14,
    'how long raw copies of data with `drop`/`hash` rules (and failed records) are kept',
  ),
  privateRawReaderArns: param(
    list(text({ pattern: ROLE_ARN, hint: 'an IAM role ARN' })),
    [],
    'extra roles that may read those raw copies',
  ),
  errorRetentionDays: param(integer(1, 3650), 30, 'how long error output stays, to be replayed'),
  logRetentionDays: param(
    integer(1, 3653),
    14,
    "CloudWatch log retention (one of CloudWatch's retention values)",
  ),
  lakeStartDate: param(
    text({ pattern: LAKE_START_DATE.pattern, hint: LAKE_START_DATE.patternHint }),
    DEFAULT_LAKE_START_DATE,
    'first day partition projection offers (see [Events dated outside the lake](#events-dated-outside-the-lake))',
  ),
  alarmEmail: param(
    text({ pattern: /^[^@\s]+@[^@\s]+$/, hint: 'an e-mail address' }),
    '',
    'e-mail subscribed to the alerts topic',
  ),
  quietStreamAlarms: param(
    bool(),
    false,
    "create the alarms of the streams' `expect` (see [Streams that go quiet](#deploying-a-stage))",
  ),
  hashKeySecretArn: param(
    arn('a Secrets Manager ARN'),
    '',
    'your own secret for `hash` rules; empty: the stack generates one',
  ),
  hashKeySecretKmsKeyArn: param(
    arn('a KMS key ARN'),
    '',
    "the customer managed KMS key that encrypts hashKeySecretArn's secret, if any",
  ),
  kmsKeyArn: param(arn('a KMS key ARN'), '', 'customer managed KMS key for the buckets (SSE-S3 otherwise)'),
  demoTables: param(bool(), false, "create `pipeline.yml`'s demo DynamoDB tables"),
  dynamodbSources: param(
    v.record(v.string(), dynamodbSource, (issue) =>
      issue.kind === 'schema' && issue.type === 'record'
        ? 'expected a mapping of pipeline table name to { tableArn, streamArn }'
        : issue.message,
    ),
    {},
    'existing tables to capture: `<table>: { tableArn, streamArn }`',
  ),
  streamBatchSize: param(integer(1, 10_000), 100, "the stream's event source mapping: batch size"),
  streamMaxRetries: param(
    integer(0, 10_000),
    5,
    'retries of a failing batch, which is then bisected down to the failing record and parked',
  ),
  streamMaxRecordAgeSeconds: param(
    integer(60, 604_800),
    86_400,
    'how old a stream record may grow before it is parked',
  ),
  streamFailureDestination: param(
    oneOf(['s3', 'sqs'] as const),
    's3',
    'where records that keep failing go (`s3` keeps them, `sqs` their position)',
  ),
  scheduleEnabled: param(v.unknown(), false, "the daily pipeline's schedule"),
  pipelineSchedule: param(v.unknown(), 'cron(30 1 * * ? *)', 'when it runs (UTC)'),
  compactionSchedule: param(
    v.unknown(),
    'cron(0 4 * * ? *)',
    "when the lake-rewrite state machine compacts each stream's days due (UTC); on with scheduleEnabled",
  ),
  // the minimum Athena allows is 10 MB; the default stops a careless query at 10 GB
  athenaBytesScannedCutoff: param(
    integer(10_000_000, 1e15),
    10_000_000_000,
    'Athena cancels a query scanning more bytes (10 GB by default)',
  ),
  runScanBudgetBytes: param(
    integer(0, 1e15),
    0,
    'a run stops before its next Athena query once its queries billed this many bytes; 0: no budget',
  ),
  queryResultRetentionDays: param(integer(1, 3650), 7, "query results' lifetime"),
  loaderSecretArn: param(
    arn('a Secrets Manager ARN'),
    '',
    "the BI database's secret (RDS format: engine, host, port, username, password, dbname)",
  ),
  loaderSecretKmsKeyArn: param(
    arn('a KMS key ARN'),
    '',
    'the customer managed KMS key that encrypts that secret, if any',
  ),
  loaderSubnetIds: param(
    list(text({ pattern: /^subnet-[0-9a-f]+$/, hint: 'a subnet id' })),
    [],
    "the loader's VPC: the database's subnets",
  ),
  loaderSecurityGroupIds: param(
    list(text({ pattern: /^sg-[0-9a-f]+$/, hint: 'a security group id' })),
    [],
    "the loader's security groups",
  ),
  auroraClusterArn: param(
    arn('an Aurora cluster ARN'),
    '',
    'Aurora cluster to export daily to `exports/aurora/`; empty: no Aurora export',
  ),
  auroraExportRoleArn: param(arn('an IAM role ARN'), '', 'the role RDS exports with'),
  auroraExportKmsKeyArn: param(arn('a KMS key ARN'), '', 'the KMS key the export is encrypted with'),
  auroraExportOnly: param(
    list(text()),
    [],
    '`database`, `database.table` or `database.schema[.table]` names to export; empty exports the whole cluster',
  ),
} as const satisfies Record<string, StageParam>;

export type StageParamName = keyof typeof STAGE_PARAMS;

export const STAGE_PARAM_NAMES = Object.keys(STAGE_PARAMS) as StageParamName[];

/** How the README shows a default: `empty` for an unset string, JSON in backticks for the rest. */
function shown(value: unknown): string {
  if (value === '') return 'empty';
  if (typeof value === 'string' && !/[\s()*?]/.test(value)) return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

/**
 * The README's params table: each param with its default and what `stages` (serverless.yml's own
 * per-stage params, such as dev and prod) set it to.
 */
export function renderStageParamsTable(stages: Readonly<Record<string, Record<string, unknown>>>): string {
  const names = Object.keys(stages);
  const rows = STAGE_PARAM_NAMES.map((name) => [
    `\`${name}\``,
    shown(STAGE_PARAMS[name].default),
    ...names.map((stage) => (name in stages[stage]! ? shown(stages[stage]![name]) : '')),
    STAGE_PARAMS[name].doc,
  ]);
  const header = ['param', 'default', ...names, 'meaning'];
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/**
 * Where serverless.yml's `params` disagree with the declarations: a default missing, extra or
 * different, or a stage setting a param nobody declared (which the stack would never read).
 */
export function serverlessParamsMismatches(params: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  const defaults = (params.default ?? {}) as Record<string, unknown>;
  for (const name of STAGE_PARAM_NAMES) {
    if (!(name in defaults))
      problems.push(`params.default.${name} is missing: write ${JSON.stringify(STAGE_PARAMS[name].default)}`);
    else if (JSON.stringify(defaults[name]) !== JSON.stringify(STAGE_PARAMS[name].default))
      problems.push(
        `params.default.${name} is ${JSON.stringify(defaults[name])}, but src/infra/stage-params.ts declares ${JSON.stringify(STAGE_PARAMS[name].default)}`,
      );
  }
  for (const [stage, values] of Object.entries(params)) {
    for (const name of Object.keys((values ?? {}) as object)) {
      if (!(name in STAGE_PARAMS))
        problems.push(`params.${stage}.${name} is not declared in src/infra/stage-params.ts`);
    }
  }
  return problems;
}
