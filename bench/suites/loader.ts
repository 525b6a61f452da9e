import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openLoader, parseConnectionUrl } from '../../src/lib/loading/connection';
import { encodeTextRows } from '../../src/lib/loading/result-rows';
import type { ResultColumn, ResultRow, TableLoader } from '../../src/lib/loading/types';
import { median, printResults } from '../harness';

const ROWS = 1_000_000;
const ROUNDS = 3;
const PROJECT_ROOT = join(__dirname, '..', '..');
const URL =
  process.env.TRIBUTARY_BENCH_MYSQL_URL ||
  process.env.TRIBUTARY_TEST_MYSQL_URL ||
  'mysql://root@127.0.0.1:3306/test';
/** PostgreSQL with trust authentication: the superuser is `postgres` on most installs, the OS user on some. */
const POSTGRES_URLS = process.env.TRIBUTARY_BENCH_POSTGRES_URL
  ? [process.env.TRIBUTARY_BENCH_POSTGRES_URL]
  : process.env.TRIBUTARY_TEST_POSTGRES_URL
    ? [process.env.TRIBUTARY_TEST_POSTGRES_URL]
    : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];
// named by process, so two loader benches on one server do not drop each other's tables
const TABLE = `bench_loader_target_${process.pid}`;
const BASE = `bench_loader_base_${process.pid}`;
const FLOOR = `bench_loader_floor_${process.pid}`;

const COLUMNS: ResultColumn[] = [
  { name: 'id', type: { kind: 'bigint' } },
  { name: 'account', type: { kind: 'string' } },
  { name: 'name', type: { kind: 'string' } },
  { name: 'email', type: { kind: 'string' } },
  { name: 'amount', type: { kind: 'decimal', precision: 18, scale: 2 } },
  { name: 'ratio', type: { kind: 'double' } },
  { name: 'quantity', type: { kind: 'int' } },
  { name: 'active', type: { kind: 'boolean' } },
  { name: 'created_at', type: { kind: 'timestamp' } },
  { name: 'day', type: { kind: 'date' } },
  { name: 'sequence', type: { kind: 'bigint' } },
  { name: 'note', type: { kind: 'string' } },
];

/**
 * `count` result rows as Athena's CSV reader yields them (text values, NULLs), keys in a scrambled
 * order as a result without ORDER BY has them: key(i) = (i * 7919 + 13) mod count, a permutation.
 * `version` changes the values, so a merge really updates.
 */
async function* resultRows(
  count: number,
  version: number,
  keep?: (id: number) => boolean,
): AsyncGenerator<ResultRow> {
  for (let i = 0; i < count; i++) {
    const id = (i * 7_919 + 13) % count;
    if (keep && !keep(id)) continue;
    yield [
      String(id),
      `acct_${id % 10_007}`,
      `Name ${id} Müller-Łukasz`,
      `user${id}@example.com`,
      `${(id * version) % 1_000_000}.${String(id % 100).padStart(2, '0')}`,
      String((id * 0.37 * version) % 1000),
      String(id % 2_000_000),
      id % 2 ? 'true' : 'false',
      `2026-11-${String((id % 28) + 1).padStart(2, '0')} 09:15:02.${String(id % 1000).padStart(3, '0')}`,
      `2026-11-${String((id % 28) + 1).padStart(2, '0')}`,
      String(9_007_199_254_740_993n + BigInt(id)),
      id % 3 ? `note ${version} for ${id}\twith a tab` : null,
    ];
  }
}

