/**
 * A load in its own process that stops dead before a chosen statement, for the loader's fault
 * test: argv is the dialect, the server URL, the table, the load mode and a regular expression.
 * When the loader is about to send a statement matching it, the process says `frozen` on stdout
 * and blocks its event loop, so that statement is never sent, until the test kills it.
 */
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { MysqlLoader } from '../../src/lib/loading/mysql-loader';
import { PostgresLoader } from '../../src/lib/loading/postgres-loader';
import type { LoadMode, ResultColumn, ResultRow } from '../../src/lib/loading/types';

export const KILL_TEST_COLUMNS: ResultColumn[] = [
  { name: 'id', type: { kind: 'bigint' } },
  { name: 'label', type: { kind: 'string' } },
];

async function main(): Promise<void> {
  const [dialect, url, table, mode, pattern] = process.argv.slice(2) as [
    string,
    string,
    string,
    LoadMode,
    string,
  ];
  const freezeAt = new RegExp(pattern, 'i');
  const onStatement = (sql: string) => {
    if (!freezeAt.test(sql)) return;
    process.stdout.write('frozen\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  };
  const loader =
    dialect === 'mysql'
      ? new MysqlLoader(await mysql.createConnection({ uri: url }), { onStatement })
      : new PostgresLoader(await connectPostgres(url), { onStatement });
  const rows = (async function* (): AsyncGenerator<ResultRow> {
    for (let id = 1; id <= 5000; id++) yield [String(id), `new ${id}`];
  })();
  await loader.load({ table, mode, keys: ['id'], result: { columns: KILL_TEST_COLUMNS, rows } });
  process.stdout.write('loaded\n');
  await loader.close();
}

async function connectPostgres(connectionString: string): Promise<Client> {
  const client = new Client({ connectionString });
  await client.connect();
  return client;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
