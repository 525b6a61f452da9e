import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { describeWhenAvailable } from './requirement';

/**
 * The database servers integration tests use: MariaDB/MySQL and PostgreSQL on loopback, as on every
 * developer machine and in CI. TRIBUTARY_TEST_MYSQL_URL and TRIBUTARY_TEST_POSTGRES_URL point
 * elsewhere. A server that cannot be reached fails the tests under CI=true and skips them, saying
 * why, elsewhere.
 */
export type ServerKind = 'mysql' | 'postgres';

const PROJECT_ROOT = join(__dirname, '..', '..');

function candidateUrls(kind: ServerKind): string[] {
  if (kind === 'mysql') return [process.env.TRIBUTARY_TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test'];
  const override = process.env.TRIBUTARY_TEST_POSTGRES_URL;
  // trust authentication: the superuser is `postgres` on most installs, the OS user on some
  return override
    ? [override]
    : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];
}

const PROBE = `
const [kind, ...urls] = process.argv.slice(1);
(async () => {
  const reasons = [];
  for (const url of urls) {
    try {
      if (kind === 'mysql') {
        const connection = await require('mysql2/promise').createConnection({ uri: url, connectTimeout: 3000 });
        await connection.query('SELECT 1');
        await connection.end();
      } else {
        const client = new (require('pg').Client)({ connectionString: url, connectionTimeoutMillis: 3000 });
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
      }
      process.stdout.write(JSON.stringify({ url }));
      return;
    } catch (error) {
      reasons.push(url.replace(/:[^:@/]*@/, ':***@') + ': ' + (error.message || error.code || String(error)));
    }
  }
  process.stdout.write(JSON.stringify({ reason: reasons.join('; ') }));
})();`;

const probes = new Map<ServerKind, { url?: string; reason?: string }>();

/**
 * Which URL reaches the server, decided while jest collects tests: collection is synchronous and a
 * connection is not, so a child process tries it.
 */
export function probeDatabase(kind: ServerKind): { url?: string; reason?: string } {
  let probe = probes.get(kind);
  if (!probe) {
    const child = spawnSync(process.execPath, ['-e', PROBE, kind, ...candidateUrls(kind)], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    });
    try {
      probe = JSON.parse(child.stdout) as { url?: string; reason?: string };
    } catch {
      probe = { reason: `the probe failed: ${child.error?.message ?? child.stderr.trim()}` };
    }
    probes.set(kind, probe);
  }
  return probe;
}

/**
 * `describe` for tests that need a database server. When the server is unreachable the block is
 * skipped with the reason, and fails under CI=true (see ./requirement).
 */
export function describeWithDatabase(kind: ServerKind, title: string, define: (url: string) => void): void {
  const { url, reason } = probeDatabase(kind);
  const variable = kind === 'mysql' ? 'TRIBUTARY_TEST_MYSQL_URL' : 'TRIBUTARY_TEST_POSTGRES_URL';
  describeWhenAvailable(
    title,
    { what: `${kind} server`, missing: url ? undefined : `${reason}; start one or set ${variable}` },
    () => define(url!),
  );
}

/** A table name no other test run or jest worker uses: `<prefix>_<random>`. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** A MySQL connection returning exact values as text: BIGINT, DECIMAL and DATETIME as strings. */
export async function connectMysql(url: string): Promise<mysql.Connection> {
  const connection = await mysql.createConnection({
    uri: url,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    decimalNumbers: false,
  });
  connection.on('error', () => undefined);
  return connection;
}

/** A PostgreSQL client returning every value as PostgreSQL's text for it. */
export async function connectPostgres(url: string): Promise<Client> {
  const client = new Client({
    connectionString: url,
    types: { getTypeParser: () => (value: string) => value },
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
