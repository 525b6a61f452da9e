import type { StackSettings } from './settings';

export type Cfn = Record<string, unknown>;

export const sub = (text: string): Cfn => ({ 'Fn::Sub': text });
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
  athenaWorkGroup: 'AthenaWorkGroup',
  athenaTransformsWorkGroup: 'AthenaTransformsWorkGroup',
  dailyPipelineRole: 'DailyPipelineRole',
  planRunFunction: 'PlanRunLambdaFunction',
  publishTransformFunction: 'PublishTransformLambdaFunction',
  loaderFunction: 'LoaderLambdaFunction',
  glueDatabase: 'GlueDatabase',
  alertsTopic: 'AlertsTopic',
  /** serverless names function `f` `FLambdaFunction`, and the per-function role `FIamRoleLambdaExecution`. */
  firehoseTransformFunction: 'FirehoseTransformLambdaFunction',
  dynamodbStreamFunction: 'DynamodbStreamLambdaFunction',
  dynamodbStreamRole: 'DynamodbStreamIamRoleLambdaExecution',
  s3FlattenFunction: 'S3FlattenLambdaFunction',
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
  return `${settings.service}-${settings.stage}`;
}

export function deliveryStreamName(settings: StackSettings, stream: string): string {
  return `${resourcePrefix(settings)}-${stream}`;
}

export function glueDatabaseName(database: string, settings: StackSettings): string {
  return `${database}_${settings.stage.replace(/-/g, '_')}`;
}

export type BucketPurpose = 'lake' | 'raw' | 'results';

/**
 * Bucket names are global: account and region keep stages of different accounts apart. The
 * pattern uses `${AWS::…}` for Fn::Sub; function environments spell it `#{AWS::…}` (see
 * serverless/plugins/pseudo-parameters.cjs) so that `sls invoke local` sees a plain string.
 */
export function bucketNamePattern(settings: StackSettings, purpose: BucketPurpose): string {
  return `${resourcePrefix(settings)}-${purpose}-\${AWS::AccountId}-\${AWS::Region}`;
}

export function bucketName(settings: StackSettings, purpose: BucketPurpose): Cfn {
  return sub(bucketNamePattern(settings, purpose));
}

/** `arn:…:s3:::bucket` (and `/path` inside it), built from the name, not a Ref, to avoid cycles. */
export function bucketArn(settings: StackSettings, purpose: BucketPurpose, path = ''): Cfn {
  return sub(`arn:\${AWS::Partition}:s3:::${bucketNamePattern(settings, purpose)}${path}`);
}

export function bucketNameForEnvironment(settings: StackSettings, purpose: BucketPurpose): string {
  return bucketNamePattern(settings, purpose).replace(/\$\{/g, '#{');
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
