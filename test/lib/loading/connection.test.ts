import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/lib/config/reader';
import {
  type ConnectionConfig,
  describeConnection,
  openLoader,
  parseConnectionSecret,
  parseConnectionUrl,
  redactUrl,
} from '../../../src/lib/loading/connection';
import {
  connectMysql,
  connectPostgres,
  describeWithDatabase,
  uniqueTableName,
} from '../../support/databases';
import { result } from './loader-scenarios';

const SECRET = 'S3cr3t:p@ss/word';

describe('parseConnectionUrl', () => {
  it.each<[string, ConnectionConfig]>([
    [
      'mysql://loader:pw@db.internal:3307/bi',
      {
        dialect: 'mysql',
        host: 'db.internal',
        port: 3307,
        user: 'loader',
        password: 'pw',
        database: 'bi',
        tls: 'disable',
      },
    ],
    [
      'mariadb://root@127.0.0.1/test',
      {
        dialect: 'mysql',
        host: '127.0.0.1',
        port: 3306,
        user: 'root',
        password: '',
        database: 'test',
        tls: 'disable',
      },
    ],
    [
      `postgres://loader:${encodeURIComponent(SECRET)}@bi.cluster-x.eu-west-1.rds.amazonaws.com/analytics?sslmode=verify-full`,
      {
        dialect: 'postgres',
        host: 'bi.cluster-x.eu-west-1.rds.amazonaws.com',
        port: 5432,
        user: 'loader',
        password: SECRET,
        database: 'analytics',
        tls: 'verify-full',
      },
    ],
    [
      'postgresql://u:p@[::1]:6543/db?sslmode=require',
      {
        dialect: 'postgres',
        host: '::1',
        port: 6543,
        user: 'u',
        password: 'p',
        database: 'db',
        tls: 'require',
      },
    ],
    [
      'mysql://u:p@h/db?ssl=true',
      {
        dialect: 'mysql',
        host: 'h',
        port: 3306,
        user: 'u',
        password: 'p',
        database: 'db',
        tls: 'verify-full',
      },
    ],
    ['duckdb:///var/data/bi.duckdb', { dialect: 'duckdb', path: '/var/data/bi.duckdb' }],
    ['duckdb:.tributary/bi.duckdb', { dialect: 'duckdb', path: '.tributary/bi.duckdb' }],
  ])('reads %s', (url, config) => {
    expect(parseConnectionUrl(url)).toEqual(config);
  });

  it('names every problem at once, never the password', () => {
    const url = `mysql://:${encodeURIComponent(SECRET)}@db.internal:0/a/b?sslmode=maybe&pool=5`;
    let error: unknown;
    try {
      parseConnectionUrl(url);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      '(top level): unknown key "pool" (allowed: host, port, user, database, sslmode, ssl)',
      'sslmode: expected one of disable, require, verify-full, got string "maybe"',
      'database: must be a database name, without /',
      'port: expected an integer from 1 to 65535, got number 0',
      'user: expected a non-empty string, got nothing',
    ]);
    expect((error as Error).message).toMatch(/^connection URL mysql:\/\/db\.internal:0\/a\/b is invalid/);
    expect((error as Error).message).not.toContain('S3cr3t');
  });

  it.each([
    `${SECRET} pasted instead of a URL`,
    'not a url',
    'oracle://scott:tiger@db/orcl',
    'constructor://x/y',
  ])('refuses %j without echoing it', (text) => {
    expect(() => parseConnectionUrl(text)).toThrow(ConfigError);
    expect(() => parseConnectionUrl(text)).toThrow(
      /^connection URL is invalid:\n {2}- (is not a URL like|must start with)/,
    );
    expect(() => parseConnectionUrl(text)).not.toThrow(/S3cr3t|tiger/);
  });

  it('masks passwords for logs', () => {
    expect(redactUrl('mysql://u:hunter2@h:3306/db')).toBe('mysql://u:***@h:3306/db');
    expect(redactUrl('mysql://u@h/db')).toBe('mysql://u@h/db');
    expect(describeConnection(parseConnectionUrl('mysql://u:hunter2@h:3306/db'))).toBe(
      'mysql://u@h:3306/db (tls disable)',
    );
  });
});

