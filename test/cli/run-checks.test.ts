import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { DuckDb } from '../../src/lib/standins/athena/duckdb';
import { captureIo } from '../support/cli';

// pipeline.yml with an `error` check that the shipped samples fail (signup is not an accepted
// event type of daily_event_counts) and a `warn` check that fails on the clickstream
jest.mock('../../src/lib/pipeline/bundled', () =>
  jest.requireActual('../support/bundled-pipeline').bundledPipelineWith((shipped: Record<string, any>) => ({
    ...shipped,
    checks: [
      {
        name: 'no_signups_counted',
        table: 'daily_event_counts',
        severity: 'error',
        accepted_values: { column: 'event_type', values: ['page_view', 'click', 'add_to_cart', 'checkout'] },
      },
      { name: 'few_clicks', table: 'clickstream', severity: 'warn', row_count: { max: 10 } },
      { name: 'users_keyed', table: 'users_current', severity: 'error', unique: ['user_id'] },
    ],
  })),
);

let root: string;
let run: ReturnType<typeof captureIo>;
let exitCode: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-checks-run-'));
  run = captureIo();
  exitCode = await main(['run', '--root', root], run);
}, 180_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('data checks in a local run', () => {
  it('holds back the load behind a failed error check, loads the rest and ends failed with an alert', async () => {
    expect(exitCode).toBe(1);
    expect(run.out()).toContain(
      'check no_signups_counted on daily_event_counts (error): FAILED, 1 failing row',
    );
    expect(run.out()).toContain('load event_counts_to_mysql skipped: failed check no_signups_counted');
    expect(run.out()).toMatch(/every failing row: .*tributary-local-results\/[0-9a-f-]{36}\.csv/);
    expect(run.out()).toMatch(
      /alert: .*"Run checks": DataCheckFailed: Failed checks \(error\): no_signups_counted/,
    );
    expect(run.out()).toContain('loaded users (replace)');
    expect(run.out()).not.toContain('loaded daily_event_counts');
    const notifications = await readdir(join(root, '_notifications'));
    expect(notifications).toHaveLength(1);
  });

  it('leaves the BI table of the held-back load as it was: never written', async () => {
    const warehouse = await DuckDb.open(join(root, 'warehouse.duckdb'));
    try {
      const { rows } = await warehouse.query(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN ('daily_event_counts', 'users') ORDER BY 1",
      );
      expect(rows.map((r) => r.table_name)).toEqual(['users']);
    } finally {
      warehouse.close();
    }
  });

  it('reports a failed warn check without holding anything back, and a passing check as passed', () => {
    expect(run.out()).toMatch(/check few_clicks on clickstream \(warn\): warning, 1 failing row/);
    expect(run.out()).toContain('check users_keyed on users_current (error): passed');
  });

  it('shows every check with a sample of its failing rows in the HTML report', async () => {
    const reports = await readdir(join(root, 'reports'));
    const html = await readFile(join(root, 'reports', reports.find((r) => r.endsWith('.html'))!), 'utf8');
    for (const check of ['no_signups_counted', 'few_clicks', 'users_keyed'])
      expect(html).toContain(`data-check="${check}"`);
    expect(html).toContain('signup');
    expect(html).toContain('Load event_counts_to_mysql skipped: failed no_signups_counted.');
  });
});
