import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { AttributeValueError } from '../../../src/lib/dynamodb/attribute-value';
import { RecordDecodeError } from '../../../src/lib/flattening/errors';
import { FlattenPlan } from '../../../src/lib/flattening/plan';
import { userItem } from '../../../src/lib/samples/users';
import {
  flattenDynamoLine,
  flattenSampleLine,
  SampleFileError,
  sampleLines,
} from '../../../src/lib/schema/sample-rows';

const plan = new FlattenPlan({ keyColumns: ['user_id'] });
const names = (row: { name: string }[]) => row.map((cell) => cell.name);

describe('flattenSampleLine', () => {
  const item = { user_id: { S: 'u1' }, address: { M: { city: { S: 'Lima' } } }, age: { N: '40' } };

  it.each([
    ['an export line', { Item: item }],
    ['a change line', { eventName: 'INSERT', keys: {}, newImage: item, oldImage: null }],
    ['a removal, from its old image', { eventName: 'REMOVE', keys: {}, newImage: null, oldImage: item }],
    ['a stream record', { eventName: 'MODIFY', dynamodb: { NewImage: item } }],
    ['a bare item', item],
  ])('unmarshalls %s before flattening', (_, line) => {
    const { row, dynamo } = flattenSampleLine(JSON.stringify(line), plan);
    expect(dynamo).toBe(true);
    expect(names(row)).toEqual(['user_id', 'address__city', 'age']);
    expect(row.find((c) => c.name === 'age')!.value).toMatchObject({ raw: '40' });
  });

  it('flattens plain JSON events as they are', () => {
    const { row, dynamo } = flattenSampleLine('{"user_id":"u1","a":{"S":"x"},"b":2}', plan);
    expect(dynamo).toBe(false);
    expect(names(row)).toEqual(['user_id', 'a__s', 'b']);
  });

  it('rejects lines that are not JSON objects with the reason', () => {
    expect(() => flattenSampleLine('[1]', plan)).toThrow(RecordDecodeError);
    expect(() => flattenSampleLine('{"a":', plan)).toThrow(/Invalid JSON/);
  });
});

describe('flattenDynamoLine', () => {
  it('unmarshalls every attribute type of the sample users', () => {
    const row = flattenDynamoLine(JSON.stringify({ Item: userItem(3) }), plan);
    expect(names(row)).toContain('address__geo__lat');
    expect(row.find((c) => c.name === 'tags')!.value).toMatch(/^\["beta",/);
  });

  it('refuses plain JSON and names the shapes it reads', () => {
    expect(() => flattenDynamoLine('{"user_id":"u1"}', plan)).toThrow(AttributeValueError);
    expect(() => flattenDynamoLine('{"user_id":"u1"}', plan)).toThrow(/export line \(Item\)/);
  });

  it('names the attribute a malformed item breaks at', () => {
    expect(() => flattenDynamoLine('{"Item":{"user_id":{"S":"u"},"age":{"N":"forty"}}}', plan)).toThrow(
      'age: N must be a number in a string, got "forty"',
    );
  });
});

describe('sampleLines', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tributary-samples-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('reads plain and gzip files and stdin, skipping blank lines but keeping line numbers', async () => {
    await writeFile(join(directory, 'a.ndjson'), '{"a":1}\n\n  \n{"a":2}\n');
    await writeFile(join(directory, 'b.json.gz'), gzipSync('{"b":1}\r\n'));
    const seen: string[] = [];
    for await (const line of sampleLines(
      [join(directory, 'a.ndjson'), join(directory, 'b.json.gz'), '-'],
      Readable.from([Buffer.from('{"c":1}')]),
    )) {
      seen.push(`${line.file.replace(directory, '')}:${line.number}:${line.bytes}`);
    }
    expect(seen).toEqual([
      '/a.ndjson:1:{"a":1}',
      '/a.ndjson:4:{"a":2}',
      '/b.json.gz:1:{"b":1}',
      '-:1:{"c":1}',
    ]);
  });

  it('names a file it cannot read', async () => {
    await writeFile(join(directory, 'broken.gz'), 'not gzip at all');
    const read = async (file: string) => {
      for await (const _ of sampleLines([file])) {
        // drain
      }
    };
    await expect(read(join(directory, 'missing.ndjson'))).rejects.toThrow(SampleFileError);
    await expect(read(join(directory, 'missing.ndjson'))).rejects.toThrow(
      /cannot read .*missing\.ndjson: ENOENT/,
    );
    await expect(read(join(directory, 'broken.gz'))).rejects.toThrow(
      /cannot read .*broken\.gz: incorrect header check/,
    );
  });
});