/** The steps of a merge, told apart by the statement that starts them. */
const STEPS = [
  { step: 'stage rows', pattern: /^(LOAD DATA|COPY)\b/ },
  { step: 'check keys', pattern: /COUNT\(DISTINCT|GROUP BY/ },
  { step: 'upsert', pattern: /^INSERT INTO/ },
] as const;
const OTHER_STEP = 'other (DDL, lock, metadata, commit)';

/**
 * Where a merge's time goes, per step: each statement's time runs from its start to the next one's
 * (the loader reports each statement as it starts), the last one's to the end of the load.
 */
class StatementClock {
  private marks: Array<{ readonly sql: string; readonly at: bigint }> = [];
  private readonly totals = new Map<string, number>();

  readonly onStatement = (sql: string): void => {
    this.marks.push({ sql, at: process.hrtime.bigint() });
  };

  async time(run: () => Promise<unknown>): Promise<number> {
    this.marks = [];
    const started = process.hrtime.bigint();
    await run();
    const ended = process.hrtime.bigint();
    this.add('', started, this.marks[0]?.at ?? ended);
    for (const [i, mark] of this.marks.entries()) this.add(mark.sql, mark.at, this.marks[i + 1]?.at ?? ended);
    return Number(ended - started) / 1e9;
  }

  private add(sql: string, from: bigint, to: bigint): void {
    const step = STEPS.find(({ pattern }) => pattern.test(sql))?.step ?? OTHER_STEP;
    this.totals.set(step, (this.totals.get(step) ?? 0) + Number(to - from) / 1e9);
  }

  /** One result row per step: its share of all merges' time, and its seconds per merge. */
  rows(statements: Readonly<Record<(typeof STEPS)[number]['step'], string>>) {
    const all = [...this.totals.values()].reduce((sum, seconds) => sum + seconds, 0);
    return [...STEPS.map(({ step }) => step), OTHER_STEP].map((step) => {
      const seconds = this.totals.get(step) ?? 0;
      const statement = Object.hasOwn(statements, step)
        ? ` (${statements[step as keyof typeof statements]})`
        : '';
      return {
        metric: `  share of merge time: ${step}${statement}`,
        value: `${((100 * seconds) / all).toFixed(0)}%`,
        baseline: `${(seconds / ROUNDS).toFixed(2)} s per merge`,
      };
    });
  }
}

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** LOAD DATA LOCAL INFILE of the same rows, same encoding, straight into an empty table: the floor. */
async function rawLoad(connection: mysql.Connection, table: string): Promise<void> {
  const names = COLUMNS.map((column) => `\`${column.name}\``).join(', ');
  const [result] = await connection.query<mysql.ResultSetHeader>({
    sql: `LOAD DATA LOCAL INFILE 'result.tsv' INTO TABLE \`${table}\` CHARACTER SET utf8mb4
      FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${names})`,
    infileStreamFactory: () => Readable.from(encodeTextRows('mysql', COLUMNS, resultRows(ROWS, 2))),
  });
  if (result.affectedRows !== ROWS || result.warningStatus !== 0)
    throw new Error(`floor load stored ${result.affectedRows} rows with ${result.warningStatus} warnings`);
}

async function throughput(loader: TableLoader, connection: mysql.Connection, clock: StatementClock) {
  const run = (sql: string) => connection.query(sql);
  // the target before each round: every other key (500,000 rows), so the merge updates half and inserts half
  await run(`DROP TABLE IF EXISTS \`${BASE}\``);
  await loader.load({
    table: BASE,
    mode: 'replace',
    keys: ['id'],
    result: { columns: COLUMNS, rows: resultRows(ROWS, 1, (id) => id % 2 === 0) },
  });
  const merge: number[] = [];
  const floor: number[] = [];
  const heapFloor: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await run(`DROP TABLE IF EXISTS \`${TABLE}\``);
    await run(`CREATE TABLE \`${TABLE}\` LIKE \`${BASE}\``);
    await run(`INSERT INTO \`${TABLE}\` SELECT * FROM \`${BASE}\``);
    const started = process.cpuUsage();
    merge.push(
      await clock.time(async () => {
        const outcome = await loader.load({
          table: TABLE,
          mode: 'merge',
          keys: ['id'],
          result: { columns: COLUMNS, rows: resultRows(ROWS, 2) },
        });
        if (outcome.rows !== ROWS) throw new Error(`merged ${outcome.rows} rows`);
      }),
    );
    const used = process.cpuUsage(started);
    cpu.push((used.user + used.system) / 1e6);
    const [[counts]] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT COUNT(*) AS n, SUM(note LIKE 'note 2 %') AS updated FROM \`${TABLE}\``,
    );
    if (Number(counts!.n) !== ROWS) throw new Error(`target has ${counts!.n} rows after the merge`);
    for (const [times, withKey] of [
      [floor, true],
      [heapFloor, false],
    ] as const) {
      await run(`DROP TABLE IF EXISTS \`${FLOOR}\``);
      await run(`CREATE TABLE \`${FLOOR}\` LIKE \`${BASE}\``);
      if (!withKey) await run(`ALTER TABLE \`${FLOOR}\` DROP PRIMARY KEY`);
      times.push(await seconds(() => rawLoad(connection, FLOOR)));
    }
  }
  for (const table of [TABLE, BASE, FLOOR]) await run(`DROP TABLE IF EXISTS \`${table}\``);
  return { merge: median(merge), floor: median(floor), heapFloor: median(heapFloor), clientCpu: median(cpu) };
}

