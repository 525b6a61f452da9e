import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { main } from '../../src/cli/main';
import { parsePipeline } from '../../src/lib/pipeline/pipeline';
import { userItem } from '../../src/lib/samples/users';
import { SAMPLES_DIRECTORY } from '../../src/lib/util/project-paths';
import { captureIo } from '../support/cli';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tributary-schema-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

const clickstream = join(SAMPLES_DIRECTORY, 'clickstream.ndjson');

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
}

describe('tributary schema infer', () => {
  it('prints an entry pipeline.yml accepts for a new table, from a DynamoDB export file', async () => {
    const lines = [1, 2, 3].map((i) => JSON.stringify({ Item: userItem(i) })).join('\n');
    const io = captureIo();
    expect(
      await main(
        ['schema', 'infer', '--table', 'accounts', await file('export.json.gz', gzipSync(lines))],
        io,
      ),
    ).toBe(0);
    expect(io.out()).toMatch(/^dynamodb:\n {2}- name: accounts\n/);
    const parsed = parsePipeline({
      database: 'd',
      streams: [],
      dynamodb: [],
      transforms: [],
      loads: [],
      ...parse(io.out()),
    });
    const types = Object.fromEntries(parsed.dynamodb[0]!.columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      user_id: { kind: 'string' },
      age: { kind: 'int' },
      lifetime_value: { kind: 'decimal', precision: 38 },
      is_active: { kind: 'boolean' },
      created_at: { kind: 'timestamp' },
      updated_at: { kind: 'timestamp' },
      deleted_at: { kind: 'timestamp' },
      address__geo__lat: { kind: 'double' },
      tags: { kind: 'string' },
    });
    expect(io.err()).toContain('columns from 3 records');
  });

  it('keeps the declared types of an existing table, naming the values they cannot hold', async () => {
    const io = captureIo();
    expect(await main(['schema', 'infer', '--table', 'clickstream', clickstream], io)).toBe(1);
    // one bad sample must not turn a declared bigint into string, nor a decimal into double
    expect(io.out()).toContain('- { name: user__id, type: bigint }');
    expect(io.out()).toContain('- { name: properties__value, type: "decimal(12,2)" }');
    expect(io.out()).not.toContain('type: string } # type conflict');
    expect(io.err()).toContain(
      'user__id: kept the declared bigint; 1 value cannot be stored in it (e.g. "not-a-number"); --reinfer infers declared columns again',
    );
    expect(io.out()).toContain(
      '- { name: order_id, type: bigint, comment: "can exceed 2^53; stored exactly" }',
    );
    expect(io.err()).toContain('clickstream.ndjson:58: RecordDecodeError: Invalid JSON');
    expect(io.err()).toContain('2 malformed lines skipped');
  });

  it('marks the columns an existing table does not declare yet', async () => {
    const data =
      '{"event_id":"e","event_type":"x","event_time":"2026-01-01T00:00:00Z","user":{"id":7},"shiny":{"new":true}}\n';
    const io = captureIo();
    expect(
      await main(['schema', 'infer', '--table', 'clickstream', await file('new-field.ndjson', data)], io),
    ).toBe(0);
    expect(io.out()).toContain('- { name: shiny__new, type: boolean } # new: in 1 of 1 records');
    expect(io.out()).toContain('- { name: user__id, type: bigint }');
  });

  it('infers declared columns again when asked', async () => {
    const io = captureIo();
    expect(await main(['schema', 'infer', '--reinfer', '--table', 'clickstream', clickstream], io)).toBe(1);
    expect(io.out()).toContain(
      '- { name: user__id, type: string } # type conflict: string (1) and number (401)',
    );
    expect(io.out()).toContain(
      '- { name: order_id, type: bigint, comment: "can exceed 2^53; stored exactly" }',
    );
    expect(io.err()).toContain('clickstream.ndjson:58: RecordDecodeError: Invalid JSON');
    expect(io.err()).toContain('type conflicts in user__id; 2 malformed lines skipped');
  });

  it('needs a valid table name and files', async () => {
    const bad = captureIo();
    expect(await main(['schema', 'infer', '--table', 'Bad-Name', clickstream], bad)).toBe(2);
    expect(bad.err()).toContain('--table Bad-Name: use lowercase letters');
    const none = captureIo();
    expect(await main(['schema', 'infer', '--table', 'x'], none)).toBe(2);
    expect(none.err()).toContain('name at least one sample file');
  });

  it('says so when no line could be read', async () => {
    const io = captureIo();
    expect(await main(['schema', 'infer', '--table', 'x', await file('junk.ndjson', 'junk\n')], io)).toBe(1);
    expect(io.err()).toContain('no readable records in the samples');
  });

  it('names a file it cannot read', async () => {
    const io = captureIo();
    expect(await main(['schema', 'infer', '--table', 'x', join(directory, 'missing.ndjson')], io)).toBe(1);
    expect(io.err()).toMatch(/tributary schema: SampleFileError: cannot read .*missing\.ndjson: ENOENT/);
  });
});

