import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DynamoDBRecord } from 'aws-lambda';
import { mapToJson } from '../../../src/lib/dynamodb/attribute-value';
import { ChangeLineFlattener } from '../../../src/lib/dynamodb/change-line-flattener';
import { flattenRawObject, RawObjectError } from '../../../src/lib/dynamodb/flatten-raw-object';
import { ImageFlattener } from '../../../src/lib/dynamodb/image-flattener';
import { writeStreamBatch } from '../../../src/lib/dynamodb/stream-batch';
import { encodeFlatRow, flattenDocument } from '../../../src/lib/flattening/flatten';
import { FlattenPlan } from '../../../src/lib/flattening/plan';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { userItem } from '../../../src/lib/samples/users';
import { DuckDb, sqlString } from '../../../src/lib/standins/athena/duckdb';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { getBytes, listKeys } from '../../../src/lib/storage/object-store';

const pipeline = bundledPipeline();
const CHANGE_KEY = 'raw/dynamodb/users/dt=2026-11-20/s-1-9.ndjson.gz';
const OUTPUT_KEY = 'lake/users_changes/dt=2026-11-20/s-1-9.parquet';
const QUARANTINE_KEY = 'raw/dynamodb/users/dt=2026-11-20/_s-1-9.quarantine.ndjson';
const EXPORT_KEY =
  'exports/dynamodb/users/dt=2026-11-20/exported_at=20261121T000000Z/AWSDynamoDB/01234-abcd/data/part-0.json.gz';
let root: string;
let store: LocalObjectStore;
let duck: DuckDb;

beforeAll(async () => {
  duck = await DuckDb.open();
});
afterAll(() => duck.close());
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-hostile-'));
  store = new LocalObjectStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const dependencies = () => ({ store, lakeBucket: 'lake-bucket', pipeline, hashKey: async () => 'test-key' });

function changeLine(newImage: Record<string, unknown>, sequence = 1): string {
  return JSON.stringify({
    eventName: 'INSERT',
    eventID: 'e',
    sequenceNumber: String(sequence),
    approximateCreationTime: 1795167000,
    keys: { user_id: newImage.user_id ?? { S: 'missing' } },
    newImage,
  });
}

async function flattenLines(lines: Array<string | Buffer>) {
  const body = Buffer.concat(lines.flatMap((line) => [Buffer.from(line), Buffer.from('\n')]));
  await store.put('raw-bucket', CHANGE_KEY, gzipSync(body));
  return flattenRawObject('raw-bucket', CHANGE_KEY, dependencies());
}

async function lakeRows() {
  const path = sqlString(join(root, 'lake-bucket', OUTPUT_KEY));
  return (await duck.query(`SELECT * FROM read_parquet(${path}) ORDER BY _seq`)).rows;
}

