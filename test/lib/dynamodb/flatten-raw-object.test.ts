import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DynamoDBRecord } from 'aws-lambda';
import { flattenRawObject } from '../../../src/lib/dynamodb/flatten-raw-object';
import { DynamoLayout } from '../../../src/lib/dynamodb/layout';
import { writeStreamBatch } from '../../../src/lib/dynamodb/stream-batch';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { userItem, userStreamRecord } from '../../../src/lib/samples/users';
import { DuckDb, sqlString } from '../../../src/lib/standins/athena/duckdb';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { getBytes, listKeys } from '../../../src/lib/storage/object-store';

const STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:123456789012:table/tributary-test-users/stream/2026-01-01T00:00:00.000';
const pipeline = bundledPipeline();
let root: string;
let store: LocalObjectStore;
let duck: DuckDb;

beforeAll(async () => {
  duck = await DuckDb.open();
});
afterAll(() => duck.close());
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-ddb-'));
  store = new LocalObjectStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const dependencies = () => ({ store, lakeBucket: 'lake-bucket', pipeline, hashKey: async () => 'test-key' });

function streamRecords(): DynamoDBRecord[] {
  const time = Date.UTC(2026, 10, 20, 10);
  const at = (i: number) => ({ sequence: 1000n + BigInt(i), time: time + i * 1000, streamArn: STREAM_ARN });
  return [
    userStreamRecord(1, 0, at(0)),
    userStreamRecord(2, 0, at(1)),
    userStreamRecord(1, 1, at(2)),
    userStreamRecord(2, 1, { ...at(3), remove: true }),
  ] as unknown as DynamoDBRecord[];
}

async function writeChanges(records = streamRecords()): Promise<string> {
  const outcome = await writeStreamBatch(records, {
    store,
    rawBucket: 'raw-bucket',
    tables: new Map([['tributary-test-users', 'users']]),
    lakeStartDate: '2024-01-01',
  });
  return outcome.key!;
}

async function rows(key: string) {
  const path = sqlString(join(root, 'lake-bucket', key));
  return (await duck.query(`SELECT * FROM read_parquet(${path}) ORDER BY _seq`)).rows;
}