describe('parseConnectionSecret', () => {
  const rds = {
    engine: 'aurora-postgresql',
    host: 'bi.cluster-x.eu-west-1.rds.amazonaws.com',
    port: 5432,
    username: 'loader',
    password: SECRET,
    dbname: 'analytics',
    dbClusterIdentifier: 'bi',
  };

  it.each<[string, Record<string, unknown>, Partial<ConnectionConfig>]>([
    [
      'an Aurora PostgreSQL secret',
      rds,
      { dialect: 'postgres', port: 5432, tls: 'verify-full', password: SECRET },
    ],
    [
      'an Aurora MySQL secret with the port as text',
      { ...rds, engine: 'aurora-mysql', port: '3306' },
      { dialect: 'mysql', port: 3306 },
    ],
    [
      'a MariaDB secret without a port',
      { ...rds, engine: 'mariadb', port: undefined },
      { dialect: 'mysql', port: 3306 },
    ],
    [
      'a PostgreSQL secret',
      { ...rds, engine: 'postgres' },
      { dialect: 'postgres', database: 'analytics', user: 'loader' },
    ],
  ])('reads %s', (_, secret, expected) => {
    expect(parseConnectionSecret(JSON.stringify(secret))).toMatchObject(expected);
  });

  it('takes TLS mode, database and source name from the caller', () => {
    const { dbname: _, ...withoutDatabase } = rds;
    expect(
      parseConnectionSecret(JSON.stringify(withoutDatabase), {
        tls: 'require',
        database: 'reporting',
        source: 'secret bi',
      }),
    ).toMatchObject({ tls: 'require', database: 'reporting' });
  });

  it('names every problem, never the password', () => {
    const secret = JSON.stringify({ engine: 'oracle', port: 'x', username: '', password: 12345678 });
    const failure = () =>
      parseConnectionSecret(secret, { source: 'arn:aws:secretsmanager:eu-west-1:1:secret:bi' });
    expect(failure).toThrow(ConfigError);
    expect(failure).toThrow(
      [
        'arn:aws:secretsmanager:eu-west-1:1:secret:bi is invalid:',
        '  - engine: "oracle" is not one of mysql, mariadb, aurora-mysql, aurora, postgres, aurora-postgresql',
        '  - host: expected a non-empty string, got nothing',
        '  - port: expected an integer from 1 to 65535, got string "x"',
        '  - username: expected a non-empty string, got string ""',
        '  - password: expected a non-empty string (the value is not shown)',
        '  - dbname: expected a non-empty string, got nothing',
      ].join('\n'),
    );
    expect(failure).not.toThrow(/12345678/);
  });

  it('refuses an engine name that only looks like one', () => {
    expect(() => parseConnectionSecret(JSON.stringify({ ...rds, engine: 'constructor' }))).toThrow(
      'engine: "constructor" is not one of',
    );
  });

  it('refuses text that is not JSON without quoting it', () => {
    const failure = () => parseConnectionSecret(`{"password": "${SECRET}"`);
    expect(failure).toThrow('database secret is invalid:\n  - is not valid JSON');
    expect(failure).not.toThrow(/S3cr3t/);
  });
});

describe('openLoader', () => {
  it('opens a DuckDB file, creating it', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tributary-open-loader-'));
    try {
      const loader = await openLoader(parseConnectionUrl(`duckdb:${join(directory, 'bi.duckdb')}`));
      expect(loader.dialect).toBe('duckdb');
      const columns = [{ name: 'id', type: { kind: 'bigint' } } as const];
      expect(
        await loader.load({ table: 't', mode: 'insert', keys: [], result: result(columns, [['1']]) }),
      ).toMatchObject({
        rows: 1,
        created: true,
      });
      await loader.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  for (const kind of ['mysql', 'postgres'] as const) {
    describeWithDatabase(kind, `openLoader for ${kind}`, (url) => {
      const table = uniqueTableName('ld_open');
      afterAll(async () => {
        if (kind === 'mysql') {
          const connection = await connectMysql(url);
          await connection.query(`DROP TABLE IF EXISTS \`${table}\``);
          await connection.end();
        } else {
          const client = await connectPostgres(url);
          await client.query(`DROP TABLE IF EXISTS "${table}"`);
          await client.end();
        }
      });

      it('connects from a URL and loads', async () => {
        const loader = await openLoader(parseConnectionUrl(url));
        try {
          expect(loader.dialect).toBe(kind);
          const columns = [{ name: 'id', type: { kind: 'bigint' } } as const];
          expect(
            await loader.load({
              table,
              mode: 'replace',
              keys: ['id'],
              result: result(columns, [['1'], ['2']]),
            }),
          ).toEqual({
            table,
            mode: 'replace',
            rows: 2,
            created: true,
          });
        } finally {
          await loader.close();
        }
      });
    });
  }
});
