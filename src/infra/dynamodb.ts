import { DynamoLayout } from '../lib/dynamodb/layout';
import type { DynamoTableSpec, Pipeline } from '../lib/pipeline/pipeline';
import { bucketArn, type Cfn, getAtt, LogicalId, ref, resourcePrefix } from './names';
import { hashKeyStatements } from './secrets';
import type { StackSettings } from './settings';

/** A DynamoDB table this stage captures: the stage's demo table, or an existing one from params. */
export interface CaptureSource {
  readonly table: DynamoTableSpec;
  /** The DynamoDB table's own name, which the stream ARN carries. */
  readonly dynamoTableName: string;
  /** The table ARN, as text for Fn::Sub (pseudo parameters as `${AWS::…}`). */
  readonly tableArn: string;
  readonly streamArn: Cfn | string;
  readonly demo: boolean;
}

export class CaptureConfigError extends Error {
  override readonly name = 'CaptureConfigError';
}

export function demoTableName(settings: StackSettings, table: string): string {
  return `${resourcePrefix(settings)}-${table}`;
}

/**
 * The DynamoDB tables captured in this stage. A pipeline table without a source is catalogued
 * but not captured here (prod lists its real tables in `dynamodbSources`); a source for a table
 * the pipeline does not describe is a mistake and fails the build.
 */
export function captureSources(pipeline: Pipeline, settings: StackSettings): CaptureSource[] {
  const unknown = Object.keys(settings.dynamodbSources).filter(
    (name) => !pipeline.dynamodb.some((t) => t.name === name),
  );
  if (unknown.length > 0) {
    throw new CaptureConfigError(
      `dynamodbSources names tables the pipeline does not describe: ${unknown.join(', ')}`,
    );
  }
  const sources: CaptureSource[] = [];
  for (const table of pipeline.dynamodb) {
    const configured = settings.dynamodbSources[table.name];
    if (configured) {
      sources.push({
        table,
        dynamoTableName: configured.tableArn.slice(configured.tableArn.lastIndexOf('/') + 1),
        tableArn: configured.tableArn,
        streamArn: configured.streamArn,
        demo: false,
      });
    } else if (settings.demoTables && table.demo) {
      const name = demoTableName(settings, table.name);
      sources.push({
        table,
        dynamoTableName: name,
        tableArn: `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${name}`,
        streamArn: getAtt(LogicalId.demoTable(table.name), 'StreamArn'),
        demo: true,
      });
    }
  }
  return sources;
}

/** DynamoDB table name → pipeline table, for the stream Lambda (TRIBUTARY_DYNAMODB_TABLES). */
export function dynamodbTableMap(pipeline: Pipeline, settings: StackSettings): string {
  return JSON.stringify(
    Object.fromEntries(captureSources(pipeline, settings).map((s) => [s.dynamoTableName, s.table.name])),
  );
}

function demoTable(table: DynamoTableSpec, settings: StackSettings): Cfn {
  const demo = table.demo!;
  const keys = [
    { attribute: demo.partitionKey, type: 'HASH' },
    ...(demo.sortKey ? [{ attribute: demo.sortKey, type: 'RANGE' }] : []),
  ];
  return {
    Type: 'AWS::DynamoDB::Table',
    DeletionPolicy: 'Delete',
    Properties: {
      TableName: demoTableName(settings, table.name),
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: keys.map((k) => ({
        AttributeName: k.attribute.name,
        AttributeType: k.attribute.type,
      })),
      KeySchema: keys.map((k) => ({ AttributeName: k.attribute.name, KeyType: k.type })),
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    },
  };
}

