import { DEFAULT_LAKE_START_DATE, LAKE_START_DATE, lakeStartDateProblem } from '../lib/catalog/lake-days';
import { type ConfigReader, isPlainObject, readConfig } from '../lib/config/reader';
import { STAGE_NAME } from '../lib/config/stage-names';
import { BUCKET_NAME_MAX_LENGTH, BUCKET_NAME_OVERHEAD } from './names';

/** Per-stage settings, from serverless `params`; everything stage-specific lives here. */
export interface StackSettings {
  readonly service: string;
  readonly stage: string;
  readonly firehoseBufferMB: number;
  readonly firehoseBufferSeconds: number;
  readonly rawRetentionDays: number;
  /**
   * Raw copies of streams and tables with privacy rules (`drop`/`hash`) hold the values those
   * rules remove: they expire after this many days, whatever rawRetentionDays says.
   */
  readonly privateRawRetentionDays: number;
  /** IAM roles, beyond the functions that must, that may read those raw copies (break-glass). */
  readonly privateRawReaderArns: readonly string[];
  readonly errorRetentionDays: number;
  readonly logRetentionDays: number;
  readonly lakeStartDate: string;
  readonly alarmEmail: string | undefined;
  /**
   * Create the alarms of pipeline.yml's stream `expect`ations. Off unless a stage turns it on
   * (prod): a stage without real traffic would otherwise sit in ALARM from its first period.
   */
  readonly quietStreamAlarms: boolean;
  readonly hashKeySecretArn: string | undefined;
  /** Customer managed key that encrypts hashKeySecretArn's secret, if any. */
  readonly hashKeySecretKmsKeyArn: string | undefined;
  readonly kmsKeyArn: string | undefined;
  /** Create the pipeline's demo DynamoDB tables in this stage (dev), so there is something to capture. */
  readonly demoTables: boolean;
  /** Existing DynamoDB tables to capture, by pipeline table name. */
  readonly dynamodbSources: Readonly<Record<string, DynamoSource>>;
  readonly streamBatchSize: number;
  readonly streamMaxRetries: number;
  readonly streamMaxRecordAgeSeconds: number;
  /** Where a stream batch that keeps failing is parked: S3 keeps the records themselves. */
  readonly streamFailureDestination: 's3' | 'sqs';
  /** Athena refuses any query of this stage that would scan more. */
  readonly athenaBytesScannedCutoff: number;
  /** A run stops before its next Athena query once its queries have billed this many bytes; 0: no budget. */
  readonly runScanBudgetBytes: number;
  readonly queryResultRetentionDays: number;
  /** Secrets Manager secret with the database the loader writes to (RDS secret format). */
  readonly loaderSecretArn: string | undefined;
  /** Customer managed key that encrypts loaderSecretArn's secret, if any (RDS-managed secrets often have one). */
  readonly loaderSecretKmsKeyArn: string | undefined;
  readonly loaderSubnetIds: readonly string[];
  readonly loaderSecurityGroupIds: readonly string[];
  readonly aurora: AuroraSettings | undefined;
}

export interface AuroraSettings {
  readonly clusterArn: string;
  readonly exportRoleArn: string;
  readonly exportKmsKeyArn: string;
  readonly exportOnly: readonly string[];
}

export interface DynamoSource {
  readonly tableArn: string;
  readonly streamArn: string;
}

const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]+$/;
const STREAM_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]+\/stream\/.+$/;

function readDynamoSources(reader: ConfigReader): Record<string, DynamoSource> {
  if (!reader.present) return {};
  if (!isPlainObject(reader.value)) {
    reader.problem('expected a mapping of pipeline table name to { tableArn, streamArn }');
    return {};
  }
  const sources: Record<string, DynamoSource> = {};
  for (const name of Object.keys(reader.value as object)) {
    const source = reader.field(name);
    if (typeof source.value !== 'object' || source.value === null) {
      source.problem('expected { tableArn, streamArn }');
      continue;
    }
    sources[name] = {
      tableArn: source.field('tableArn').string({ pattern: TABLE_ARN, patternHint: 'a DynamoDB table ARN' }),
      streamArn: source
        .field('streamArn')
        .string({ pattern: STREAM_ARN, patternHint: 'a DynamoDB stream ARN' }),
    };
  }
  return sources;
}

function readAurora(root: ConfigReader): AuroraSettings | undefined {
  const clusterArn = root
    .field('auroraClusterArn')
    .optionalString({ pattern: ARN, patternHint: 'an Aurora cluster ARN' });
  if (clusterArn === undefined) return undefined;
  return {
    clusterArn,
    exportRoleArn: root.field('auroraExportRoleArn').string({ pattern: ARN, patternHint: 'an IAM role ARN' }),
    exportKmsKeyArn: root
      .field('auroraExportKmsKeyArn')
      .string({ pattern: ARN, patternHint: 'a KMS key ARN' }),
    exportOnly: root.field('auroraExportOnly').stringList(),
  };
}

/**
 * The first day the tables project. A day after today would leave even arrival-time partitions
 * unserved until then, so every writer's fallback relies on it being today or earlier.
 */
