import type { StackSettings } from '../../infra/settings';
import type { Pipeline } from '../pipeline/pipeline';
import { errorMessage } from '../util/errors';

/**
 * What a stage's params will do once deployed, said before anything is: `tributary doctor` prints
 * it, and `sls package` / `sls deploy` print its warnings and errors. Offline except for the captured
 * tables, whose state only DynamoDB knows.
 */

/** `unchecked`: could not be checked here (offline); says what to check by hand. */
export type FindingLevel = 'ok' | 'warning' | 'error' | 'unchecked';

export type FindingTopic = 'alerts' | 'bi-database' | 'vpc' | 'region' | 'captured-tables' | 'lake-types';

export interface Finding {
  readonly level: FindingLevel;
  readonly topic: FindingTopic;
  readonly message: string;
}

export interface PreflightInput {
  readonly pipeline: Pipeline;
  readonly settings: StackSettings;
  /** The region the stack deploys to: `--region`, else the stage's `region` param. */
  readonly region: string;
  /** The stage's `scheduleEnabled`: a stage that runs unattended needs someone to hear its alerts. */
  readonly scheduleEnabled: boolean;
  /** AWS_REGION (or AWS_DEFAULT_REGION) of this shell, which AWS CLI calls and SDKs use. */
  readonly environmentRegion?: string | undefined;
}

/** Lambda's VpcConfig: at most 16 subnets and 5 security groups (API_VpcConfig). */
export const LAMBDA_VPC_LIMITS = { subnets: 16, securityGroups: 5 } as const;

const finding = (level: FindingLevel, topic: FindingTopic, message: string): Finding => ({
  level,
  topic,
  message,
});

/** The region field of an ARN (`arn:aws:dynamodb:<region>:…`), empty for global services. */
export function arnRegion(arn: string): string {
  return arn.split(':')[3] ?? '';
}

function alerts(input: PreflightInput): Finding[] {
  const { alarmEmail } = input.settings;
  if (alarmEmail) return [finding('ok', 'alerts', `alerts are e-mailed to ${alarmEmail}`)];
  if (!input.scheduleEnabled) {
    return [
      finding('ok', 'alerts', 'no alarmEmail: alerts reach only the topic (fine for a stage run by hand)'),
    ];
  }
  return [
    finding(
      'warning',
      'alerts',
      'alarmEmail is empty: the nightly pipeline runs on a schedule, and its failures and alarms reach an SNS topic nobody is subscribed to; set alarmEmail (or subscribe to the AlertsTopicArn output)',
    ),
  ];
}

function biDatabase(input: PreflightInput): Finding[] {
  const { pipeline, settings } = input;
  if (pipeline.loads.length === 0) return [finding('ok', 'bi-database', 'pipeline.yml has no loads')];
  if (settings.loaderSecretArn) {
    return [finding('ok', 'bi-database', `loads go to the database in ${settings.loaderSecretArn}`)];
  }
  const loads = pipeline.loads.map((load) => load.name).join(', ');
  return [
    finding(
      input.scheduleEnabled ? 'warning' : 'ok',
      'bi-database',
      `loaderSecretArn is empty: the loads (${loads}) are skipped every night; set it to the BI database's secret`,
    ),
  ];
}

function vpc(settings: StackSettings): Finding[] {
  const subnets = settings.loaderSubnetIds.length;
  const groups = settings.loaderSecurityGroupIds.length;
  if (subnets === 0 && groups === 0) return [finding('ok', 'vpc', 'the loader runs outside a VPC')];
  const problems: string[] = [];
  if (subnets === 0) {
    problems.push(
      'loaderSecurityGroupIds is set but there are no loaderSubnetIds: the loader would not run in the VPC',
    );
  }
  if (subnets > 0 && groups === 0) {
    problems.push('loaderSubnetIds needs at least one security group in loaderSecurityGroupIds');
  }
  if (subnets > LAMBDA_VPC_LIMITS.subnets) {
    problems.push(`Lambda takes at most 16 subnets, loaderSubnetIds has ${subnets}`);
  }
  if (groups > LAMBDA_VPC_LIMITS.securityGroups) {
    problems.push(`Lambda takes at most 5 security groups, loaderSecurityGroupIds has ${groups}`);
  }
  if (problems.length === 0) {
    return [
      finding(
        'ok',
        'vpc',
        `the loader runs in ${subnets} subnets (the VPC needs endpoints or a NAT for Athena, S3 and Secrets Manager)`,
      ),
    ];
  }
  return problems.map((problem) => finding('error', 'vpc', problem));
}

