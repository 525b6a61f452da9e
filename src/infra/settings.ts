import * as v from 'valibot';
import { LAKE_START_DATE, lakeStartDateProblem } from '../lib/catalog/lake-days';
import { parseConfig, problemAt, text } from '../lib/config/schema';
import { STAGE_NAME } from '../lib/config/stage-names';
import { BUCKET_NAME_MAX_LENGTH, BUCKET_NAME_OVERHEAD } from './names';
import { STAGE_PARAM_NAMES, STAGE_PARAMS, type StageParamName } from './stage-params';

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

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** `--param="loaderSubnetIds=[\"subnet-1\"]"`: lists and mappings given on the command line are JSON. */
function fromJsonText(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * serverless resolves an unset param as `null` (resources.cjs asks `param:x, null`) and passes an
 * unset string as `""`; both take the declared default, which for ARNs and the like is "not set".
 */
function normalized(value: unknown): unknown {
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  if (value === '') return undefined;
  return fromJsonText(value);
}

const stageName = text({ pattern: STAGE_NAME, hint: 'lowercase letters, digits and dashes' });

/** Every declared param, taking its declared default when it is not given (or given empty). */
const paramsSchema = (now: number) =>
  v.pipe(
    v.object({
      service: stageName,
      stage: stageName,
      ...(Object.fromEntries(
        STAGE_PARAM_NAMES.map((name) => {
          const { schema, default: fallback } = STAGE_PARAMS[name];
          return [name, v.nullish(schema, normalized(fallback) as never)];
        }),
      ) as { [K in StageParamName]: v.NullishSchema<(typeof STAGE_PARAMS)[K]['schema'], never> }),
    }),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const { service, stage, logRetentionDays, lakeStartDate, auroraClusterArn } = dataset.value;
      // The first day the tables project. A day after today would leave even arrival-time partitions
      // unserved until then, so every writer's fallback relies on it being today or earlier.
      const dayProblem = lakeStartDateProblem(lakeStartDate as string, now);
      if (LAKE_START_DATE.pattern.test(lakeStartDate as string) && dayProblem)
        problemAt(addIssue, dataset.value, ['lakeStartDate'], dayProblem);
      if (auroraClusterArn != null) {
        for (const name of ['auroraExportRoleArn', 'auroraExportKmsKeyArn'] as const)
          if (dataset.value[name] == null)
            problemAt(addIssue, dataset.value, [name], 'is required with auroraClusterArn');
      }
      if (!LOG_RETENTION_DAYS.includes(logRetentionDays as number)) {
        problemAt(
          addIssue,
          dataset.value,
          ['logRetentionDays'],
          `must be one of CloudWatch's retention values (${LOG_RETENTION_DAYS.join(', ')})`,
        );
      }
      if (service.length + 1 + stage.length + BUCKET_NAME_OVERHEAD > BUCKET_NAME_MAX_LENGTH) {
        problemAt(
          addIssue,
          dataset.value,
          ['stage'],
          `with service ${service}, makes bucket names longer than S3's ${BUCKET_NAME_MAX_LENGTH} characters: shorten one`,
        );
      }
    }),
  );

/** Validates the raw params (strings or numbers, as serverless resolves them). */
export function readStackSettings(raw: Record<string, unknown>, now = Date.now()): StackSettings {
  const values = Object.fromEntries(Object.entries(raw).map(([k, value]) => [k, normalized(value)]));
  const p = parseConfig('serverless params', paramsSchema(now), values);
  const optional = (value: unknown) =>
    value === undefined || value === null ? undefined : (value as string);
  return {
    service: p.service,
    stage: p.stage,
    firehoseBufferMB: p.firehoseBufferMB as number,
    firehoseBufferSeconds: p.firehoseBufferSeconds as number,
    rawRetentionDays: p.rawRetentionDays as number,
    privateRawRetentionDays: p.privateRawRetentionDays as number,
    privateRawReaderArns: p.privateRawReaderArns as string[],
    errorRetentionDays: p.errorRetentionDays as number,
    logRetentionDays: p.logRetentionDays as number,
    lakeStartDate: p.lakeStartDate as string,
    alarmEmail: optional(p.alarmEmail),
    hashKeySecretArn: optional(p.hashKeySecretArn),
    hashKeySecretKmsKeyArn: optional(p.hashKeySecretKmsKeyArn),
    kmsKeyArn: optional(p.kmsKeyArn),
    demoTables: p.demoTables as boolean,
    quietStreamAlarms: p.quietStreamAlarms as boolean,
    dynamodbSources: p.dynamodbSources as Record<string, DynamoSource>,
    streamBatchSize: p.streamBatchSize as number,
    streamMaxRetries: p.streamMaxRetries as number,
    streamMaxRecordAgeSeconds: p.streamMaxRecordAgeSeconds as number,
    streamFailureDestination: p.streamFailureDestination as 's3' | 'sqs',
    athenaBytesScannedCutoff: p.athenaBytesScannedCutoff as number,
    runScanBudgetBytes: p.runScanBudgetBytes as number,
    queryResultRetentionDays: p.queryResultRetentionDays as number,
    loaderSecretArn: optional(p.loaderSecretArn),
    loaderSecretKmsKeyArn: optional(p.loaderSecretKmsKeyArn),
    loaderSubnetIds: p.loaderSubnetIds as string[],
    loaderSecurityGroupIds: p.loaderSecurityGroupIds as string[],
    aurora:
      optional(p.auroraClusterArn) === undefined
        ? undefined
        : {
            clusterArn: p.auroraClusterArn as string,
            exportRoleArn: p.auroraExportRoleArn as string,
            exportKmsKeyArn: p.auroraExportKmsKeyArn as string,
            exportOnly: p.auroraExportOnly as string[],
          },
  };
}
