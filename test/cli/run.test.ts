import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { main } from '../../src/cli/main';
import { formatColumnType } from '../../src/lib/columns/column-types';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { DuckDb, sqlString } from '../../src/lib/standins/athena/duckdb';
import { DAILY_PIPELINE_TASKS } from '../../src/lib/standins/stepfunctions/local-state-machine';
import { SAMPLES_DIRECTORY } from '../../src/lib/util/project-paths';
import { captureIo } from '../support/cli';

let root: string;
let firstRun: ReturnType<typeof captureIo>;
let exitCode: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-run-'));
  firstRun = captureIo();
  exitCode = await main(['run', '--root', root], firstRun);
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const DUCKDB_TYPES: Record<string, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
};

async function withDuckDb<T>(path: string, work: (duck: DuckDb) => Promise<T>): Promise<T> {
  const duck = await DuckDb.open(path);
  try {
    return await work(duck);
  } finally {
    duck.close();
  }
}

/** The users table as the shipped stream leaves it, folded here from the stream records themselves. */
async function expectedUsers(): Promise<Map<string, Record<string, any>>> {
  const users = new Map<string, Record<string, any>>();
  const lines = (await readFile(join(SAMPLES_DIRECTORY, 'users-stream.ndjson'), 'utf8')).trim().split('\n');
  for (const line of lines) {
    const record = JSON.parse(line);
    const id = record.dynamodb.Keys.user_id.S as string;
    if (record.eventName === 'REMOVE') users.delete(id);
    else users.set(id, record.dynamodb.NewImage);
  }
  return users;
}

