import { LakeLayout } from '../lib/pipeline/lake-layout';
import type { Pipeline, StreamSpec } from '../lib/pipeline/pipeline';
import {
  type Cfn,
  deliveryStreamName,
  getAtt,
  glueDatabaseName,
  LogicalId,
  ref,
  serviceRole,
  sub,
} from './names';
import { hashKeyStatements } from './secrets';
import type { StackSettings } from './settings';

/** Timestamp spellings the Hive JSON deserializer accepts for timestamp columns. */
export const FIREHOSE_TIMESTAMP_FORMATS = [
  "yyyy-MM-dd'T'HH:mm:ss.SSSZZ",
  "yyyy-MM-dd'T'HH:mm:ssZZ",
  'yyyy-MM-dd HH:mm:ss',
  'millis',
];

const bucketArn = (logicalId: string, path = '') =>
  sub(`arn:\${AWS::Partition}:s3:::\${${logicalId}}${path}`);

function deliveryRole(pipeline: Pipeline, stream: StreamSpec, settings: StackSettings): Cfn {
  const table = stream.name;
  const statements: Cfn[] = [
    {
      Sid: 'WriteLakeAndErrors',
      Effect: 'Allow',
      Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
      Resource: [
        bucketArn(LogicalId.lakeBucket, `/${LakeLayout.table(table)}*`),
        bucketArn(LogicalId.lakeBucket, `/${LakeLayout.firehoseErrors(stream.name)}*`),
        bucketArn(LogicalId.rawBucket, `/${LakeLayout.firehoseBackup(stream.name)}*`),
      ],
    },
    {
      Sid: 'ListBuckets',
      Effect: 'Allow',
      Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      Resource: [bucketArn(LogicalId.lakeBucket), bucketArn(LogicalId.rawBucket)],
    },
    {
      Sid: 'InvokeTransform',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
      Resource: [
        getAtt(LogicalId.firehoseTransformFunction, 'Arn'),
        sub(`\${${LogicalId.firehoseTransformFunction}.Arn}:*`),
      ],
    },
    {
      Sid: 'ReadTableSchema',
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
      Resource: [
        sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog'),
        sub(
          `arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:database/${glueDatabaseName(pipeline.database, settings)}`,
        ),
        sub(
          `arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:table/${glueDatabaseName(pipeline.database, settings)}/${table}`,
        ),
      ],
    },
    {
      Sid: 'WriteDeliveryLogs',
      Effect: 'Allow',
      Action: ['logs:PutLogEvents'],
      Resource: [getAtt(LogicalId.deliveryStreamLogGroup(stream.name), 'Arn')],
    },
  ];
  return serviceRole({
    service: 'firehose.amazonaws.com',
    condition: { StringEquals: { 'sts:ExternalId': ref('AWS::AccountId') } },
    policyName: 'delivery',
    statements,
    settings,
  });
}

