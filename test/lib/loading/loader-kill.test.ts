import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { MysqlLoader } from '../../../src/lib/loading/mysql-loader';
import { PostgresLoader } from '../../../src/lib/loading/postgres-loader';
import type { LoadMode, ResultRow, TableLoader } from '../../../src/lib/loading/types';
import {
  connectMysql,
  connectPostgres,
  describeWithDatabase,
  type ServerKind,
  uniqueTableName,
} from '../../support/databases';
import { KILL_TEST_COLUMNS } from '../../support/kill-point-load';
import { result } from './loader-scenarios';

const PROJECT_ROOT = join(__dirname, '..', '..', '..');
const EXISTING: ResultRow[] = [
  ['1', 'old 1'],
  ['2', 'old 2'],
  ['3', 'old 3'],
];

/** Starts a load in a child process that freezes before the first statement matching `at`. */
function startFrozenLoad(kind: ServerKind, url: string, table: string, mode: LoadMode, at: string) {
  const child = spawn(
    process.execPath,
    ['--require', './scripts/register.cjs', 'test/support/kill-point-load.ts', kind, url, table, mode, at],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const frozen = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('frozen')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', () => reject(new Error(`the load ended before freezing at /${at}/: ${output}`)));
  });
  return { child, frozen };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const KILL_POINTS: Record<
  ServerKind,
  ReadonlyArray<readonly [LoadMode, string, (table: string) => string]>
> = {
  mysql: [
    ['merge', 'while staging', () => '^LOAD DATA'],
    ['merge', 'before the upsert', (t) => `^INSERT INTO \`${t}\` `],
    ['merge', 'before the commit', () => '^COMMIT'],
    ['replace', 'while filling the new table', (t) => `^INSERT INTO \`${t}__new_`],
    ['replace', 'before the swap', () => '^RENAME TABLE'],
  ],
  postgres: [
    ['merge', 'while staging', () => '^COPY'],
    ['merge', 'before the upsert', (t) => `^INSERT INTO "${t}" `],
    ['merge', 'before the commit', () => '^COMMIT'],
    ['replace', 'before truncating', () => '^TRUNCATE'],
    ['replace', 'before the commit', () => '^COMMIT'],
  ],
};

function describeKills(kind: ServerKind): void {
  describeWithDatabase(kind, `a ${kind} load killed part way`, (url) => {
    const connect = () => (kind === 'mysql' ? connectMysql(url) : connectPostgres(url));
    const openLoader = async (): Promise<TableLoader> =>
      kind === 'mysql'
        ? new MysqlLoader(await connectMysql(url))
        : new PostgresLoader(await connectPostgres(url));
    const quote = (name: string) => (kind === 'mysql' ? `\`${name}\`` : `"${name}"`);
    let check: Awaited<ReturnType<typeof connect>>;
    const tables: string[] = [];
    const query = async (sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> => {
      if (kind === 'mysql') {
        const [rows] = await (check as Awaited<ReturnType<typeof connectMysql>>).query<RowDataPacket[]>(
          sql,
          values,
        );
        return rows;
      }
      return (await (check as Awaited<ReturnType<typeof connectPostgres>>).query(sql, values)).rows;
    };
    const rows = async (table: string) =>
      (await query(`SELECT id, label FROM ${quote(table)} ORDER BY id`)).map((row) => [
        String(row.id),
        row.label,
      ]);
    const beside = async (table: string) =>
      (
        await query(
          kind === 'mysql'
            ? 'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?'
            : 'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1',
          [`${table}\\_\\_%`],
        )
      ).map((row) => String(row.name));

    beforeAll(async () => {
      check = await connect();
    });
    afterAll(async () => {
      for (const table of tables) {
        for (const name of [table, ...(await beside(table))])
          await query(`DROP TABLE IF EXISTS ${quote(name)}`);
      }
      await check.end();
    });

    it.each(KILL_POINTS[kind])(
      'leaves the target as it was when a %s load is killed %s, and the next load leaves nothing behind',
      async (mode, _point, at) => {
        const table = uniqueTableName('ld_kill');
        tables.push(table);
        const first = await openLoader();
        await first.load({ table, mode: 'merge', keys: ['id'], result: result(KILL_TEST_COLUMNS, EXISTING) });
        await first.close();

        const { child, frozen } = startFrozenLoad(kind, url, table, mode, at(table));
        await frozen;
        await kill(child);
        expect(await rows(table)).toEqual(EXISTING);

        const next = await openLoader();
        try {
          await next.load({
            table,
            mode: 'replace',
            keys: ['id'],
            result: result(KILL_TEST_COLUMNS, [['9', 'after the kill']]),
          });
        } finally {
          await next.close();
        }
        expect(await rows(table)).toEqual([['9', 'after the kill']]);
        expect(await beside(table)).toEqual([]);
      },
      60_000,
    );
  });
}

describeKills('mysql');
describeKills('postgres');
