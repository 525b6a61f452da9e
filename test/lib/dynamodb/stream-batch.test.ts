import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { DynamoDBRecord } from 'aws-lambda';
import {
  PoisonChangeError,
  parseStreamArn,
  UnknownSourceTableError,
  writeStreamBatch,
} from '../../../src/lib/dynamodb/stream-batch';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { getBytes, listKeys, type ObjectStore } from '../../../src/lib/storage/object-store';
import streamEvent from '../../fixtures/events/dynamodb/stream-users.json';

const TABLES = new Map([['tributary-dev-users', 'users']]);
let root: string;
let store: LocalObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-stream-'));
  store = new LocalObjectStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const records = (): DynamoDBRecord[] => structuredClone(streamEvent.Records) as unknown as DynamoDBRecord[];
const EXPECTED_KEY =
  'raw/dynamodb/users/dt=2026-11-20/20261101T000000000-4000000000000000000001-4000000000000000000004.ndjson.gz';

async function lines(key: string): Promise<any[]> {
  return gunzipSync(await getBytes(store, 'raw-bucket', key))
    .toString()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('writeStreamBatch', () => {
  it('writes the batch as one gzip NDJSON change file named by its sequence numbers', async () => {
    const outcome = await writeStreamBatch(records(), {
      store,
      rawBucket: 'raw-bucket',
      tables: TABLES,
      lakeStartDate: '2024-01-01',
    });
    expect(outcome).toMatchObject({ key: EXPECTED_KEY, written: 4, response: { batchItemFailures: [] } });
    const written = await lines(EXPECTED_KEY);
    expect(written.map((l) => l.eventName)).toEqual(['INSERT', 'INSERT', 'MODIFY', 'REMOVE']);
    expect(written[2]).toEqual({
      eventName: 'MODIFY',
      eventID: streamEvent.Records[2]!.eventID,
      sequenceNumber: '4000000000000000000003',
      approximateCreationTime: streamEvent.Records[2]!.dynamodb.ApproximateCreationDateTime,
      keys: streamEvent.Records[2]!.dynamodb.Keys,
      newImage: streamEvent.Records[2]!.dynamodb.NewImage,
      oldImage: streamEvent.Records[2]!.dynamodb.OldImage,
    });
  });

  it('files changes made before the lake starts under its first day, the same file on every retry', async () => {
    // a newly captured table's stream is read from its trim horizon: up to a day of older changes
    const dependencies = { store, rawBucket: 'raw-bucket', tables: TABLES, lakeStartDate: '2026-11-21' };
    const first = await writeStreamBatch(records(), {
      ...dependencies,
      now: () => Date.UTC(2026, 10, 21, 9),
    });
    const retry = await writeStreamBatch(records(), {
      ...dependencies,
      now: () => Date.UTC(2026, 10, 23, 9),
    });
    const key = EXPECTED_KEY.replace('dt=2026-11-20', 'dt=2026-11-21');
    expect(first).toMatchObject({ key, written: 4, outOfRange: 4 });
    expect(retry.key).toBe(key);
    expect(await listKeys(store, 'raw-bucket', 'raw/')).toEqual([key]);
    expect((await lines(key)).map((l) => l.approximateCreationTime)).toEqual(
      streamEvent.Records.map((r) => r.dynamodb.ApproximateCreationDateTime),
    );
  });

  it('overwrites its own file when the same batch is delivered again', async () => {
    await writeStreamBatch(records(), {
      store,
      rawBucket: 'raw-bucket',
      tables: TABLES,
      lakeStartDate: '2024-01-01',
    });
    await writeStreamBatch(records(), {
      store,
      rawBucket: 'raw-bucket',
      tables: TABLES,
      lakeStartDate: '2024-01-01',
    });
    expect(await listKeys(store, 'raw-bucket', 'raw/')).toEqual([EXPECTED_KEY]);
  });

  it('reports the first bad record so Lambda retries from it, and writes only what came before', async () => {
    const batch = records();
    (batch[2] as any).eventName = 'UPSERT';
    const outcome = await writeStreamBatch(batch, {
      store,
      rawBucket: 'raw-bucket',
      tables: TABLES,
      lakeStartDate: '2024-01-01',
    });
    expect(outcome.response).toEqual({ batchItemFailures: [{ itemIdentifier: '4000000000000000000003' }] });
    expect(outcome.failure!.reason).toContain('eventName must be INSERT, MODIFY or REMOVE');
    expect(outcome.key).toBe(
      'raw/dynamodb/users/dt=2026-11-20/20261101T000000000-4000000000000000000001-4000000000000000000002.ndjson.gz',
    );
    expect((await lines(outcome.key!)).map((l) => l.sequenceNumber)).toEqual([
      '4000000000000000000001',
      '4000000000000000000002',
    ]);
  });

  it('throws when the first record is bad, so the event source mapping splits the batch down to it', async () => {
    const batch = records();
    delete (batch[0]!.dynamodb as any).NewImage;
    const written = writeStreamBatch(batch, {
      store,
      rawBucket: 'raw-bucket',
      tables: TABLES,
      lakeStartDate: '2024-01-01',
    });
    await expect(written).rejects.toThrow(PoisonChangeError);
    await expect(written).rejects.toThrow(/change 4000000000000000000001: .*NEW_AND_OLD_IMAGES/);
    expect(await listKeys(store, 'raw-bucket', '')).toEqual([]);
  });

  it('fails the batch for a table this stage does not capture', async () => {
    const batch = records().map((r) => ({
      ...r,
      eventSourceARN: r.eventSourceARN!.replace('tributary-dev-users', 'orders'),
    }));
    await expect(
      writeStreamBatch(batch, {
        store,
        rawBucket: 'raw-bucket',
        tables: TABLES,
        lakeStartDate: '2024-01-01',
      }),
    ).rejects.toThrow(UnknownSourceTableError);
  });

  it('throws when S3 refuses the write, so the whole batch is retried', async () => {
    const failing: ObjectStore = {
      ...store,
      put: async () => Promise.reject(new Error('SlowDown')),
      get: store.get,
      list: store.list,
      delete: store.delete,
    };
    await expect(
      writeStreamBatch(records(), {
        store: failing,
        rawBucket: 'raw-bucket',
        tables: TABLES,
        lakeStartDate: '2024-01-01',
      }),
    ).rejects.toThrow('SlowDown');
  });

  it('returns nothing to retry for an empty batch', async () => {
    expect(
      (
        await writeStreamBatch([], {
          store,
          rawBucket: 'raw-bucket',
          tables: TABLES,
          lakeStartDate: '2024-01-01',
        })
      ).response,
    ).toEqual({ batchItemFailures: [] });
  });
});

describe('parseStreamArn', () => {
  it('reads the table name and stream label', () => {
    expect(
      parseStreamArn(
        'arn:aws:dynamodb:eu-west-1:123456789012:table/app-users/stream/2026-01-01T00:00:00.000',
      ),
    ).toEqual({
      table: 'app-users',
      label: '2026-01-01T00:00:00.000',
    });
  });
});
