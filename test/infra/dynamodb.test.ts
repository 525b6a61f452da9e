import {
  CaptureConfigError,
  captureSources,
  dynamodbResources,
  dynamodbStreamStatements,
  dynamodbTableMap,
} from '../../src/infra/dynamodb';
import { readStackSettings } from '../../src/infra/settings';
import { ConfigError } from '../../src/lib/config/reader';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';

const pipeline = bundledPipeline();
const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:111122223333:table/app-users';
const STREAM_ARN = `${TABLE_ARN}/stream/2026-01-01T00:00:00.000`;
const settings = (extra: Record<string, unknown> = {}) =>
  readStackSettings({ service: 'tributary', stage: 'prod', ...extra });

describe('DynamoDB capture sources', () => {
  it('captures existing tables named in dynamodbSources, with their stream ARN', () => {
    const prod = settings({ dynamodbSources: { users: { tableArn: TABLE_ARN, streamArn: STREAM_ARN } } });
    expect(JSON.parse(dynamodbTableMap(pipeline, prod))).toEqual({ 'app-users': 'users' });
    const resources = dynamodbResources(pipeline, prod) as Record<string, any>;
    expect(resources.DynamodbStreamSourceUsers.Properties.EventSourceArn).toBe(STREAM_ARN);
    expect(resources.DemoTableUsers).toBeUndefined();
    expect(dynamodbStreamStatements(pipeline, prod)).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      Resource: [STREAM_ARN],
    });
  });

  it('prefers a configured table over the demo table', () => {
    const both = settings({
      demoTables: true,
      dynamodbSources: { users: { tableArn: TABLE_ARN, streamArn: STREAM_ARN } },
    });
    expect(captureSources(pipeline, both).map((s) => s.dynamoTableName)).toEqual(['app-users']);
  });

  it('can park failed batches in SQS instead of S3', () => {
    const sqs = settings({ demoTables: true, streamFailureDestination: 'sqs' });
    const resources = dynamodbResources(pipeline, sqs) as Record<string, any>;
    expect(resources.DynamodbStreamSourceUsers.Properties.DestinationConfig.OnFailure.Destination).toEqual({
      'Fn::GetAtt': ['DynamodbStreamFailuresQueue', 'Arn'],
    });
    expect(dynamodbStreamStatements(pipeline, sqs)).toContainEqual({
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [{ 'Fn::GetAtt': ['DynamodbStreamFailuresQueue', 'Arn'] }],
    });
  });

  it('refuses sources for tables the pipeline does not describe', () => {
    expect(() =>
      captureSources(
        pipeline,
        settings({ dynamodbSources: { orders: { tableArn: TABLE_ARN, streamArn: STREAM_ARN } } }),
      ),
    ).toThrow(CaptureConfigError);
  });

  it('checks source ARNs when reading params', () => {
    expect(() =>
      settings({ dynamodbSources: { users: { tableArn: 'users', streamArn: STREAM_ARN } } }),
    ).toThrow(ConfigError);
    expect(() =>
      settings({ dynamodbSources: { users: { tableArn: TABLE_ARN, streamArn: STREAM_ARN } } }),
    ).not.toThrow();
  });
});