function encryptedQueue(name: string): Cfn {
  return {
    Type: 'AWS::SQS::Queue',
    Properties: { QueueName: name, SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
  };
}

/** A GetAtt either way, so the mapping is created only once its destination exists. */
function streamFailureDestination(settings: StackSettings): Cfn {
  return settings.streamFailureDestination === 's3'
    ? getAtt(LogicalId.rawBucket, 'Arn')
    : getAtt(LogicalId.streamFailuresQueue, 'Arn');
}

/**
 * Capture resources: demo tables, one stream event source mapping per captured table (bisect on
 * error, bounded retries and record age, a failure destination where a poison batch is parked),
 * and the flattener's failure queue and permission to be invoked by the raw bucket. (The Glue
 * tables `<table>_changes` and `<table>_snapshot` are with the other lake tables, in catalog.ts.)
 */
/** Seconds the stream Lambda's mapping gathers changes before it invokes (unless a batch fills). */
export const STREAM_BATCHING_WINDOW_SECONDS = 5;

export function dynamodbResources(pipeline: Pipeline, settings: StackSettings): Cfn {
  const resources: Cfn = {};
  const sources = captureSources(pipeline, settings);
  for (const source of sources) {
    if (source.demo) resources[LogicalId.demoTable(source.table.name)] = demoTable(source.table, settings);
    resources[LogicalId.eventSourceMapping(source.table.name)] = {
      Type: 'AWS::Lambda::EventSourceMapping',
      DependsOn: [LogicalId.dynamodbStreamRole],
      Properties: {
        FunctionName: ref(LogicalId.dynamodbStreamFunction),
        EventSourceArn: source.streamArn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: settings.streamBatchSize,
        MaximumBatchingWindowInSeconds: STREAM_BATCHING_WINDOW_SECONDS,
        ParallelizationFactor: 1,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: settings.streamMaxRetries,
        MaximumRecordAgeInSeconds: settings.streamMaxRecordAgeSeconds,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: streamFailureDestination(settings) } },
      },
    };
  }
  if (settings.streamFailureDestination === 'sqs') {
    resources[LogicalId.streamFailuresQueue] = encryptedQueue(
      `${resourcePrefix(settings)}-dynamodb-stream-failures`,
    );
  }
  resources[LogicalId.flattenFailuresQueue] = encryptedQueue(
    `${resourcePrefix(settings)}-s3-flatten-failures`,
  );
  resources.S3FlattenInvokeConfig = {
    Type: 'AWS::Lambda::EventInvokeConfig',
    Properties: {
      FunctionName: ref(LogicalId.s3FlattenFunction),
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: getAtt(LogicalId.flattenFailuresQueue, 'Arn') } },
    },
  };
  resources[LogicalId.s3FlattenPermission] = {
    Type: 'AWS::Lambda::Permission',
    Properties: {
      FunctionName: getAtt(LogicalId.s3FlattenFunction, 'Arn'),
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceAccount: ref('AWS::AccountId'),
      SourceArn: bucketArn(settings, 'raw'),
    },
  };
  return resources;
}

/** S3 notifications that send new change files and export data files to the flattener. */
export function rawBucketNotifications(): Cfn {
  const notify = (prefix: string, suffix: string): Cfn => ({
    Event: 's3:ObjectCreated:*',
    Filter: {
      S3Key: {
        Rules: [
          { Name: 'prefix', Value: prefix },
          { Name: 'suffix', Value: suffix },
        ],
      },
    },
    Function: getAtt(LogicalId.s3FlattenFunction, 'Arn'),
  });
  return {
    LambdaConfigurations: DynamoLayout.flattenerNotifications.map(({ prefix, suffix }) =>
      notify(prefix, suffix),
    ),
  };
}

function streamArns(pipeline: Pipeline, settings: StackSettings): Array<Cfn | string> {
  return captureSources(pipeline, settings).map((s) => s.streamArn);
}

export function dynamodbStreamStatements(pipeline: Pipeline, settings: StackSettings): Cfn[] {
  const statements: Cfn[] = [
    {
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: [bucketArn(settings, 'raw', `/${DynamoLayout.rawPrefix}*`)],
    },
  ];
  const streams = streamArns(pipeline, settings);
  if (streams.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      Resource: streams,
    });
    // ListStreams takes no resource: a stream ARN in its statement would never match
    statements.push({ Effect: 'Allow', Action: ['dynamodb:ListStreams'], Resource: ['*'] });
  }
  statements.push(
    settings.streamFailureDestination === 's3'
      ? {
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:ListBucket'],
          Resource: [bucketArn(settings, 'raw'), bucketArn(settings, 'raw', '/aws/lambda/*')],
        }
      : {
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: [getAtt(LogicalId.streamFailuresQueue, 'Arn')],
        },
  );
  if (settings.kmsKeyArn) {
    // change files and the on-failure records go to the raw bucket, encrypted with the stage's key
    statements.push({ Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: [settings.kmsKeyArn] });
  }
  return statements;
}

export function s3FlattenStatements(pipeline: Pipeline, settings: StackSettings): Cfn[] {
  const lakeTables = pipeline.dynamodb.flatMap((t) => [
    DynamoLayout.changesTable(t.name),
    DynamoLayout.snapshotTable(t.name),
  ]);
  const statements: Cfn[] = [
    {
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: [
        bucketArn(settings, 'raw', `/${DynamoLayout.rawPrefix}*`),
        bucketArn(settings, 'raw', `/${DynamoLayout.exportsPrefix}*`),
      ],
    },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(settings, 'raw')] },
    {
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: lakeTables.map((name) => bucketArn(settings, 'lake', `/lake/${name}/*`)),
    },
    {
      // quarantined lines stay beside their raw object (DynamoLayout.quarantineKey), and only
      // quarantine files: the raw objects themselves are never written or deleted
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: [DynamoLayout.rawPrefix, DynamoLayout.exportsPrefix].map((prefix) =>
        bucketArn(settings, 'raw', `/${prefix}*/_*${DynamoLayout.quarantineSuffix}`),
      ),
    },
    {
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [getAtt(LogicalId.flattenFailuresQueue, 'Arn')],
    },
  ];
  if (settings.kmsKeyArn) {
    statements.push({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [settings.kmsKeyArn],
    });
  }
  statements.push(...hashKeyStatements(pipeline, settings, 's3Flatten'));
  return statements;
}
