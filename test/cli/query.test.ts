import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { LOCAL_BUCKETS } from '../../src/lib/config/storage';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { clickstreamEvent, clickstreamEventJson } from '../../src/lib/samples/clickstream';
import { LocalObjectStore } from '../../src/lib/standins/s3/local-object-store';
import { captureIo } from '../support/cli';
import { writeClickstream } from '../support/lake-fixtures';

const EVENTS = 60;
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-query-'));
  const events = Array.from({ length: EVENTS }, (_, i) => clickstreamEventJson(i));
  await writeClickstream(new LocalObjectStore(root), LOCAL_BUCKETS.lake, bundledPipeline(), events);
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

const pageViews = Array.from({ length: EVENTS }, (_, i) => clickstreamEvent(i)).filter(
  (e) => e.event_type === 'page_view',
).length;

describe('tributary query', () => {
  it('runs Athena SQL on the local lake and prints a table', async () => {
    const io = captureIo();
    const sql = "SELECT event_type, count(*) AS n FROM clickstream WHERE event_type = 'page_view' GROUP BY 1";
    expect(await main(['query', '--root', root, sql], io)).toBe(0);
    expect(io.out()).toBe(`event_type  n\n----------  --\npage_view   ${pageViews}\n`);
    expect(io.err()).toBe('(1 row)\n');
  });

  it('writes CSV and JSON lines, quoting what needs it', async () => {
    const csv = captureIo();
    expect(
      await main(['query', '--root', root, '--format', 'csv', `SELECT 'a,"b"' AS x, NULL AS y`], csv),
    ).toBe(0);
    expect(csv.out()).toBe('x,y\n"a,""b""",\n');
    const json = captureIo();
    expect(await main(['query', '--root', root, '--format', 'json', 'SELECT 1 AS one, 2 AS two'], json)).toBe(
      0,
    );
    expect(JSON.parse(json.out())).toEqual({ one: 1, two: 2 });
  });

  it('names the construct the local engine cannot run', async () => {
    const io = captureIo();
    expect(await main(['query', '--root', root, 'SELECT transform(ARRAY[1], x -> x) AS a'], io)).toBe(1);
    expect(io.err()).toContain('UnsupportedSqlError: The local engine (DuckDB) cannot run transform()');
  });

  it.each([
    ["SELECT * FROM read_csv('/etc/passwd')"],
    ["SELECT * FROM read_text('/etc/hostname')"],
    ["SELECT * FROM glob('/etc/*')"],
    ["SELECT * FROM '/etc/passwd'"],
  ])('reads no file outside the catalog: %s', async (sql) => {
    const io = captureIo();
    expect(await main(['query', '--root', root, sql], io)).toBe(1);
    expect(io.err()).toContain('CatalogTablesOnlyError: Athena reads only the tables in its catalog');
    expect(io.out()).not.toContain('root:');
  });

  it('still lists the tables with SHOW TABLES and describes one with DESCRIBE', async () => {
    const io = captureIo();
    const rc = await main(['query', '--root', root, '--format', 'csv', 'SHOW TABLES'], io);
    expect(io.err()).toBe('');
    expect(rc).toBe(0);
    expect(io.out()).toContain('clickstream');
    const describe = captureIo();
    expect(await main(['query', '--root', root, '--format', 'csv', 'DESCRIBE clickstream'], describe)).toBe(
      0,
    );
    expect(describe.out()).toContain('event_type');
  });

  it('computes what Athena computes, and refuses by name what it cannot', async () => {
    const division = captureIo();
    expect(
      await main(['query', '--root', root, '--format', 'csv', 'SELECT 5 / 2 AS q, -7 % 3 AS r'], division),
    ).toBe(0);
    expect(division.out()).toBe('q,r\n2,-1\n');
    const byZero = captureIo();
    expect(await main(['query', '--root', root, 'SELECT count(*) / 0 FROM clickstream'], byZero)).toBe(1);
    expect(byZero.err()).toContain('Division by zero');
    const decimal = captureIo();
    expect(await main(['query', '--root', root, 'SELECT 1.0 / 3 AS third'], decimal)).toBe(1);
    expect(decimal.err()).toContain('AthenaSemanticsError: Athena evaluates division of decimals');
  });

  it('refuses statements that would change the lake, and a bad format', async () => {
    const write = captureIo();
    expect(await main(['query', '--root', root, 'DROP TABLE clickstream'], write)).toBe(2);
    expect(write.err()).toContain('query runs read-only statements');
    const format = captureIo();
    expect(await main(['query', '--root', root, '--format', 'xml', 'SELECT 1'], format)).toBe(2);
    expect(format.err()).toContain('--format must be table, csv or json');
  });

  it('says when the local root does not exist, instead of finding no rows', async () => {
    const io = captureIo();
    const missing = join(root, 'no-run-yet');
    expect(await main(['query', '--root', missing, 'SELECT count(*) FROM clickstream'], io)).toBe(1);
    expect(io.err()).toContain(`no local lake at ${missing}`);
    expect(io.err()).toContain('npm start');
  });

  it('names an unknown table with the tables there are, not the engine internals', async () => {
    const io = captureIo();
    expect(await main(['query', '--root', root, 'SELECT * FROM nosuch'], io)).toBe(1);
    expect(io.err()).toContain('no table nosuch in the local lake; tables: clickstream');
    expect(io.err()).not.toMatch(/Catalog Error|pg_sequences|LINE 1/);
  });

  it('reports SQL errors from the engine with the reason', async () => {
    const io = captureIo();
    expect(await main(['query', '--root', root, 'SELECT no_such_column FROM clickstream'], io)).toBe(1);
    expect(io.err()).toMatch(/tributary query: .*no_such_column/);
  });
});