describe('tributary run (the whole local pipeline)', () => {
  it('finishes with the daily pipeline succeeded and says where everything went', () => {
    // on failure, show what the run said
    expect({ exitCode, output: exitCode === 0 ? '' : `${firstRun.out()}\n${firstRun.err()}` }).toEqual({
      exitCode: 0,
      output: '',
    });
    const out = firstRun.out();
    expect(out).toContain('clickstream: 405 records in, 402 rows');
    expect(out).toContain('processing-failed: 2, format-conversion-failed: 1');
    expect(out).toContain(
      'columns not in pipeline.yml, left out of Parquet: context__feature_flags__dark_mode (1)',
    );
    // and what to do next: a command that runs as printed and prints the lines to add
    const next =
      /next: (tributary schema diff --table clickstream (\S+)) prints the lines to add to pipeline\.yml/.exec(
        out,
      );
    expect(next?.[2]).toMatch(/tributary-local-raw\/firehose\/clickstream\/$/);
    expect(out).toContain('users (DynamoDB): 250 changes in 3 change files, 1 failed');
    expect(out).toMatch(
      /1 line quarantined in .*tributary-local-raw\/raw\/dynamodb\/users\/dt=2026-11-20\/_.*\.quarantine\.ndjson/,
    );
    expect(out).toContain(': SUCCEEDED');
    expect(firstRun.err()).toContain('step Load into database (users): succeeded');
    for (const state of ['Plan check', 'Run check query', 'Get check result', 'Summarise check'])
      expect(firstRun.err()).toContain(`step ${state} (event_counts_keyed): succeeded`);
  });

  it('lands the clickstream as Parquet with the declared column types', async () => {
    const stream = bundledPipeline().streams.find((s) => s.name === 'clickstream')!;
    const files = sqlString(join(root, 'tributary-local-lake/lake/clickstream/*/*/*.parquet'));
    await withDuckDb(':memory:', async (duck) => {
      const described = await duck.query(
        `DESCRIBE SELECT * FROM read_parquet(${files}, hive_partitioning = false)`,
      );
      expect(described.rows.map((r) => [r.column_name, r.column_type])).toEqual(
        stream.columns.map((c) => [
          c.name,
          DUCKDB_TYPES[c.type.kind] ?? formatColumnType(c.type).toUpperCase(),
        ]),
      );
      const { rows } = await duck.query(
        `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, max(order_id) AS max_order FROM read_parquet(${files})`,
      );
      expect(rows[0]).toEqual({ n: '402', ids: '402', max_order: '9007199254741386' });
    });
  });

  it('loads daily event counts that agree with the raw events of the day', async () => {
    const files = sqlString(join(root, 'tributary-local-lake/lake/clickstream/dt=2026-11-20/*/*.parquet'));
    await withDuckDb(join(root, 'warehouse.duckdb'), async (duck) => {
      const loaded = await duck.query(
        'SELECT event_type, events, visitors, users, CAST(revenue AS VARCHAR) AS revenue, CAST(dt AS VARCHAR) AS dt FROM daily_event_counts ORDER BY event_type',
      );
      const expected = await duck.query(
        `SELECT event_type, count(*) AS events, count(DISTINCT anonymous_id) AS visitors, count(DISTINCT user__id) AS users,
                CAST(sum(properties__value) AS VARCHAR) AS revenue, '2026-11-20' AS dt
         FROM read_parquet(${files}) GROUP BY event_type ORDER BY event_type`,
      );
      expect(loaded.rows.length).toBeGreaterThan(1);
      expect(loaded.rows).toEqual(expected.rows);
    });
  });

  it('loads every user the stream leaves behind, deletes removed, private columns hashed', async () => {
    const users = await expectedUsers();
    await withDuckDb(join(root, 'warehouse.duckdb'), async (duck) => {
      const { rows } = await duck.query('SELECT user_id, email, age, plan__tier FROM users ORDER BY user_id');
      expect(rows.map((r) => r.user_id)).toEqual([...users.keys()].sort());
      for (const row of rows) {
        const image = users.get(String(row.user_id))!;
        expect(String(row.age)).toBe(image.age.N);
        expect(row.plan__tier).toBe(image.plan.M.tier.S);
        expect(row.email).toMatch(/^[0-9a-f]{64}$/);
      }
    });
    expect(users.has('u_000012')).toBe(false);
  });

  it('writes a well-formed HTML report that draws every state with its outcome', async () => {
    const reports = await readdir(join(root, 'reports'));
    expect(reports).toHaveLength(1);
    const html = await readFile(join(root, 'reports', reports[0]!), 'utf8');
    expect(XMLValidator.validate(html.replace(/^<!DOCTYPE html>/, ''))).toBe(true);
    for (const state of DAILY_PIPELINE_TASKS) expect(html).toContain(`data-state="${state}"`);
    expect(html).toContain('data-state="Load into database" data-outcome="succeeded"');
    expect(html).toContain('data-state="Notify failure" data-outcome="not run"');
    expect(html).toContain('data-label="users_current" data-value="110"');
    expect(html).toContain('data-box="transform:users_current"');
  });

  it('gives the same tables when run again, starting afresh in the root it marked as its own', async () => {
    expect(await readdir(root)).toContain('.tributary-local-root');
    const second = captureIo();
    expect(await main(['run', '--root', root], second)).toBe(0);
    // the lake tables' rows, not what the queries scanned: a rewritten Parquet file may differ by its metadata
    const tables = (out: string) => {
      const start = out.indexOf('Lake tables');
      const scans = out.indexOf('Athena scans', start);
      return out.slice(start, scans > start ? scans : out.indexOf('Time:'));
    };
    expect(tables(second.out())).toBe(tables(firstRun.out()));
    expect(tables(second.out())).toMatch(/users_current\s+110\s/);
  }, 120_000);

  it('explains its options', async () => {
    const io = captureIo();
    expect(await main(['run', '--help'], io)).toBe(0);
    expect(io.out()).toContain('--events N');
  });

  it.each([
    [['--events', 'lots'], '--events must be a whole number'],
    [['--date', '2026-13-45'], '--date must be a day as YYYY-MM-DD'],
    [['--codec', 'lz4'], '--codec must be snappy or zstd'],
  ])('rejects %j with usage and exit code 2', async (args, message) => {
    const io = captureIo();
    expect(await main(['run', ...args], io)).toBe(2);
    expect(io.err()).toContain(message);
  });
});