/**
 * One merge of `count` rows in this process, for a fresh child per size: prints the peak live heap
 * (sampled right after a forced GC, so garbage not yet collected does not count) and the peak RSS.
 */
export async function measureMemory(count: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const loader = await openLoader(parseConnectionUrl(URL));
  const table = `bench_loader_memory_${count}_${process.pid}`;
  let liveHeapPeak = 0;
  const sampler = setInterval(() => {
    gc();
    liveHeapPeak = Math.max(liveHeapPeak, process.memoryUsage().heapUsed);
  }, 100);
  try {
    await loader.load({
      table,
      mode: 'replace',
      keys: ['id'],
      result: { columns: COLUMNS, rows: resultRows(10, 1) },
    });
    await loader.load({
      table,
      mode: 'merge',
      keys: ['id'],
      result: { columns: COLUMNS, rows: resultRows(count, 2) },
    });
  } finally {
    clearInterval(sampler);
    const connection = await mysql.createConnection({ uri: URL });
    await connection.query(`DROP TABLE IF EXISTS \`${table}\``);
    await connection.end();
    await loader.close();
  }
  process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, liveHeapPeak }));
}

function memoryIn(count: number): { maxRssKb: number; liveHeapPeak: number } {
  const output = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      '--require',
      './scripts/register.cjs',
      '-e',
      `require('./bench/suites/loader.ts').measureMemory(${count})`,
    ],
    { cwd: PROJECT_ROOT, encoding: 'utf8' },
  );
  return JSON.parse(output);
}

const rate = (secondsTaken: number) => ROWS / secondsTaken;
const format = (rowsPerSecond: number) => `${Math.round(rowsPerSecond).toLocaleString('en-US')} rows/s`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const redact = (url: string) => url.replace(/:[^:@/]*@/, ':***@');

/** The reason a server cannot be reached, printed instead of its figures. */
function skipped(kind: string, variable: string, reason: string): void {
  console.log(
    `\n## Loader into ${kind}: SKIPPED, no server reachable (${reason}); start one or set ${variable}`,
  );
}

