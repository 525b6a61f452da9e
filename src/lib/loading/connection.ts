import { ConfigError, ConfigReader, isPlainObject, readConfig } from '../config/reader';
import { DatabaseConfigurationError } from './errors';
import type { TableLoader } from './types';

/**
 * TLS to the database, as libpq's sslmode: `require` encrypts without checking the certificate,
 * `verify-full` also checks it (for RDS, Node must trust the RDS CA: NODE_EXTRA_CA_CERTS).
 */
export type TlsMode = 'disable' | 'require' | 'verify-full';

export interface ServerConnectionConfig {
  readonly dialect: 'mysql' | 'postgres';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly tls: TlsMode;
}

export interface DuckDbConnectionConfig {
  readonly dialect: 'duckdb';
  /** The database file (created when missing), or `:memory:`. */
  readonly path: string;
}

export type ConnectionConfig = ServerConnectionConfig | DuckDbConnectionConfig;

const SCHEMES: Readonly<Record<string, ConnectionConfig['dialect']>> = {
  mysql: 'mysql',
  mariadb: 'mysql',
  postgres: 'postgres',
  postgresql: 'postgres',
  duckdb: 'duckdb',
};
/** The `engine` values of Secrets Manager's RDS secret format. */
const ENGINES: Readonly<Record<string, ServerConnectionConfig['dialect']>> = {
  mysql: 'mysql',
  mariadb: 'mysql',
  'aurora-mysql': 'mysql',
  aurora: 'mysql',
  postgres: 'postgres',
  'aurora-postgresql': 'postgres',
};
const DEFAULT_PORTS = { mysql: 3306, postgres: 5432 } as const;
const TLS_MODES: readonly TlsMode[] = ['disable', 'require', 'verify-full'];
const URL_HINT = 'mysql://user:password@host:3306/database or postgres://user:password@host:5432/database';

/** The URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

/** A connection described for logs: never the password. */
export function describeConnection(config: ConnectionConfig): string {
  return config.dialect === 'duckdb'
    ? `duckdb ${config.path}`
    : `${config.dialect}://${config.user}@${config.host}:${config.port}/${config.database} (tls ${config.tls})`;
}

/**
 * Reads `mysql://user:pass@host:3306/db` (also `mariadb:`), `postgres://...` (also `postgresql:`)
 * with an optional `?sslmode=disable|require|verify-full` (or `?ssl=true|false`), and
 * `duckdb:<file>`. Throws one ConfigError naming every problem; the password is never shown.
 */
