import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../support/cli';
import { connectMysql, describeWithDatabase, uniqueTableName } from '../support/databases';

// the handlers read TRIBUTARY_MYSQL_URL once per process, as a Lambda reads its environment: this
// file runs the local pipeline into MariaDB (PostgreSQL as a target is covered by the loader tests)
describeWithDatabase('mysql', 'tributary run with TRIBUTARY_MYSQL_URL', (url) => {
  const database = uniqueTableName('tributary_e2e');
  const saved = process.env.TRIBUTARY_MYSQL_URL;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tributary-run-mysql-'));
    const admin = await connectMysql(url);
    await admin.query(`CREATE DATABASE \`${database}\``);
    await admin.end();
    const target = new URL(url);
    target.pathname = `/${database}`;
    process.env.TRIBUTARY_MYSQL_URL = target.toString();
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.TRIBUTARY_MYSQL_URL;
    else process.env.TRIBUTARY_MYSQL_URL = saved;
    const admin = await connectMysql(url);
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
    await rm(root, { recursive: true, force: true });
  });

  it('loads the daily counts and the users into MariaDB, and a re-run merges into the same rows', async () => {
    const first = captureIo();
    expect(await main(['run', '--root', root], first)).toBe(0);
    expect(first.out()).toContain('loaded daily_event_counts (merge): 5 rows, table created');
    expect(first.out()).toContain('loaded users (replace): 110 rows, table created');
    const second = captureIo();
    expect(await main(['run', '--root', root], second)).toBe(0);
    expect(second.out()).toContain('loaded daily_event_counts (merge): 5 rows\n');

    const check = await connectMysql(process.env.TRIBUTARY_MYSQL_URL!);
    try {
      const [counts] = await check.query(
        'SELECT event_type, events, revenue, dt FROM daily_event_counts ORDER BY event_type',
      );
      expect(counts).toHaveLength(5);
      expect(
        (counts as any[]).every((row) => row.dt === '2026-11-20' && /^\d+\.\d+$/.test(row.revenue)),
      ).toBe(true);
      const [users] = await check.query('SELECT count(*) AS n, count(DISTINCT user_id) AS ids FROM users');
      expect(users).toEqual([{ n: '110', ids: '110' }]);
      const [keys] = await check.query(
        "SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'daily_event_counts' AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
      );
      expect((keys as any[]).map((k) => k.name)).toEqual(['dt', 'event_type']);
    } finally {
      await check.end();
    }
  }, 120_000);
});
