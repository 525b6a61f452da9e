import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { dynamodbResources } from '../../../../src/infra/dynamodb';
import { readStackSettings } from '../../../../src/infra/settings';
import { STREAM_FAILURE_PREFIX } from '../../../../src/infra/storage';
import { bundledPipeline } from '../../../../src/lib/pipeline/bundled';
import {
  LocalStreamMapping,
  ON_FAILURE_PREFIX,
  STREAM_MAPPING_DEFAULTS,
  type StreamMappingSettings,
} from '../../../../src/lib/standins/lambda/local-stream-mapping';
import { LocalObjectStore } from '../../../../src/lib/standins/s3/local-object-store';
import { getBytes } from '../../../../src/lib/storage/object-store';
import streamEvent from '../../../fixtures/events/dynamodb/stream-users.json';

const NOW = Date.UTC(2026, 10, 21, 9);
let root: string;
let store: LocalObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-stream-mapping-'));
  store = new LocalObjectStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** n changes in shard order, sequence numbers 1..n, made `ageSeconds` before NOW. */
function changes(n: number, ageSeconds = 60): DynamoDBRecord[] {
  const template = streamEvent.Records[0] as unknown as DynamoDBRecord;
  return Array.from({ length: n }, (_, i) => {
    const record = structuredClone(template);
    record.dynamodb!.SequenceNumber = String(i + 1);
    record.dynamodb!.ApproximateCreationDateTime = NOW / 1000 - ageSeconds;
    return record;
  });
}

const seqs = (records: readonly DynamoDBRecord[]) => records.map((r) => Number(r.dynamodb!.SequenceNumber));

function mapping(
  invoke: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>,
  settings: Partial<StreamMappingSettings> = {},
) {
  const sleeps: number[] = [];
  let id = 0;
  const instance = new LocalStreamMapping(
    { ...STREAM_MAPPING_DEFAULTS, ...settings },
    {
      invoke,
      destination: { store, bucket: 'raw-bucket' },
      functionArn: 'arn:aws:lambda:local:000000000000:function:tributary-local-dynamodbStream',
      mappingId: 'mapping-1',
      shardId: 'shardId-local-1',
      now: () => NOW,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      newId: () => `id-${++id}`,
    },
  );
  return { instance, sleeps };
}