describe('tributary schema diff', () => {
  it('exits 0 when the data matches the declared columns', async () => {
    const good = (await import('node:fs'))
      .readFileSync(clickstream, 'utf8')
      .split('\n')
      .slice(0, 40)
      .join('\n');
    const io = captureIo();
    expect(
      await main(['schema', 'diff', '--table', 'clickstream', await file('good.ndjson', good)], io),
    ).toBe(0);
    expect(io.out()).toBe('clickstream: 40 records match the declared columns\n');
  });

  it('lists new columns, type changes and missing columns and exits 1', async () => {
    const io = captureIo();
    const data =
      '{"event_id":"e","event_type":"x","event_time":"2026-01-01T00:00:00Z","user":{"id":"abc"},"shiny":{"new":1}}\n';
    expect(
      await main(['schema', 'diff', '--table', 'clickstream', await file('drift.ndjson', data)], io),
    ).toBe(1);
    const out = io.out();
    expect(out).toMatch(/^clickstream: 1 of 1 record differs from the declared columns\n/);
    expect(out).toContain(
      'New columns (not declared: Parquet conversion drops them):\n  + shiny__new int (in 1 record; first in ',
    );
    expect(out).toContain('~ user__id: declared bigint, found string (1 value, e.g. "abc")');
    expect(out).toContain('Missing columns (declared, never in the data):\n  - anonymous_id string');
  });

  it('says where undeclared DynamoDB attributes go', async () => {
    const item = { ...userItem(1), favouriteColour: { S: 'teal' } };
    const io = captureIo();
    expect(
      await main(
        ['schema', 'diff', '--table', 'users', await file('users.ndjson', JSON.stringify({ Item: item }))],
        io,
      ),
    ).toBe(1);
    expect(io.out()).toContain(
      'New columns (not declared: kept only as JSON text in _extra):\n  + favourite_colour string',
    );
  });

  it('refuses a table pipeline.yml does not declare', async () => {
    const io = captureIo();
    expect(await main(['schema', 'diff', '--table', 'orders', clickstream], io)).toBe(2);
    expect(io.err()).toContain('no table "orders" in pipeline.yml');
  });

  it('explains itself and refuses an unknown action', async () => {
    const help = captureIo();
    expect(await main(['schema', '--help'], help)).toBe(0);
    expect(help.out()).toContain('tributary schema diff --table T');
    const unknown = captureIo();
    expect(await main(['schema', 'guess', '--table', 'x', clickstream], unknown)).toBe(2);
    expect(unknown.err()).toContain('say infer or diff');
  });

  it('counts the records that differ, not the records read', async () => {
    const io = captureIo();
    expect(await main(['schema', 'diff', '--table', 'clickstream', clickstream], io)).toBe(1);
    // of the 403 readable sample records, one carries an undeclared flag and one a text user id
    expect(io.out()).toMatch(/^clickstream: 2 of 403 records differ from the declared columns\n/);
  });

  it('prints the exact lines to add to pipeline.yml, and where', async () => {
    const data = [
      '{"event_id":"e1","event_type":"x","event_time":"2026-01-01T00:00:00Z","device":{"os":"ios","build":1234}}',
      '{"event_id":"e2","event_type":"x","event_time":"2026-01-02T00:00:00Z","device":{"os":"android"}}',
    ].join('\n');
    const io = captureIo();
    expect(
      await main(['schema', 'diff', '--table', 'clickstream', await file('device.ndjson', data)], io),
    ).toBe(1);
    const out = io.out();
    const at = /To keep them, add under clickstream's columns in (\S+):(\d+):\n((?: {6}- .*\n)+)/.exec(out);
    expect(at).not.toBeNull();
    expect(at![1]).toMatch(/pipeline\.yml$/);
    expect(at![3]).toBe(
      '      - { name: device__os, type: string }\n      - { name: device__build, type: int }\n',
    );
    // the named line is the table's last declared column, so the lines go right after it
    const lines = (await import('node:fs')).readFileSync(at![1]!, 'utf8').split('\n');
    expect(lines[Number(at![2]) - 1]).toMatch(/^ {6}- \{ name: \w+, type: /);
    expect(lines[Number(at![2])]).not.toMatch(/^ {6}- \{ name:/);
    expect(out).toContain(
      'then deploy; tributary backfill --stream clickstream --from <the day producers started sending them> fills them back from the raw copies',
    );
  });

  it('reads every file under a directory, such as a stream’s raw backup prefix', async () => {
    const backup = join(directory, 'firehose', 'clickstream', '2026', '01', '01', '00');
    await (await import('node:fs/promises')).mkdir(backup, { recursive: true });
    const line = (id: string) =>
      `{"event_id":"${id}","event_type":"x","event_time":"2026-01-01T00:00:00Z","beta":{"on":true}}`;
    await writeFile(join(backup, 'a.gz'), gzipSync(`${line('a')}\n${line('b')}\n`));
    await writeFile(join(backup, 'b.gz'), gzipSync(`${line('c')}\n`));
    const io = captureIo();
    expect(
      await main(
        ['schema', 'diff', '--table', 'clickstream', join(directory, 'firehose', 'clickstream')],
        io,
      ),
    ).toBe(1);
    expect(io.out()).toMatch(/^clickstream: 3 of 3 records differ/);
    // the first record that had the field, by file name order: a raw backup's names sort by time
    expect(io.out()).toMatch(/\+ beta__on boolean \(in 3 records; first in .*00\/a\.gz:1\)/);
    // the raw backup's folders say the day the field first arrived: the day to backfill from
    expect(io.out()).toContain('tributary backfill --stream clickstream --from 2026-01-01 fills them back');
    expect(io.out()).toContain('      - { name: beta__on, type: boolean }');
  });
});