/** Every ARN in params that names a regional resource, by the param that holds it. */
function regionalArns(settings: StackSettings): Array<[string, string]> {
  const arns: Array<[string, string | undefined]> = [
    ['kmsKeyArn', settings.kmsKeyArn],
    ['hashKeySecretArn', settings.hashKeySecretArn],
    ['hashKeySecretKmsKeyArn', settings.hashKeySecretKmsKeyArn],
    ['loaderSecretArn', settings.loaderSecretArn],
    ['loaderSecretKmsKeyArn', settings.loaderSecretKmsKeyArn],
    ['auroraClusterArn', settings.aurora?.clusterArn],
    ['auroraExportKmsKeyArn', settings.aurora?.exportKmsKeyArn],
    ...Object.entries(settings.dynamodbSources).flatMap(
      ([name, source]): Array<[string, string]> => [
        [`dynamodbSources.${name}.tableArn`, source.tableArn],
        [`dynamodbSources.${name}.streamArn`, source.streamArn],
      ],
    ),
  ];
  return arns.filter(
    (entry): entry is [string, string] => entry[1] !== undefined && arnRegion(entry[1]) !== '',
  );
}

function region(input: PreflightInput): Finding[] {
  const found: Finding[] = [];
  for (const [param, arn] of regionalArns(input.settings)) {
    if (arnRegion(arn) === input.region) continue;
    found.push(
      finding(
        'error',
        'region',
        `${param} is in ${arnRegion(arn)}, but the stage deploys to ${input.region}: its functions, streams and buckets cannot use it from there (set the stage's region param, or pass --region ${arnRegion(arn)})`,
      ),
    );
  }
  if (input.environmentRegion && input.environmentRegion !== input.region) {
    found.push(
      finding(
        'warning',
        'region',
        `AWS_REGION is ${input.environmentRegion}, the stage deploys to ${input.region}: the aws CLI in this shell looks in the other region`,
      ),
    );
  }
  if (found.length === 0) found.push(finding('ok', 'region', `everything is in ${input.region}`));
  return found;
}

function tableName(arn: string): string {
  return arn.split(':')[5]?.split('/')[1] ?? '';
}

function captureConfig(input: PreflightInput): Finding[] {
  const { pipeline, settings } = input;
  const found: Finding[] = [];
  for (const table of pipeline.dynamodb) {
    const source = settings.dynamodbSources[table.name];
    if (!source) {
      if (settings.demoTables && table.demo) continue;
      found.push(
        finding(
          'warning',
          'captured-tables',
          `${table.name} is not captured in this stage: add it to dynamodbSources as { tableArn, streamArn } (its Glue tables stay empty until then)`,
        ),
      );
      continue;
    }
    if (tableName(source.streamArn) !== tableName(source.tableArn)) {
      found.push(
        finding(
          'error',
          'captured-tables',
          `dynamodbSources.${table.name}: streamArn is a stream of ${tableName(source.streamArn)}, not of ${tableName(source.tableArn)}`,
        ),
      );
    }
  }
  return found;
}

/** Everything the params say, checked offline. */
export function preflightFindings(input: PreflightInput): Finding[] {
  return [
    ...alerts(input),
    ...biDatabase(input),
    ...vpc(input.settings),
    ...region(input),
    ...captureConfig(input),
  ];
}

/** What DynamoDB says of a captured table (DescribeTable and DescribeContinuousBackups). */
export interface CapturedTableState {
  /** StreamSpecification.StreamViewType; undefined when the table has no stream. */
  readonly streamViewType: string | undefined;
  readonly latestStreamArn: string | undefined;
  readonly pointInTimeRecovery: boolean;
}