function readLakeStartDate(field: ConfigReader, now: number): string {
  const day = field.optionalString(LAKE_START_DATE) ?? DEFAULT_LAKE_START_DATE;
  if (!LAKE_START_DATE.pattern.test(day)) return DEFAULT_LAKE_START_DATE;
  const problem = lakeStartDateProblem(day, now);
  if (problem) field.problem(problem);
  return day;
}

/** `--param="loaderSubnetIds=[\"subnet-1\"]"`: lists and mappings given on the command line are JSON. */
function fromJsonText(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Validates the raw params (strings or numbers, as serverless resolves them). */
export function readStackSettings(raw: Record<string, unknown>, now = Date.now()): StackSettings {
  const values = Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [
      k,
      typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v === '' ? undefined : fromJsonText(v),
    ]),
  );
  return readConfig('serverless params', values, (root) => {
    const name = { pattern: STAGE_NAME, patternHint: 'lowercase letters, digits and dashes' };
    const logRetentionDays = root.field('logRetentionDays').integer(1, 3653, 14);
    if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
      root
        .field('logRetentionDays')
        .problem(`must be one of CloudWatch's retention values (${LOG_RETENTION_DAYS.join(', ')})`);
    }
    const service = root.field('service').string(name);
    const stage = root.field('stage').string(name);
    if (service.length + 1 + stage.length + BUCKET_NAME_OVERHEAD > BUCKET_NAME_MAX_LENGTH) {
      root
        .field('stage')
        .problem(
          `with service ${service}, makes bucket names longer than S3's ${BUCKET_NAME_MAX_LENGTH} characters: shorten one`,
        );
    }
    return {
      service,
      stage,
      // Firehose needs at least 64 MB buffers with dynamic partitioning and format conversion
      firehoseBufferMB: root.field('firehoseBufferMB').integer(64, 128, 64),
      firehoseBufferSeconds: root.field('firehoseBufferSeconds').integer(60, 900, 300),
      rawRetentionDays: root.field('rawRetentionDays').integer(1, 3650, 90),
      privateRawRetentionDays: root.field('privateRawRetentionDays').integer(1, 3650, 14),
      privateRawReaderArns: root
        .field('privateRawReaderArns')
        .stringList({ pattern: ROLE_ARN, patternHint: 'an IAM role ARN' }),
      errorRetentionDays: root.field('errorRetentionDays').integer(1, 3650, 30),
      logRetentionDays,
      lakeStartDate: readLakeStartDate(root.field('lakeStartDate'), now),
      alarmEmail: root
        .field('alarmEmail')
        .optionalString({ pattern: /^[^@\s]+@[^@\s]+$/, patternHint: 'an e-mail address' }),
      hashKeySecretArn: root
        .field('hashKeySecretArn')
        .optionalString({ pattern: ARN, patternHint: 'a Secrets Manager ARN' }),
      hashKeySecretKmsKeyArn: root
        .field('hashKeySecretKmsKeyArn')
        .optionalString({ pattern: ARN, patternHint: 'a KMS key ARN' }),
      kmsKeyArn: root.field('kmsKeyArn').optionalString({ pattern: ARN, patternHint: 'a KMS key ARN' }),
      demoTables: root.field('demoTables').boolean(false),
      quietStreamAlarms: root.field('quietStreamAlarms').boolean(false),
      dynamodbSources: readDynamoSources(root.field('dynamodbSources')),
      streamBatchSize: root.field('streamBatchSize').integer(1, 10_000, 100),
      streamMaxRetries: root.field('streamMaxRetries').integer(0, 10_000, 5),
      streamMaxRecordAgeSeconds: root.field('streamMaxRecordAgeSeconds').integer(60, 604_800, 86_400),
      streamFailureDestination: root.field('streamFailureDestination').oneOf(['s3', 'sqs'] as const, 's3'),
      // the minimum Athena allows is 10 MB; the default stops a careless query at 10 GB
      athenaBytesScannedCutoff: root
        .field('athenaBytesScannedCutoff')
        .integer(10_000_000, 1e15, 10_000_000_000),
      runScanBudgetBytes: root.field('runScanBudgetBytes').integer(0, 1e15, 0),
      queryResultRetentionDays: root.field('queryResultRetentionDays').integer(1, 3650, 7),
      loaderSecretArn: root
        .field('loaderSecretArn')
        .optionalString({ pattern: ARN, patternHint: 'a Secrets Manager ARN' }),
      loaderSecretKmsKeyArn: root
        .field('loaderSecretKmsKeyArn')
        .optionalString({ pattern: ARN, patternHint: 'a KMS key ARN' }),
      loaderSubnetIds: root
        .field('loaderSubnetIds')
        .stringList({ pattern: /^subnet-[0-9a-f]+$/, patternHint: 'a subnet id' }),
      loaderSecurityGroupIds: root
        .field('loaderSecurityGroupIds')
        .stringList({ pattern: /^sg-[0-9a-f]+$/, patternHint: 'a security group id' }),
      aurora: readAurora(root),
    };
  });
}
