import { stackCostFacts } from '../../src/infra/cost-facts';
import { readStackSettings } from '../../src/infra/settings';
import { stackResources } from '../../src/infra/stack';
import { parsePipeline } from '../../src/lib/pipeline/pipeline';

const pipeline = parsePipeline({
  database: 'shop',
  streams: [
    {
      name: 'orders',
      eventTime: 'ordered_at',
      expect: { atLeastRecords: 1, per: '1h' },
      columns: [
        { name: 'order_id', type: 'string' },
        { name: 'ordered_at', type: 'timestamp' },
      ],
    },
  ],
  dynamodb: [
    {
      name: 'carts',
      keys: ['cart_id'],
      flatten: { hash: ['email'] },
      columns: [
        { name: 'cart_id', type: 'string' },
        { name: 'email', type: 'string' },
      ],
    },
  ],
  transforms: [],
  loads: [],
});

const serverless = {
  provider: { memorySize: 512 },
  functions: { firehoseTransform: {}, s3Flatten: { memorySize: 1024 } },
};

const settingsOf = (params: Record<string, unknown>) =>
  readStackSettings({ service: 'tributary', stage: 'prod', quietStreamAlarms: true, ...params });

describe('the stack facts the estimate prices', () => {
  it('reads the delivery stream’s buffering hints and its transform batch from the stack itself', () => {
    const facts = stackCostFacts(
      pipeline,
      settingsOf({ firehoseBufferSeconds: 600, firehoseBufferMB: 96 }),
      serverless,
      {
        region: 'ap-northeast-1',
        runsPerMonth: 30,
      },
    );
    expect(facts.firehose).toEqual({
      bufferMB: 96,
      bufferSeconds: 600,
      processorBufferMB: 1,
      processorBufferSeconds: 60,
      backupBufferMB: 64,
      backupBufferSeconds: 600,
    });
    expect(facts).toMatchObject({ region: 'ap-northeast-1', runsPerMonth: 30 });
  });

  it('reads the buckets’ lifecycle rules: raw expiry, IA after 30 days, private copies sooner, old versions', () => {
    const facts = stackCostFacts(
      pipeline,
      settingsOf({ rawRetentionDays: 365, privateRawRetentionDays: 7 }),
      serverless,
      {
        region: 'us-east-1',
        runsPerMonth: 0,
      },
    );
    expect(facts.lifecycle.raw).toEqual(
      expect.arrayContaining([
        { prefix: '', noncurrentDays: 30 },
        { prefix: '', expirationDays: 365 },
        { prefix: '', transitionToIaDays: 30 },
        { prefix: 'raw/dynamodb/carts/', expirationDays: 7, noncurrentDays: 1 },
      ]),
    );
    expect(facts.lifecycle.lake).toEqual(expect.arrayContaining([{ prefix: 'errors/', expirationDays: 30 }]));
    expect(facts.runsPerMonth).toBe(0);
  });

  it('takes the stream mapping’s batching window from the mapping the stack creates', () => {
    const tableArn = 'arn:aws:dynamodb:us-east-1:111122223333:table/app-carts';
    const settings = settingsOf({
      dynamodbSources: { carts: { tableArn, streamArn: `${tableArn}/stream/2026-01-01T00:00:00.000` } },
    });
    const facts = stackCostFacts(pipeline, settings, serverless, {
      region: 'us-east-1',
      runsPerMonth: 30,
    });
    const mappings = Object.values(stackResources(pipeline, settings).Resources).filter(
      (r) => (r as { Type?: string }).Type === 'AWS::Lambda::EventSourceMapping',
    ) as { Properties: { MaximumBatchingWindowInSeconds: number; BatchSize: number } }[];
    expect(mappings).toHaveLength(1);
    expect(facts.streamBatchingWindowSeconds).toBe(mappings[0]!.Properties.MaximumBatchingWindowInSeconds);
    expect(facts.streamBatchSize).toBe(mappings[0]!.Properties.BatchSize);
  });

  it('counts the alarms, secrets and keys the stack makes or names, and memory as serverless.yml gives it', () => {
    const settings = settingsOf({
      loaderSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:bi-AbCdEf',
      kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    const facts = stackCostFacts(pipeline, settings, serverless, {
      region: 'us-east-1',
      runsPerMonth: 30,
    });
    const resources = Object.values(stackResources(pipeline, settings).Resources) as { Type?: string }[];
    expect(facts.alarms).toBe(resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length);
    expect(facts.alarms).toBeGreaterThan(0);
    // the generated hash key secret and the BI database's
    expect(facts.secrets).toBe(2);
    expect(facts).toMatchObject({ kmsKeys: 1, bucketsUseKms: true, loads: true });
    expect(facts.lambdaMemoryMB).toEqual({ firehoseTransform: 512, s3Flatten: 1024 });
  });
});