export type DescribeCapturedTable = (tableArn: string) => Promise<CapturedTableState>;

/**
 * The capture reads both images of every change (an update's old values, a delete's item), and
 * the nightly export is a point-in-time export: a table without either fails at its first change
 * or its first export. Without `describe` (offline) it says what is left to check.
 */
export async function capturedTableFindings(
  settings: StackSettings,
  describe: DescribeCapturedTable | undefined,
): Promise<Finding[]> {
  const sources = Object.entries(settings.dynamodbSources);
  if (sources.length === 0) return [];
  if (!describe) {
    return [
      finding(
        'unchecked',
        'captured-tables',
        `offline: could not check that ${sources.map(([, s]) => tableName(s.tableArn)).join(', ')} have point-in-time recovery and a NEW_AND_OLD_IMAGES stream (run with AWS credentials, or: aws dynamodb describe-continuous-backups / describe-table)`,
      ),
    ];
  }
  const found: Finding[] = [];
  for (const [name, source] of sources) {
    const table = tableName(source.tableArn);
    let state: CapturedTableState;
    try {
      state = await describe(source.tableArn);
    } catch (error) {
      found.push(
        finding(
          'unchecked',
          'captured-tables',
          `could not describe ${table} (${errorMessage(error)}): check its point-in-time recovery and NEW_AND_OLD_IMAGES stream by hand`,
        ),
      );
      continue;
    }
    const problems: string[] = [];
    if (!state.pointInTimeRecovery) {
      problems.push(
        `${table}: point-in-time recovery is off, so its nightly export fails (aws dynamodb update-continuous-backups --table-name ${table} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true)`,
      );
    }
    if (state.streamViewType === undefined) {
      problems.push(`${table} has no stream: enable one with StreamViewType NEW_AND_OLD_IMAGES`);
    } else if (state.streamViewType !== 'NEW_AND_OLD_IMAGES') {
      problems.push(
        `${table}: its stream shows ${state.streamViewType}, the capture needs NEW_AND_OLD_IMAGES (a stream's view type cannot change: disable the stream, enable a new one, and update dynamodbSources.${name}.streamArn)`,
      );
    } else if (state.latestStreamArn !== source.streamArn) {
      problems.push(
        `dynamodbSources.${name}.streamArn is not the table’s current stream (${state.latestStreamArn ?? 'none'})`,
      );
    }
    if (problems.length === 0) {
      found.push(
        finding('ok', 'captured-tables', `${table}: point-in-time recovery on, NEW_AND_OLD_IMAGES stream`),
      );
    }
    for (const problem of problems) found.push(finding('error', 'captured-tables', problem));
  }
  return found;
}

/**
 * The IAM permissions the person running `sls deploy` needs: serverless drives CloudFormation,
 * which creates every resource with the caller's permissions, and passes the roles it creates to
 * Lambda, Firehose, Step Functions and EventBridge.
 */
export function deployPermissions(pipeline: Pipeline, settings: StackSettings): string[] {
  const permissions = [
    'cloudformation:*',
    's3:*',
    'lambda:*',
    'iam:GetRole',
    'iam:CreateRole',
    'iam:DeleteRole',
    'iam:PutRolePolicy',
    'iam:DeleteRolePolicy',
    'iam:TagRole',
    'iam:PassRole',
    'logs:*',
    'states:*',
    'events:*',
    'sns:*',
    'cloudwatch:*',
    'glue:*',
    'athena:*',
  ];
  if (pipeline.streams.length > 0) permissions.push('firehose:*');
  if (pipeline.dynamodb.length > 0) permissions.push('dynamodb:*');
  if (!settings.hashKeySecretArn) permissions.push('secretsmanager:*');
  if (settings.streamFailureDestination === 'sqs') permissions.push('sqs:*');
  if (settings.kmsKeyArn) permissions.push('kms:DescribeKey', 'kms:CreateGrant');
  if (settings.loaderSubnetIds.length > 0) {
    permissions.push(
      'ec2:DescribeSubnets',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeVpcs',
      'ec2:DescribeNetworkInterfaces',
    );
  }
  return permissions;
}
