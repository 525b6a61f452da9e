import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, S3Event } from 'aws-lambda';
import { DuckDb, sqlString } from '../../src/lib/standins/athena/duckdb';
import { encodeS3EventKey } from '../../src/lib/storage/s3-event-key';
import streamEvent from '../fixtures/events/dynamodb/stream-users.json';
import objectCreated from '../fixtures/events/s3/object-created.json';
import { loadHandler } from '../support/handlers';
import { type S3Server, startS3Server } from '../support/s3-server';

const RAW = 'tributary-test-raw';
const LAKE = 'tributary-test-lake';
let s3: S3Server;
let scratch: string;

beforeAll(async () => {
  s3 = await startS3Server([RAW, LAKE]);
  scratch = await mkdtemp(join(tmpdir(), 'tributary-capture-'));
});
afterAll(async () => {
  await s3.stop();
  await rm(scratch, { recursive: true, force: true });
});

const env = () => ({
  ...s3.env,
  TRIBUTARY_LOCAL_ROOT: undefined,
  TRIBUTARY_RAW_BUCKET: RAW,
  TRIBUTARY_LAKE_BUCKET: LAKE,
  TRIBUTARY_DYNAMODB_TABLES: JSON.stringify({ 'tributary-dev-users': 'users' }),
  TRIBUTARY_LAKE_START_DATE: '2024-01-01',
  TRIBUTARY_HASH_KEY: 'test-key',
});

/** The S3 notification S3 would send for an object, built from the real event JSON. */
function notification(bucket: string, key: string, eventName = 'ObjectCreated:Put'): S3Event {
  const event = structuredClone(objectCreated) as S3Event;
  const record = event.Records[0]!;
  record.eventName = eventName as never;
  record.s3.bucket.name = bucket;
  record.s3.object.key = encodeS3EventKey(key);
  return event;
}

async function readParquet(key: string) {
  const response = await s3.client.send(new GetObjectCommand({ Bucket: LAKE, Key: key }));
  const path = join(scratch, `${Math.random().toString(36).slice(2)}.parquet`);
  await writeFile(path, await response.Body!.transformToByteArray());
  const duck = await DuckDb.open();
  try {
    return (await duck.query(`SELECT * FROM read_parquet(${sqlString(path)}) ORDER BY _seq`)).rows;
  } finally {
    duck.close();
  }
}

describe('DynamoDB capture over real S3 calls', () => {
  it('takes a stream batch to a change file and the change file to typed Parquet', async () => {
    const streamHandler = await loadHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>(
      () => import('../../src/handlers/dynamodb-stream'),
      env(),
    );
    expect(await streamHandler(structuredClone(streamEvent) as DynamoDBStreamEvent)).toEqual({
      batchItemFailures: [],
    });
    const created = s3.events.filter((e) => e.bucket === RAW);
    expect(created.map((e) => e.key)).toEqual([
      'raw/dynamodb/users/dt=2026-11-20/20261101T000000000-4000000000000000000001-4000000000000000000004.ndjson.gz',
    ]);

    const flattenHandler = await loadHandler<S3Event, void>(
      () => import('../../src/handlers/s3-flatten'),
      env(),
    );
    await flattenHandler(notification(RAW, created[0]!.key));
    const rows = await readParquet(
      'lake/users_changes/dt=2026-11-20/20261101T000000000-4000000000000000000001-4000000000000000000004.parquet',
    );
    expect(rows.map((r) => [r.user_id, r._op, r._deleted])).toEqual([
      ['u_000001', 'INSERT', false],
      ['u_000002', 'INSERT', false],
      ['u_000001', 'MODIFY', false],
      ['u_000002', 'REMOVE', true],
    ]);
  });

  it('decodes URL-encoded keys with spaces, plus signs and non-ASCII', async () => {
    const streamHandler = await loadHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>(
      () => import('../../src/handlers/dynamodb-stream'),
      env(),
    );
    await streamHandler(structuredClone(streamEvent) as DynamoDBStreamEvent);
    const source =
      'raw/dynamodb/users/dt=2026-11-20/20261101T000000000-4000000000000000000001-4000000000000000000004.ndjson.gz';
    const odd = 'raw/dynamodb/users/dt=2026-11-20/manual fix+1 日本.ndjson.gz';
    const original = await s3.client.send(new GetObjectCommand({ Bucket: RAW, Key: source }));
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await s3.client.send(
      new PutObjectCommand({ Bucket: RAW, Key: odd, Body: await original.Body!.transformToByteArray() }),
    );
    const flattenHandler = await loadHandler<S3Event, void>(
      () => import('../../src/handlers/s3-flatten'),
      env(),
    );
    await flattenHandler(notification(RAW, odd));
    expect(await readParquet('lake/users_changes/dt=2026-11-20/manual fix+1 日本.parquet')).toHaveLength(4);
  });

  it('ignores notifications that are not object creations', async () => {
    const flattenHandler = await loadHandler<S3Event, void>(
      () => import('../../src/handlers/s3-flatten'),
      env(),
    );
    await expect(
      flattenHandler(
        notification(RAW, 'raw/dynamodb/users/dt=2026-11-20/gone.ndjson.gz', 'ObjectRemoved:Delete'),
      ),
    ).resolves.toBeUndefined();
  });

  it('throws when the object is not there, so Lambda retries and then parks the event', async () => {
    const flattenHandler = await loadHandler<S3Event, void>(
      () => import('../../src/handlers/s3-flatten'),
      env(),
    );
    await expect(
      flattenHandler(notification(RAW, 'raw/dynamodb/users/dt=2026-11-20/missing.ndjson.gz')),
    ).rejects.toThrow('No object');
  });

  it('refuses to start with an unresolved bucket name, explaining how to run locally', async () => {
    await expect(
      loadHandler(() => import('../../src/handlers/s3-flatten'), {
        ...env(),
        TRIBUTARY_LAKE_BUCKET: 'tributary-dev-lake-#{AWS::AccountId}-#{AWS::Region}',
      }),
    ).rejects.toThrow('set TRIBUTARY_LOCAL_ROOT to run locally');
  });
});
