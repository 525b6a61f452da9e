import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ndjsonRecords, SampleLineError, streamRecordsOf } from '../../../src/lib/local/sources';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tributary-sources-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function sample(bytes: Buffer): Promise<string> {
  const path = join(directory, 'sample.ndjson');
  await writeFile(path, bytes);
  return path;
}

async function all<T>(records: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const record of records) out.push(record);
  return out;
}

describe('ndjsonRecords', () => {
  it('splits on LF only: a lone CR is JSON whitespace inside a record and stays in it', async () => {
    const first = Buffer.from('{"a":1,\r"b":"x"}');
    const second = Buffer.from('{"c":2}\r');
    const path = await sample(Buffer.concat([first, Buffer.from('\n'), second, Buffer.from('\n \t\r\n')]));
    const records = await all(ndjsonRecords(path));
    expect(records.map((r) => r.toString('latin1'))).toEqual(
      [first, second].map((r) => r.toString('latin1')),
    );
  });

  it('hands a record that is not valid UTF-8 on byte for byte, for the transform to fail', async () => {
    const bad = Buffer.concat([Buffer.from('{"name":"Ad'), Buffer.from([0xff, 0xfe]), Buffer.from('a"}')]);
    const path = await sample(Buffer.concat([bad, Buffer.from('\n{"ok":true}\n')]));
    const noticed: SampleLineError[] = [];
    const records = await all(ndjsonRecords(path, (notice) => noticed.push(notice)));
    expect(records).toHaveLength(2);
    expect(records[0]!.equals(bad)).toBe(true);
    expect(noticed.map((notice) => notice.message)).toEqual([`${path} line 1: not valid UTF-8`]);
  });
});

describe('streamRecordsOf', () => {
  it('names the line of a DynamoDB sample that is not valid UTF-8 instead of reading it with U+FFFD', async () => {
    const good = Buffer.from('{"eventName":"INSERT"}\n');
    const bad = Buffer.concat([Buffer.from('{"eventName":"'), Buffer.from([0xc3]), Buffer.from('"}\n')]);
    const path = await sample(Buffer.concat([good, Buffer.from('\n'), bad]));
    const read = all(streamRecordsOf(path));
    await expect(read).rejects.toThrow(SampleLineError);
    await expect(read).rejects.toThrow(`${path} line 3: not valid UTF-8`);
  });
});