async function runMysql(): Promise<void> {
  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection({ uri: URL, connectTimeout: 3_000 });
  } catch (error) {
    skipped('MySQL', 'TRIBUTARY_BENCH_MYSQL_URL', `${redact(URL)}: ${(error as Error).message}`);
    return;
  }
  const clock = new StatementClock();
  const loader = await openLoader(parseConnectionUrl(URL), { onStatement: clock.onStatement });
  let t: Awaited<ReturnType<typeof throughput>>;
  let server: string;
  try {
    const [[version]] = await connection.query<mysql.RowDataPacket[]>(
      'SELECT VERSION() AS version, @@innodb_buffer_pool_size AS pool',
    );
    server = `${version!.version}, buffer pool ${Math.round(Number(version!.pool) / 2 ** 20)} MiB`;
    t = await throughput(loader, connection, clock);
  } finally {
    await connection.end();
    await loader.close();
  }
  const memory = [100_000, ROWS, 3 * ROWS].map((count) => ({ count, ...memoryIn(count) }));
  const [small, large] = memory as [(typeof memory)[0], (typeof memory)[0]];
  printResults(
    `Loader into MySQL (${server}): merge of ${ROWS.toLocaleString('en-US')} rows x ${COLUMNS.length} columns, keys in scrambled order, half updating existing keys and half new; median of ${ROUNDS}`,
    [
      {
        metric: 'merge throughput (stage, check keys, INSERT ... ON DUPLICATE KEY UPDATE)',
        value: format(rate(t.merge)),
        target: '>= 100,000 rows/s',
        met: rate(t.merge) >= 100_000,
      },
      ...clock.rows({
        'stage rows': 'LOAD DATA LOCAL INFILE',
        'check keys': 'COUNT(DISTINCT key)',
        upsert: 'INSERT ... ORDER BY key ON DUPLICATE KEY UPDATE',
      }),
      {
        metric: 'merge vs raw LOAD DATA into an empty table like the target (primary key)',
        value: format(rate(t.merge)),
        baseline: `${format(rate(t.floor))} floor`,
        ratio: `${(t.floor / t.merge).toFixed(2)}x`,
        target: '>= 0.6x floor',
        met: t.floor / t.merge >= 0.6,
      },
      {
        metric: 'merge vs raw LOAD DATA into an empty table without any index',
        value: format(rate(t.merge)),
        baseline: `${format(rate(t.heapFloor))} floor`,
        ratio: `${(t.heapFloor / t.merge).toFixed(2)}x`,
        target: '>= 0.6x floor',
        met: t.heapFloor / t.merge >= 0.6,
      },
      {
        metric: 'loader client CPU per merged row (checks, encoding, protocol)',
        value: `${((t.clientCpu / ROWS) * 1e6).toFixed(2)} us`,
        baseline: `${format(ROWS / t.clientCpu)} per CPU second`,
      },
      {
        metric: 'loader live heap peak, 1,000,000-row vs 100,000-row merge',
        value: mib(large.liveHeapPeak),
        baseline: `${mib(small.liveHeapPeak)} at 100,000`,
        ratio: `${(large.liveHeapPeak / small.liveHeapPeak).toFixed(2)}x`,
        target: 'independent of rows (<= 1.2x)',
        met: large.liveHeapPeak / small.liveHeapPeak <= 1.2,
      },
      ...memory.map(({ count, maxRssKb, liveHeapPeak }) => ({
        metric: `loader process peak RSS, ${count.toLocaleString('en-US')}-row merge`,
        value: mib(maxRssKb * 1024),
        baseline: `live heap ${mib(liveHeapPeak)}`,
      })),
    ],
  );
}

async function connectPostgres(): Promise<{ client: Client; url: string } | { reason: string }> {
  const reasons: string[] = [];
  for (const url of POSTGRES_URLS) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return { client, url };
    } catch (error) {
      reasons.push(`${redact(url)}: ${(error as Error).message}`);
    }
  }
  return { reason: reasons.join('; ') };
}

/** COPY of the same rows, same encoding, into an empty table like the target (primary key): the baseline. */
async function copyLoad(client: Client, table: string): Promise<void> {
  const names = COLUMNS.map((column) => `"${column.name}"`).join(', ');
  const copy = client.query(copyFrom(`COPY "${table}" (${names}) FROM STDIN`));
  await pipeline(Readable.from(encodeTextRows('postgres', COLUMNS, resultRows(ROWS, 2))), copy);
  if (copy.rowCount !== ROWS) throw new Error(`baseline COPY stored ${copy.rowCount} rows`);
}