export function parseConnectionUrl(url: string, source = 'connection URL'): ConnectionConfig {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // no echo: a mistyped URL may well be a password
    throw new ConfigError(source, [`is not a URL like ${URL_HINT}`]);
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  const dialect = Object.hasOwn(SCHEMES, scheme) ? SCHEMES[scheme] : undefined;
  if (!dialect)
    throw new ConfigError(source, [
      `must start with mysql://, mariadb://, postgres://, postgresql:// or duckdb:`,
    ]);
  if (dialect === 'duckdb') {
    const path = url.slice(url.indexOf(':') + 1).replace(/^\/\/(?=\/)/, '');
    return readConfig(`${source} ${url}`, { path: path || undefined }, (root) => ({
      dialect: 'duckdb' as const,
      path: root.field('path').string(),
    }));
  }
  const decode = (text: string): string | undefined => {
    try {
      return text === '' ? undefined : decodeURIComponent(text);
    } catch {
      return '%invalid';
    }
  };
  const document = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || undefined,
    port: parsed.port === '' ? undefined : Number(parsed.port),
    user: decode(parsed.username),
    database: decode(parsed.pathname.replace(/^\//, '')),
    ...Object.fromEntries(parsed.searchParams),
  };
  const password = decode(parsed.password) ?? '';
  // built from the parts, so the password cannot slip into a message
  const shown = `${scheme}://${parsed.username ? `${parsed.username}${parsed.password ? ':***' : ''}@` : ''}${parsed.host}${parsed.pathname}`;
  return readConfig(`${source} ${shown}`, document, (root) => {
    root.object(['host', 'port', 'user', 'database', 'sslmode', 'ssl']);
    const ssl = root.field('ssl').oneOf(['true', 'false'], 'false');
    const tls = root.field('sslmode').oneOf(TLS_MODES, ssl === 'true' ? 'verify-full' : 'disable');
    const database = root.field('database');
    if (typeof database.value === 'string' && database.value.includes('/'))
      database.problem('must be a database name, without /');
    return {
      dialect,
      host: root.field('host').string(),
      port: root.field('port').integer(1, 65535, DEFAULT_PORTS[dialect]),
      user: root.field('user').string(),
      password,
      database: database.string(),
      tls,
    };
  });
}

/**
 * Reads a Secrets Manager secret in the RDS format: `{"engine": "mysql" | "aurora-mysql" | "postgres" |
 * "aurora-postgresql" | ..., "host", "port", "username", "password", "dbname"}`. Other keys (such as
 * dbInstanceIdentifier) are ignored, as other tools write them. The secret's text and password never
 * appear in an error.
 */
export function parseConnectionSecret(
  secret: string,
  options: { readonly tls?: TlsMode; readonly database?: string; readonly source?: string } = {},
): ServerConnectionConfig {
  const source = options.source ?? 'database secret';
  let document: unknown;
  try {
    document = JSON.parse(secret);
  } catch {
    // JSON.parse's message quotes the text, which holds the password
    throw new ConfigError(source, ['is not valid JSON']);
  }
  return readConfig(source, document, (root) => {
    if (!isPlainObject(root.value)) root.problem('expected a JSON object');
    const engine = root.field('engine');
    const dialect =
      typeof engine.value === 'string' && Object.hasOwn(ENGINES, engine.value)
        ? ENGINES[engine.value]
        : undefined;
    if (!dialect)
      engine.problem(
        engine.present
          ? `${JSON.stringify(engine.value)} is not one of ${Object.keys(ENGINES).join(', ')}`
          : 'is required',
      );
    const server = dialect ?? 'mysql';
    return {
      dialect: server,
      host: root.field('host').string(),
      port: readPort(root.field('port'), DEFAULT_PORTS[server]),
      user: root.field('username').string(),
      password: readPassword(root.field('password')),
      database: options.database ?? root.field('dbname').string(),
      tls: options.tls ?? 'verify-full',
    };
  });
}

function readPort(reader: ConfigReader, fallback: number): number {
  // the RDS console writes a number; hand-written secrets often have "3306"
  if (typeof reader.value === 'string' && /^\d+$/.test(reader.value)) {
    return new ConfigReader(Number(reader.value), reader.path, reader.problems).integer(1, 65535, fallback);
  }
  return reader.integer(1, 65535, fallback);
}

function readPassword(reader: ConfigReader): string {
  if (typeof reader.value === 'string' && reader.value !== '') return reader.value;
  reader.problem(reader.present ? 'expected a non-empty string (the value is not shown)' : 'is required');
  return '';
}

/** Where a loader's connection is configured: a URL here, the loader secret in AWS. */
const WHERE_CONFIGURED =
  'TRIBUTARY_MYSQL_URL or TRIBUTARY_POSTGRES_URL on this machine, the loaderSecretArn secret in AWS';

/**
 * The servers' codes for refusals only configuration fixes (MySQL/MariaDB error names, PostgreSQL
 * SQLSTATEs), with what is wrong and what to do.
 */
const REFUSALS: Readonly<
  Record<string, (config: ServerConnectionConfig) => { readonly problem: string; readonly fix: string }>
> = {
  ER_BAD_DB_ERROR: missingDatabase,
  '3D000': missingDatabase,
  ER_ACCESS_DENIED_ERROR: refusedLogin,
  '28P01': refusedLogin,
  '28000': refusedLogin,
  ER_DBACCESS_DENIED_ERROR: (config) => ({
    problem: `user ${config.user} may not use the database ${config.database}`,
    fix: `grant ${config.user} access to ${config.database}, or connect as a user that has it (${WHERE_CONFIGURED})`,
  }),
};

function missingDatabase(config: ServerConnectionConfig) {
  return {
    problem: `the database ${config.database} does not exist`,
    fix: `create it, or correct the database name (${WHERE_CONFIGURED})`,
  };
}

function refusedLogin(config: ServerConnectionConfig) {
  return {
    problem: `it does not accept user ${config.user} with the password given`,
    fix: `correct the user and password (${WHERE_CONFIGURED}), or create the user on the server`,
  };
}

/**
 * A connection error as DatabaseConfigurationError when the server refused what it was given (no
 * such database, a login it does not accept), which no retry can fix; undefined otherwise.
 */
export function refusedConnection(
  error: unknown,
  config: ServerConnectionConfig,
): DatabaseConfigurationError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const refusal = typeof code === 'string' && Object.hasOwn(REFUSALS, code) ? REFUSALS[code] : undefined;
  if (!refusal) return undefined;
  const { problem, fix } = refusal(config);
  return new DatabaseConfigurationError(describeConnection(config), problem, fix, { cause: error });
}

