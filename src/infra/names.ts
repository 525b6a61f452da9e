import { stageDatabaseName, stageResourcePrefix } from '../lib/config/stage-names';
import type { StackSettings } from './settings';

export type Cfn = Record<string, unknown>;

export const sub = (text: string): Cfn => ({ 'Fn::Sub': text });
/** Fn::Sub only when the text names a variable: a literal ARN from params stays a plain string. */
export const subWhereNeeded = (text: string): Cfn | string => (text.includes('${') ? sub(text) : text);
export const ref = (logicalId: string): Cfn => ({ Ref: logicalId });
export const getAtt = (logicalId: string, attribute: string): Cfn => ({
  'Fn::GetAtt': [logicalId, attribute],
});

/** `clickstream_events` → `ClickstreamEvents`, for CloudFormation logical ids. */
export function pascalCase(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

export const LogicalId = {
  lakeBucket: 'LakeBucket',
  rawBucket: 'RawBucket',
  resultsBucket: 'ResultsBucket',
  hashKeySecret: 'HashKeySecret',
  athenaWorkGroup: 'AthenaWorkGroup',
  athenaTransformsWorkGroup: 'AthenaTransformsWorkGroup',
  dailyPipelineRole: 'DailyPipelineRole',
  lakeRewriteRole: 'LakeRewriteRole',
  rewriteLakeFunction: 'RewriteLakeLambdaFunction',
  planRunFunction: 'PlanRunLambdaFunction',
  planRunRole: 'PlanRunIamRoleLambdaExecution',
  publishTransformFunction: 'PublishTransformLambdaFunction',
  loaderFunction: 'LoaderLambdaFunction',
  glueDatabase: 'GlueDatabase',
  alertsTopic: 'AlertsTopic',
  /** serverless names function `f` `FLambdaFunction`, and the per-function role `FIamRoleLambdaExecution`. */
  firehoseTransformFunction: 'FirehoseTransformLambdaFunction',
  dynamodbStreamFunction: 'DynamodbStreamLambdaFunction',
  dynamodbStreamRole: 'DynamodbStreamIamRoleLambdaExecution',
  s3FlattenFunction: 'S3FlattenLambdaFunction',
  s3FlattenRole: 'S3FlattenIamRoleLambdaExecution',
  s3FlattenPermission: 'S3FlattenInvokeFromRawBucket',
  streamFailuresQueue: 'DynamodbStreamFailuresQueue',
  flattenFailuresQueue: 'S3FlattenFailuresQueue',
  demoTable: (table: string) => `DemoTable${pascalCase(table)}`,
  eventSourceMapping: (table: string) => `DynamodbStreamSource${pascalCase(table)}`,
  deliveryStream: (stream: string) => `DeliveryStream${pascalCase(stream)}`,
  deliveryStreamRole: (stream: string) => `DeliveryStreamRole${pascalCase(stream)}`,
  deliveryStreamLogGroup: (stream: string) => `DeliveryStreamLogs${pascalCase(stream)}`,
  deliveryStreamLogStream: (stream: string) => `DeliveryStreamLogStream${pascalCase(stream)}`,
  glueTable: (table: string) => `GlueTable${pascalCase(table)}`,
} as const;

export function resourcePrefix(settings: StackSettings): string {
  return stageResourcePrefix(settings.stage, settings.service);
}

export function deliveryStreamName(settings: StackSettings, stream: string): string {
  return `${resourcePrefix(settings)}-${stream}`;
}

export function glueDatabaseName(database: string, settings: StackSettings): string {
  return stageDatabaseName(database, settings.stage);
}

export type BucketPurpose = 'lake' | 'raw' | 'results';

/**
 * The last twelve hex digits of the stack's id. CloudFormation gives every stack creation a new
 * id, so a stage created again (after `sls remove`, whose buckets are retained) gets new bucket
 * names instead of colliding with the retained ones; within one stack's life the names never change.
 */
export const STACK_ID_SUFFIX: Cfn = {
  'Fn::Select': [
    4,
    { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
  ],
};
const STACK_ID_SUFFIX_VARIABLE = 'StackIdSuffix';
/** Longest purpose plus the dashes and suffix of a bucket name: `-results-` + 12 hex digits. */
export const BUCKET_NAME_OVERHEAD = '-results-'.length + 12;
export const BUCKET_NAME_MAX_LENGTH = 63;

/** `Fn::Sub` that may name the stack id suffix as `${StackIdSuffix}`. */
function subWithStackIdSuffix(text: string): Cfn {
  return text.includes(`\${${STACK_ID_SUFFIX_VARIABLE}}`)
    ? { 'Fn::Sub': [text, { [STACK_ID_SUFFIX_VARIABLE]: STACK_ID_SUFFIX }] }
    : sub(text);
}

/**
 * Bucket names are global and outlive the stack (they are retained): `<service>-<stage>-<purpose>-`
 * and the stack id suffix, which is unique per stack creation. The pattern is for Fn::Sub;
 * function environments spell its variables `#{…}` (see serverless/plugins/pseudo-parameters.cjs)
 * so that `sls invoke local` sees a plain string.
 */
export function bucketNamePattern(settings: StackSettings, purpose: BucketPurpose): string {
  return `${resourcePrefix(settings)}-${purpose}-\${${STACK_ID_SUFFIX_VARIABLE}}`;
}

export function bucketName(settings: StackSettings, purpose: BucketPurpose): Cfn {
  return subWithStackIdSuffix(bucketNamePattern(settings, purpose));
}

/**
 * `arn:…:s3:::bucket` (and `/path` inside it), built from the name rather than a Ref: the raw
 * bucket's notification depends on the flattener, whose role names the bucket.
 */
export function bucketArn(settings: StackSettings, purpose: BucketPurpose, path = ''): Cfn {
  return subWithStackIdSuffix(`arn:\${AWS::Partition}:s3:::${bucketNamePattern(settings, purpose)}${path}`);
}

export function bucketNameForEnvironment(settings: StackSettings, purpose: BucketPurpose): string {
  return bucketNamePattern(settings, purpose).replace(/\$\{/g, '#{');
}

/** Environment values name the hash key secret this way when the stack creates it. */
export const HASH_KEY_SECRET_FOR_ENVIRONMENT = '#{HashKeySecret}';

/**
 * A function environment value with `#{…}` variables as the template needs it: `Fn::Sub`
 * (pseudo parameters, logical ids, the stack id suffix), or the text itself when it has none.
 */
export function environmentValue(text: string): Cfn | string {
  if (!/#\{[A-Za-z:.]+\}/.test(text)) return text;
  return subWithStackIdSuffix(text.replace(/#\{([A-Za-z:.]+)\}/g, '$${$1}'));
}

/**
 * An IAM role an AWS service assumes, with one inline policy; with a customer managed bucket key
 * the role may also use it. `condition` keeps other accounts' use of the service out (confused deputy).
 */
export function serviceRole(options: {
  readonly service: string;
  readonly condition: Cfn;
  readonly policyName: string;
  readonly statements: readonly Cfn[];
  readonly settings: StackSettings;
}): Cfn {
  const statements = [...options.statements];
  if (options.settings.kmsKeyArn) {
    statements.push({
      Sid: 'UseBucketKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [options.settings.kmsKeyArn],
    });
  }
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: options.service },
            Action: 'sts:AssumeRole',
            Condition: options.condition,
          },
        ],
      },
      Policies: [
        { PolicyName: options.policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } },
      ],
    },
  };
}