async function runPostgres(): Promise<void> {
  const connected = await connectPostgres();
  if ('reason' in connected) {
    skipped('PostgreSQL', 'TRIBUTARY_BENCH_POSTGRES_URL', connected.reason);
    return;
  }
  const { client, url } = connected;
  const clock = new StatementClock();
  const loader = await openLoader(parseConnectionUrl(url), { onStatement: clock.onStatement });
  const run = (sql: string) => client.query(sql);
  const merge: number[] = [];
  const floor: number[] = [];
  const cpu: number[] = [];
  let server: string;
  try {
    server = String((await client.query('SHOW server_version')).rows[0]?.server_version);
    await run(`DROP TABLE IF EXISTS "${BASE}"`);
    await loader.load({
      table: BASE,
      mode: 'replace',
      keys: ['id'],
      result: { columns: COLUMNS, rows: resultRows(ROWS, 1, (id) => id % 2 === 0) },
    });
    for (let round = 0; round < ROUNDS; round++) {
      await run(`DROP TABLE IF EXISTS "${TABLE}"`);
      await run(`CREATE TABLE "${TABLE}" (LIKE "${BASE}" INCLUDING ALL)`);
      await run(`INSERT INTO "${TABLE}" SELECT * FROM "${BASE}"`);
      await run(`VACUUM ANALYZE "${TABLE}"`);
      const started = process.cpuUsage();
      merge.push(
        await clock.time(async () => {
          const outcome = await loader.load({
            table: TABLE,
            mode: 'merge',
            keys: ['id'],
            result: { columns: COLUMNS, rows: resultRows(ROWS, 2) },
          });
          if (outcome.rows !== ROWS) throw new Error(`merged ${outcome.rows} rows`);
        }),
      );
      const used = process.cpuUsage(started);
      cpu.push((used.user + used.system) / 1e6);
      const counts = await client.query(
        `SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE note LIKE 'note 2 %') AS updated FROM "${TABLE}"`,
      );
      if (Number(counts.rows[0]?.n) !== ROWS)
        throw new Error(`target has ${counts.rows[0]?.n} rows after the merge`);
      await run(`DROP TABLE IF EXISTS "${FLOOR}"`);
      await run(`CREATE TABLE "${FLOOR}" (LIKE "${BASE}" INCLUDING ALL)`);
      floor.push(await seconds(() => copyLoad(client, FLOOR)));
    }
    for (const table of [TABLE, BASE, FLOOR]) await run(`DROP TABLE IF EXISTS "${table}"`);
  } finally {
    await client.end();
    await loader.close();
  }
  const t = { merge: median(merge), floor: median(floor), clientCpu: median(cpu) };
  printResults(
    `Loader into PostgreSQL ${server}: the same merge of ${ROWS.toLocaleString('en-US')} rows x ${COLUMNS.length} columns; median of ${ROUNDS}`,
    [
      {
        metric: 'merge throughput (COPY to staging, INSERT ... ON CONFLICT DO UPDATE checking keys)',
        value: format(rate(t.merge)),
      },
      ...clock.rows({
        'stage rows': 'COPY',
        'check keys': 'GROUP BY key, only once the upsert finds a key twice',
        upsert: 'INSERT ... ORDER BY key ON CONFLICT DO UPDATE',
      }),
      {
        metric: 'merge vs raw COPY into an empty table like the target (primary key)',
        value: format(rate(t.merge)),
        baseline: `${format(rate(t.floor))} floor`,
        ratio: `${(t.floor / t.merge).toFixed(2)}x`,
        target: '>= 0.6x floor',
        met: t.floor / t.merge >= 0.6,
      },
      {
        metric: 'loader client CPU per merged row (checks, encoding, protocol)',
        value: `${((t.clientCpu / ROWS) * 1e6).toFixed(2)} us`,
        baseline: `${format(ROWS / t.clientCpu)} per CPU second`,
      },
    ],
  );
}

/** `TRIBUTARY_BENCH_LOADER=mysql` or `=postgres` runs one server only. */
export async function run(): Promise<void> {
  const only = process.env.TRIBUTARY_BENCH_LOADER;
  if (!only || only === 'mysql') await runMysql();
  if (!only || only === 'postgres') await runPostgres();
}