/** Opens a server connection; a refusal only configuration fixes becomes DatabaseConfigurationError. */
async function connectTo<T>(config: ServerConnectionConfig, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    throw refusedConnection(error, config) ?? error;
  }
}

export interface OpenLoaderOptions {
  /** Sees each statement before it runs, for logs. */
  readonly onStatement?: (sql: string) => void;
}

/**
 * Connects and returns the loader for the configured database. Drivers are required on first use
 * (require, not import(), so tsx, jest and esbuild all resolve them): a Lambda loads only its
 * database's driver, and DuckDB is not in the Lambda bundles at all.
 */
export async function openLoader(
  config: ConnectionConfig,
  options: OpenLoaderOptions = {},
): Promise<TableLoader> {
  switch (config.dialect) {
    case 'mysql': {
      const { createConnection } = require('mysql2/promise') as typeof import('mysql2/promise');
      const { MysqlLoader } = require('./mysql-loader') as typeof import('./mysql-loader');
      const connection = await connectTo(config, () =>
        createConnection({
          host: config.host,
          port: config.port,
          user: config.user,
          password: config.password,
          database: config.database,
          ...(config.tls === 'disable' ? {} : { ssl: { rejectUnauthorized: config.tls === 'verify-full' } }),
          charset: 'UTF8MB4_GENERAL_CI',
          supportBigNumbers: true,
          bigNumberStrings: true,
          dateStrings: true,
          connectTimeout: 10_000,
        }),
      );
      // a dropped idle connection must not crash the process; the next query reports it
      connection.on('error', () => undefined);
      return new MysqlLoader(connection, options);
    }
    case 'postgres': {
      const { Client } = require('pg') as typeof import('pg');
      const { PostgresLoader } = require('./postgres-loader') as typeof import('./postgres-loader');
      const client = new Client({
        host: config.host,
        port: config.port,
        user: config.user,
        password: config.password,
        database: config.database,
        ssl: config.tls === 'disable' ? false : { rejectUnauthorized: config.tls === 'verify-full' },
        connectionTimeoutMillis: 10_000,
      });
      client.on('error', () => undefined);
      await connectTo(config, () => client.connect());
      return new PostgresLoader(client, options);
    }
    case 'duckdb': {
      const { DuckDbLoader } = require('./duckdb-loader') as typeof import('./duckdb-loader');
      const file = await openDuckDbFile(config.path);
      try {
        return new DuckDbLoader(await file.instance.connect(), { ...options, onClose: file.release });
      } catch (error) {
        file.release();
        throw error;
      }
    }
  }
}

type DuckDBInstance = import('@duckdb/node-api').DuckDBInstance;

/**
 * One DuckDB instance per database file in this process, shared by concurrent loads (the state
 * machine runs two at once): two instances of one file would each overwrite the other's writes.
 * The last load to finish closes it.
 */
const duckDbFiles = new Map<string, { instance: Promise<DuckDBInstance>; users: number }>();

async function openDuckDbFile(path: string): Promise<{ instance: DuckDBInstance; release: () => void }> {
  let file = duckDbFiles.get(path);
  if (!file) {
    const { DuckDBInstance } = require('@duckdb/node-api') as typeof import('@duckdb/node-api');
    file = { instance: DuckDBInstance.create(path), users: 0 };
    duckDbFiles.set(path, file);
  }
  const shared = file;
  shared.users++;
  const release = () => {
    if (--shared.users > 0) return;
    duckDbFiles.delete(path);
    shared.instance.then((instance) => instance.closeSync()).catch(() => undefined);
  };
  try {
    return { instance: await shared.instance, release };
  } catch (error) {
    release();
    throw error;
  }
}