async function quarantined(): Promise<Array<Record<string, any>>> {
  return (await getBytes(store, 'raw-bucket', QUARANTINE_KEY))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

function nestedMap(levels: number): unknown {
  let value: unknown = { S: 'leaf' };
  for (let i = 0; i < levels; i++) value = { M: { n: value } };
  return value;
}

describe('DynamoDB capture under hostile input', () => {
  it('keeps an empty map in its column and in _extra, as empty lists are kept', async () => {
    const item = { ...userItem(1), devices: { M: {} }, preferences: { M: {} }, labels: { L: [] } };
    const outcome = await flattenLines([changeLine(item)]);
    expect(outcome).toMatchObject({ rows: 1, quarantined: 0 });
    const [row] = await lakeRows();
    expect(row!.devices).toBe('{}');
    expect(JSON.parse(row!._extra as string)).toEqual({ preferences: '{}', labels: '[]' });
  });

  it('keeps an empty map on the fast and the reference path alike', () => {
    const plan = new FlattenPlan({ keyColumns: ['id'] });
    const item = { id: { S: 'k' }, a: { M: {} }, b: { M: { c: { M: {} } } } };
    const expected = '{"id":"k","a":"{}","b__c":"{}"}';
    expect(encodeFlatRow(flattenDocument(mapToJson(item), plan).row)).toBe(expected);
    expect(encodeFlatRow(new ImageFlattener(plan).flattenFast(item)!)).toBe(expected);
    const line = Buffer.from(changeLine(item as Record<string, unknown>));
    expect(encodeFlatRow(new ChangeLineFlattener(plan).readFast(line, false)!.cells)).toBe(expected);
  });

  it('quarantines a number with more decimal places than its decimal column instead of rounding it', async () => {
    const rounded = { ...userItem(1), lifetime_value: { N: '1.00000000005' } };
    const exact = { ...userItem(2), lifetime_value: { N: '2.5000000000000' } };
    const outcome = await flattenLines([changeLine(rounded, 1), changeLine(exact, 2)]);
    expect(outcome).toMatchObject({ rows: 1, quarantined: 1 });
    expect((await lakeRows())[0]!.lifetime_value).toBe('2.5000000000');
    expect((await quarantined())[0]!.reason).toContain('cannot store 1.00000000005 as decimal(38,10)');
  });

  it('quarantines a string that is not valid UTF-8, keeping the line byte for byte', async () => {
    const good = changeLine({ ...userItem(1) }, 1);
    const text = changeLine({ ...userItem(2), display_name: { S: 'Ad@' } }, 2);
    const at = Buffer.from(text).indexOf('Ad@') + 2;
    const bad = Buffer.from(text);
    bad[at] = 0xff;
    const outcome = await flattenLines([good, bad]);
    expect(outcome).toMatchObject({ rows: 1, quarantined: 1 });
    const [entry] = await quarantined();
    expect(entry!.reason).toContain('not valid UTF-8');
    expect(Buffer.from(entry!.rawBase64, 'base64').equals(bad)).toBe(true);
  });

  it('keeps quarantined lines that are valid UTF-8 byte for byte as text', async () => {
    const line = `${changeLine({ ...userItem(1), age: { N: 'x' } }).slice(0, -1)} , "note" : "caf\\u00e9\u2028"}`;
    await flattenLines([line]);
    expect((await quarantined())[0]!.raw).toBe(line);
  });

  it.each([
    [
      'a timestamp finer than milliseconds',
      { createdAt: { S: '2026-11-20T09:15:02.123456Z' } },
      'created_at',
      'finer than milliseconds',
    ],
    [
      'an epoch timestamp in nanoseconds',
      { updatedAt: { N: '1795165200123456789' } },
      'updated_at',
      'finer than milliseconds',
    ],
    ['a lone surrogate', { displayName: { S: '\ud800x' } }, 'display_name', 'lone surrogate'],
    [
      'a number a double overflows on',
      { address: { M: { geo: { M: { lat: { N: '1e400' }, lon: { N: '1' } } } } } },
      'address__geo__lat',
      'overflows a double',
    ],
    [
      'a number a double underflows on',
      { address: { M: { geo: { M: { lat: { N: '1e-400' }, lon: { N: '1' } } } } } },
      'address__geo__lat',
      'underflows a double',
    ],
  ])(
    'quarantines %s, naming its column, instead of storing it altered',
    async (_kind, change, column, problem) => {
      const exact = {
        ...userItem(2),
        createdAt: { S: '2026-11-20T09:15:02.123000Z' },
        updatedAt: { N: '1795165200123000000' },
      };
      const outcome = await flattenLines([
        changeLine({ ...userItem(1), ...change }, 1),
        changeLine(exact, 2),
      ]);
      expect(outcome).toMatchObject({ rows: 1, quarantined: 1 });
      const [row] = await lakeRows();
      const shown = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
      expect(row!.created_at).toBe(shown(Date.UTC(2026, 10, 20, 9, 15, 2, 123)));
      expect(row!.updated_at).toBe(shown(1795165200123));
      const [entry] = await quarantined();
      expect(entry!.reason).toContain(`Column ${column}`);
      expect(entry!.reason).toContain(problem);
    },
  );

  it('quarantines an item that lacks a key attribute instead of writing a NULL key', async () => {
    const { user_id: _key, ...keyless } = userItem(1);
    const outcome = await flattenLines([changeLine(keyless, 1), changeLine(userItem(2), 2)]);
    expect(outcome).toMatchObject({ rows: 1, quarantined: 1 });
    expect((await quarantined())[0]!.reason).toContain('key attribute user_id is missing');
  });

  it('quarantines an item nested deeper than DynamoDB allows instead of overflowing the stack', async () => {
    const deepText = `${'{"M":{"n":'.repeat(20_000)}{"S":"leaf"}${'}}'.repeat(20_000)}`;
    const outcome = await flattenLines([
      changeLine({ ...userItem(1), deep: 'DEEP' }, 1).replace('"DEEP"', deepText),
      changeLine({ ...userItem(2), deep: nestedMap(31) } as Record<string, unknown>, 2),
    ]);
    expect(outcome).toMatchObject({ rows: 1, quarantined: 1 });
    expect((await quarantined())[0]!.reason).toContain('nested deeper than 32 levels');
  });

  it.each([
    ['truncated', () => gzipSync(Buffer.from(`${changeLine(userItem(1))}\n`)).subarray(0, 20)],
    ['not gzip', () => Buffer.from('not gzip at all')],
  ])('names the bucket and key when a whole object is %s, and leaves it for replay', async (_name, body) => {
    await store.put('raw-bucket', CHANGE_KEY, body());
    const failure = flattenRawObject('raw-bucket', CHANGE_KEY, dependencies());
    await expect(failure).rejects.toThrow(RawObjectError);
    await expect(failure).rejects.toThrow(`s3://raw-bucket/${CHANGE_KEY}`);
    expect(await listKeys(store, 'raw-bucket', '')).toEqual([CHANGE_KEY]);
    expect(await listKeys(store, 'lake-bucket', '')).toEqual([]);
  });

  it('reads a zero-byte export data file as an empty file', async () => {
    await store.put('raw-bucket', EXPORT_KEY, Buffer.alloc(0));
    const outcome = await flattenRawObject('raw-bucket', EXPORT_KEY, dependencies());
    expect(outcome).toMatchObject({ status: 'flattened', rows: 0, quarantined: 0 });
  });

  it('stops a stream batch at an item nested too deep, naming it, instead of overflowing the stack', async () => {
    const arn =
      'arn:aws:dynamodb:us-east-1:123456789012:table/tributary-test-users/stream/2026-01-01T00:00:00.000';
    const record = (sequence: string, item: unknown) => ({
      eventName: 'INSERT',
      eventSourceARN: arn,
      dynamodb: {
        SequenceNumber: sequence,
        ApproximateCreationDateTime: 1795167000,
        Keys: {},
        NewImage: item,
      },
    });
    const outcome = await writeStreamBatch(
      [
        record('1', userItem(1)),
        record('2', { ...userItem(2), deep: nestedMap(20_000) }),
      ] as unknown as DynamoDBRecord[],
      {
        store,
        rawBucket: 'raw-bucket',
        tables: new Map([['tributary-test-users', 'users']]),
        lakeStartDate: '2024-01-01',
      },
    );
    expect(outcome.written).toBe(1);
    expect(outcome.failure).toMatchObject({ sequenceNumber: '2' });
    expect(outcome.failure!.reason).toContain('nested deeper than 32 levels');
  });
});