describe('flattenRawObject', () => {
  it('turns a change file into typed Parquet rows with keys and change metadata first', async () => {
    const key = await writeChanges();
    expect(key).toBe('raw/dynamodb/users/dt=2026-11-20/20260101T000000000-1000-1003.ndjson.gz');
    const outcome = await flattenRawObject('raw-bucket', key, dependencies());
    expect(outcome).toMatchObject({
      status: 'flattened',
      outputKey: 'lake/users_changes/dt=2026-11-20/20260101T000000000-1000-1003.parquet',
      rows: 4,
      quarantined: 0,
    });
    const described = await duck.query(
      `DESCRIBE SELECT * FROM read_parquet(${sqlString(join(root, 'lake-bucket', (outcome as { outputKey: string }).outputKey))})`,
    );
    expect(described.rows.slice(0, 6).map((r) => [r.column_name, r.column_type])).toEqual([
      ['user_id', 'VARCHAR'],
      ['_op', 'VARCHAR'],
      ['_seq', 'VARCHAR'],
      ['_event_time', 'TIMESTAMP'],
      ['_deleted', 'BOOLEAN'],
      ['email', 'VARCHAR'],
    ]);
    const result = await rows((outcome as { outputKey: string }).outputKey);
    expect(result.map((r) => [r.user_id, r._op, r._deleted])).toEqual([
      ['u_000001', 'INSERT', false],
      ['u_000002', 'INSERT', false],
      ['u_000001', 'MODIFY', false],
      ['u_000002', 'REMOVE', true],
    ]);
    const item = userItem(1, 1) as Record<string, any>;
    expect(result[2]).toMatchObject({
      _seq: '0000000000000000000000000000000000001002',
      _event_time: '2026-11-20 10:00:02',
      lifetime_value: item.lifetimeValue.N,
      age: Number(item.age.N),
      tags: JSON.stringify(item.tags.SS),
      scores: `[${item.scores.NS.join(',')}]`,
      badges: JSON.stringify(item.badges.BS),
      avatar: item.avatar.B,
      address__city: item.address.M.city.S,
      address__geo__lat: Number(item.address.M.geo.M.lat.N),
      deleted_at: null,
      plan__seats: Number(item.plan.M.seats.N),
      _extra: null,
    });
    expect(result[2]!.email).toMatch(/^[0-9a-f]{64}$/);
    // a delete carries the item as it was before it went
    expect(result[3]!.display_name).toBe((userItem(2, 0) as any).displayName.S);
  });

  it('keeps every digit of 38-digit numbers', async () => {
    const record = streamRecords()[0] as any;
    record.dynamodb.NewImage.lifetimeValue = { N: '1234567890123456789012345678.1234567891' };
    const output = await flattenRawObject('raw-bucket', await writeChanges([record]), dependencies());
    expect((await rows((output as { outputKey: string }).outputKey))[0]!.lifetime_value).toBe(
      '1234567890123456789012345678.1234567891',
    );
  });

  it('keeps attributes the table does not declare in _extra', async () => {
    const record = streamRecords()[0] as any;
    record.dynamodb.NewImage.referrer = { M: { campaign: { S: 'winter' } } };
    const output = await flattenRawObject('raw-bucket', await writeChanges([record]), dependencies());
    expect((await rows((output as { outputKey: string }).outputKey))[0]!._extra).toBe(
      '{"referrer__campaign":"winter"}',
    );
  });

  it('quarantines bad lines with line number and reason, and keeps the rest', async () => {
    const good = JSON.stringify({
      eventName: 'INSERT',
      eventID: 'e',
      sequenceNumber: '5',
      approximateCreationTime: 1795165200,
      keys: { user_id: { S: 'u' } },
      newImage: { user_id: { S: 'u' }, age: { N: '7' } },
    });
    const lines = [
      good,
      '{"eventName":"INSERT"',
      good.replace('"N":"7"', '"N":"seven"'),
      good.replace('"N":"7"', '"N":"99999999999"'),
      'null',
      good,
    ];
    await store.put(
      'raw-bucket',
      'raw/dynamodb/users/dt=2026-11-20/x-5-5.ndjson.gz',
      gzipSync(lines.join('\n')),
    );
    const outcome = await flattenRawObject(
      'raw-bucket',
      'raw/dynamodb/users/dt=2026-11-20/x-5-5.ndjson.gz',
      dependencies(),
    );
    expect(outcome).toMatchObject({
      rows: 2,
      quarantined: 4,
      quarantineKey: 'raw/dynamodb/users/dt=2026-11-20/_x-5-5.quarantine.ndjson',
    });
    const quarantined = (
      await getBytes(store, 'raw-bucket', 'raw/dynamodb/users/dt=2026-11-20/_x-5-5.quarantine.ndjson')
    )
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(quarantined.map((q) => q.line)).toEqual([2, 3, 4, 5]);
    expect(quarantined[0].reason).toContain('invalid JSON');
    expect(quarantined[1].reason).toContain('N must be a number');
    expect(quarantined[2].reason).toContain('Column age: cannot store 99999999999 as int');
    expect(quarantined[1].raw).toBe(lines[2]);
    expect(new Set(quarantined.map((q) => q.source))).toEqual(
      new Set(['raw/dynamodb/users/dt=2026-11-20/x-5-5.ndjson.gz']),
    );
  });

  it.each([
    [
      'a change file',
      'raw/dynamodb/users/dt=2026-11-20/q-7-7.ndjson.gz',
      'raw/dynamodb/users/dt=2026-11-20/_q-7-7.quarantine.ndjson',
    ],
    [
      'an export data file',
      'exports/dynamodb/users/dt=2026-11-20/exported_at=20261121T000000Z/AWSDynamoDB/01700000000000-abcdef12/data/q7.json.gz',
      'exports/dynamodb/users/dt=2026-11-20/exported_at=20261121T000000Z/AWSDynamoDB/01700000000000-abcdef12/data/_q7.quarantine.ndjson',
    ],
  ])(
    'keeps the clear text of a quarantined line of %s beside it in the raw bucket, never in the lake',
    async (_kind, key, quarantineKey) => {
      const secret = 'grace.hopper@example.org';
      const line = key.startsWith('raw/')
        ? JSON.stringify({
            eventName: 'INSERT',
            eventID: 'e',
            sequenceNumber: '7',
            approximateCreationTime: 1795165200,
            keys: { user_id: { S: 'u7' } },
            newImage: { user_id: { S: 'u7' }, email: { S: secret }, age: { N: 'not a number' } },
          })
        : JSON.stringify({
            Item: { user_id: { S: 'u7' }, email: { S: secret }, age: { N: 'not a number' } },
          });
      await store.put('raw-bucket', key, gzipSync(line));
      const outcome = await flattenRawObject('raw-bucket', key, dependencies());
      expect(outcome).toMatchObject({ quarantined: 1, quarantineKey });
      expect((await getBytes(store, 'raw-bucket', quarantineKey)).toString()).toContain(secret);
      const lakeFiles = await listKeys(store, 'lake-bucket', 'lake/');
      for (const file of lakeFiles)
        expect((await getBytes(store, 'lake-bucket', file)).toString('latin1')).not.toContain(secret);
      expect(lakeFiles.filter((file) => file.endsWith('.quarantine.ndjson'))).toEqual([]);
    },
  );

  it('names quarantine files so no flattener notification filter matches them', () => {
    for (const key of [
      'raw/dynamodb/users/dt=2026-11-20/q-7-7.ndjson.gz',
      'exports/dynamodb/users/dt=2026-11-20/exported_at=20261121T000000Z/AWSDynamoDB/0170-ab/data/q7.json.gz',
    ]) {
      const source = DynamoLayout.classify(key);
      if (source.kind === 'other') throw new Error(`${key} is a raw object`);
      const quarantine = DynamoLayout.quarantineKey(source);
      const notified = DynamoLayout.flattenerNotifications.filter(
        (f) => quarantine.startsWith(f.prefix) && quarantine.endsWith(f.suffix),
      );
      expect({ quarantine, notified }).toEqual({ quarantine, notified: [] });
      expect(DynamoLayout.classify(quarantine).kind).toBe('other');
    }
  });

  it('replaces its own output when the same object is processed again, and clears a stale quarantine', async () => {
    const key = await writeChanges();
    const first = (await flattenRawObject('raw-bucket', key, dependencies())) as { outputKey: string };
    const bytes = await getBytes(store, 'lake-bucket', first.outputKey);
    const stale = 'raw/dynamodb/users/dt=2026-11-20/_20260101T000000000-1000-1003.quarantine.ndjson';
    await store.put('raw-bucket', stale, 'old');
    await flattenRawObject('raw-bucket', key, dependencies());
    expect(await listKeys(store, 'lake-bucket', 'lake/users_changes/')).toEqual([first.outputKey]);
    expect(await listKeys(store, 'raw-bucket', 'raw/dynamodb/users/')).toEqual([key]);
    expect((await getBytes(store, 'lake-bucket', first.outputKey)).equals(bytes)).toBe(true);
  });

  it('writes export data files to the snapshot table', async () => {
    const key =
      'exports/dynamodb/users/dt=2026-11-20/exported_at=20261121T000000Z/AWSDynamoDB/01700000000000-abcdef12/data/xyz123.json.gz';
    const lines = [1, 2, 3].map((i) => JSON.stringify({ Item: userItem(i) }));
    await store.put('raw-bucket', key, gzipSync(lines.join('\n')));
    const outcome = (await flattenRawObject('raw-bucket', key, dependencies())) as {
      outputKey: string;
      rows: number;
    };
    expect(outcome.outputKey).toBe(
      'lake/users_snapshot/dt=2026-11-20/01700000000000-abcdef12-xyz123.parquet',
    );
    const result = await rows(outcome.outputKey);
    expect(result.map((r) => [r.user_id, r._op, r._seq, r._event_time, r._deleted])).toEqual([
      ['u_000001', 'SNAPSHOT', null, '2026-11-21 00:00:00', false],
      ['u_000002', 'SNAPSHOT', null, '2026-11-21 00:00:00', false],
      ['u_000003', 'SNAPSHOT', null, '2026-11-21 00:00:00', false],
    ]);
  });

  it.each([
    [
      'exports/dynamodb/users/dt=2026-11-20/exported_at=20261121T000000Z/AWSDynamoDB/01700000000000-abcdef12/manifest-summary.json',
    ],
    ['raw/dynamodb/users/dt=2026-11-20/../../../../etc/passwd.ndjson.gz'],
    ['somewhere/else.txt'],
  ])('skips %j, which is neither a change file nor export data', async (key) => {
    expect(await flattenRawObject('raw-bucket', key, dependencies())).toMatchObject({ status: 'skipped' });
  });

  it('skips a table the pipeline does not describe, leaving the object where it is', async () => {
    expect(
      await flattenRawObject(
        'raw-bucket',
        'raw/dynamodb/orders/dt=2026-11-20/a-1-2.ndjson.gz',
        dependencies(),
      ),
    ).toMatchObject({
      status: 'skipped',
      reason: 'table orders is not in the pipeline description',
    });
  });

  it('throws when the object cannot be read, so the invocation is retried', async () => {
    await expect(
      flattenRawObject(
        'raw-bucket',
        'raw/dynamodb/users/dt=2026-11-20/missing-1-2.ndjson.gz',
        dependencies(),
      ),
    ).rejects.toThrow('No object');
    await store.put(
      'raw-bucket',
      'raw/dynamodb/users/dt=2026-11-20/corrupt-1-2.ndjson.gz',
      Buffer.from('not gzip at all'),
    );
    await expect(
      flattenRawObject(
        'raw-bucket',
        'raw/dynamodb/users/dt=2026-11-20/corrupt-1-2.ndjson.gz',
        dependencies(),
      ),
    ).rejects.toThrow(/incorrect header check/);
  });
});