function deliveryStream(stream: StreamSpec, settings: StackSettings): Cfn {
  const role = getAtt(LogicalId.deliveryStreamRole(stream.name), 'Arn');
  const logging = (logStream: string) => ({
    Enabled: true,
    LogGroupName: ref(LogicalId.deliveryStreamLogGroup(stream.name)),
    LogStreamName: logStream,
  });
  return {
    Type: 'AWS::KinesisFirehose::DeliveryStream',
    DependsOn: [LogicalId.deliveryStreamLogStream(stream.name)],
    Properties: {
      DeliveryStreamName: deliveryStreamName(settings, stream.name),
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      ExtendedS3DestinationConfiguration: {
        BucketARN: getAtt(LogicalId.lakeBucket, 'Arn'),
        RoleARN: role,
        Prefix: `${LakeLayout.table(stream.name)}dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/`,
        ErrorOutputPrefix: `${LakeLayout.firehoseErrors(stream.name)}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`,
        BufferingHints: {
          SizeInMBs: settings.firehoseBufferMB,
          IntervalInSeconds: settings.firehoseBufferSeconds,
        },
        CompressionFormat: 'UNCOMPRESSED',
        CloudWatchLoggingOptions: logging('delivery'),
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'Lambda',
              Parameters: [
                {
                  ParameterName: 'LambdaArn',
                  ParameterValue: getAtt(LogicalId.firehoseTransformFunction, 'Arn'),
                },
                { ParameterName: 'NumberOfRetries', ParameterValue: '3' },
                { ParameterName: 'BufferSizeInMBs', ParameterValue: '1' },
                { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '60' },
              ],
            },
          ],
        },
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        DataFormatConversionConfiguration: {
          Enabled: true,
          InputFormatConfiguration: {
            Deserializer: { HiveJsonSerDe: { TimestampFormats: FIREHOSE_TIMESTAMP_FORMATS } },
          },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
          SchemaConfiguration: {
            CatalogId: ref('AWS::AccountId'),
            DatabaseName: ref(LogicalId.glueDatabase),
            TableName: ref(LogicalId.glueTable(stream.name)),
            Region: ref('AWS::Region'),
            RoleARN: role,
            VersionId: 'LATEST',
          },
        },
        S3BackupMode: 'Enabled',
        S3BackupConfiguration: {
          BucketARN: getAtt(LogicalId.rawBucket, 'Arn'),
          RoleARN: role,
          Prefix: `${LakeLayout.firehoseBackup(stream.name)}!{timestamp:yyyy/MM/dd/HH}/`,
          ErrorOutputPrefix: `${LakeLayout.firehoseBackup(stream.name)}errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
          BufferingHints: { SizeInMBs: 64, IntervalInSeconds: settings.firehoseBufferSeconds },
          CompressionFormat: 'GZIP',
          CloudWatchLoggingOptions: logging('backup'),
        },
      },
    },
  };
}

/** Per stream: the delivery stream, its least-privilege role and its delivery log group. */
export function firehoseResources(pipeline: Pipeline, settings: StackSettings): Cfn {
  const resources: Cfn = {};
  for (const stream of pipeline.streams) {
    resources[LogicalId.deliveryStreamLogGroup(stream.name)] = {
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: `/aws/kinesisfirehose/${deliveryStreamName(settings, stream.name)}`,
        RetentionInDays: settings.logRetentionDays,
      },
    };
    resources[LogicalId.deliveryStreamLogStream(stream.name)] = {
      Type: 'AWS::Logs::LogStream',
      Properties: {
        LogGroupName: ref(LogicalId.deliveryStreamLogGroup(stream.name)),
        LogStreamName: 'delivery',
      },
    };
    resources[`${LogicalId.deliveryStreamLogStream(stream.name)}Backup`] = {
      Type: 'AWS::Logs::LogStream',
      Properties: {
        LogGroupName: ref(LogicalId.deliveryStreamLogGroup(stream.name)),
        LogStreamName: 'backup',
      },
    };
    resources[LogicalId.deliveryStreamRole(stream.name)] = deliveryRole(pipeline, stream, settings);
    resources[LogicalId.deliveryStream(stream.name)] = deliveryStream(stream, settings);
  }
  return resources;
}

/** What the transform Lambda may do beyond logging: re-ingest into exactly the stage's streams. */
export function firehoseTransformStatements(pipeline: Pipeline, settings: StackSettings): Cfn[] {
  const statements: Cfn[] = [
    {
      Effect: 'Allow',
      Action: ['firehose:PutRecordBatch'],
      Resource: pipeline.streams.map((stream) =>
        sub(
          `arn:\${AWS::Partition}:firehose:\${AWS::Region}:\${AWS::AccountId}:deliverystream/${deliveryStreamName(settings, stream.name)}`,
        ),
      ),
    },
  ];
  statements.push(...hashKeyStatements(pipeline, settings, 'firehoseTransform'));
  return statements;
}