describe('LocalStreamMapping', () => {
  it('plays the event source mapping with the settings the stack gives it, parking where the stack parks', () => {
    const settings = readStackSettings({ service: 'tributary', stage: 'prod', demoTables: true });
    const resources = dynamodbResources(bundledPipeline(), settings) as Record<string, any>;
    const mapping = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect({
      batchSize: mapping.Properties.BatchSize,
      maximumRetryAttempts: mapping.Properties.MaximumRetryAttempts,
      maximumRecordAgeSeconds: mapping.Properties.MaximumRecordAgeInSeconds,
      bisectBatchOnFunctionError: mapping.Properties.BisectBatchOnFunctionError,
      reportBatchItemFailures: mapping.Properties.FunctionResponseTypes.includes('ReportBatchItemFailures'),
    }).toEqual(STREAM_MAPPING_DEFAULTS);
    expect(mapping.Properties.DestinationConfig.OnFailure.Destination).toEqual({
      'Fn::GetAtt': ['RawBucket', 'Arn'],
    });
    expect(ON_FAILURE_PREFIX).toBe(STREAM_FAILURE_PREFIX);
  });

  it('bisects a batch whose invocation throws down to the change that fails, and parks it alone', async () => {
    const calls: number[][] = [];
    const { instance, sleeps } = mapping(async (event) => {
      calls.push(seqs(event.Records));
      if (seqs(event.Records).includes(5)) throw new TypeError('cannot read change 5');
      return { batchItemFailures: [] };
    });
    const outcome = await instance.process(changes(8));
    expect(seqs(outcome.delivered)).toEqual([1, 2, 3, 4, 6, 7, 8]);
    expect(
      outcome.parked.map((p) => ({ seqs: seqs(p.records), condition: p.condition, reason: p.reason })),
    ).toEqual([
      { seqs: [5], condition: 'RetryAttemptsExhausted', reason: 'TypeError: cannot read change 5' },
    ]);
    // 1-8 fails and splits; 1-4 goes through; 5-8 fails and splits; 5-6 fails and splits; 5 alone
    expect(calls.slice(0, 5)).toEqual([[1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4], [5, 6, 7, 8], [5, 6], [5]]);
    // a split costs no retry: the single change is retried MaximumRetryAttempts times
    expect(calls.filter((c) => c.length === 1 && c[0] === 5)).toHaveLength(
      1 + STREAM_MAPPING_DEFAULTS.maximumRetryAttempts,
    );
    expect(sleeps).toHaveLength(STREAM_MAPPING_DEFAULTS.maximumRetryAttempts);
  });

  it('retries from the lowest reported sequence number, the records before it done once', async () => {
    const calls: number[][] = [];
    const { instance } = mapping(async (event) => {
      calls.push(seqs(event.Records));
      return calls.length === 1
        ? { batchItemFailures: [{ itemIdentifier: '6' }, { itemIdentifier: '3' }] }
        : undefined;
    });
    const outcome = await instance.process(changes(8));
    expect(calls).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8],
      [3, 4, 5, 6, 7, 8],
    ]);
    expect(seqs(outcome.delivered)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(outcome.parked).toEqual([]);
  });

  it('parks what still fails when the retries run out, then moves on to the next batch', async () => {
    const { instance } = mapping(
      async (event) =>
        seqs(event.Records).includes(3)
          ? { batchItemFailures: [{ itemIdentifier: '3' }] }
          : { batchItemFailures: [] },
      { batchSize: 4, maximumRetryAttempts: 2 },
    );
    const outcome = await instance.process(changes(8));
    expect(seqs(outcome.delivered)).toEqual([1, 2, 5, 6, 7, 8]);
    expect(outcome.parked.map((p) => seqs(p.records))).toEqual([[3, 4]]);
    expect(outcome.parked[0]!.reason).toBe('the function reported change 3 as failed');
  });

  it('fails the whole batch when batchItemFailures names no record of it', async () => {
    const { instance } = mapping(async () => ({ batchItemFailures: [{ itemIdentifier: '' }] }), {
      maximumRetryAttempts: 0,
    });
    const outcome = await instance.process(changes(3));
    expect(outcome.delivered).toEqual([]);
    expect(outcome.parked.map((p) => seqs(p.records))).toEqual([[1, 2, 3]]);
  });

  it('parks records older than MaximumRecordAgeInSeconds without invoking the function', async () => {
    let invoked = 0;
    const { instance } = mapping(async () => {
      invoked++;
      return undefined;
    });
    const outcome = await instance.process(changes(2, 86_401));
    expect(invoked).toBe(0);
    expect(outcome.parked.map((p) => p.condition)).toEqual(['RecordAgeExceeded']);
  });

  it('writes the on-failure record in Lambda’s shape, the records in its payload, under aws/lambda/', async () => {
    const { instance } = mapping(
      async () => {
        throw new Error('boom');
      },
      { maximumRetryAttempts: 1, bisectBatchOnFunctionError: false },
    );
    const records = changes(2);
    const [parked] = (await instance.process(records)).parked;
    expect(parked!.key).toBe('aws/lambda/mapping-1/shardId-local-1/2026/11/21/2026-11-21T09.00.00-id-2');
    const document = JSON.parse((await getBytes(store, 'raw-bucket', parked!.key)).toString());
    expect(document).toEqual({
      requestContext: {
        requestId: 'id-1',
        functionArn: 'arn:aws:lambda:local:000000000000:function:tributary-local-dynamodbStream',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 2,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-11-21T09:00:00.000Z',
      DDBStreamBatchInfo: {
        shardId: 'shardId-local-1',
        startSequenceNumber: '1',
        endSequenceNumber: '2',
        approximateArrivalOfFirstRecord: '2026-11-21T08:59:00Z',
        approximateArrivalOfLastRecord: '2026-11-21T08:59:00Z',
        batchSize: 2,
        streamArn: records[0]!.eventSourceARN,
      },
      payload: JSON.stringify({ Records: records }),
    });
  });
});
