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
  glueDatabase: 'GlueDatabase',
  alertsTopic: 'AlertsTopic',
  /** serverless names the function `firehoseTransform` this way. */
  firehoseTransformFunction: 'FirehoseTransformLambdaFunction',
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

/** Bucket names are global: account and region keep stages of different accounts apart. */
export function bucketName(settings: StackSettings, purpose: string): Cfn {
  return sub(`${resourcePrefix(settings)}-${purpose}-\${AWS::AccountId}-\${AWS::Region}`);
}
