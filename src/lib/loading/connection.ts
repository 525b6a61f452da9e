import { ConfigError, ConfigReader, isPlainObject, readConfig } from '../config/reader';
import { describeServer } from './databases/connect';
import type {
  ConnectionConfig,
  DatabaseModule,
  FileConnectionConfig,
  OpenLoaderOptions,
  ServerConnectionConfig,
  ServerDialect,
  TlsMode,
} from './databases/database';
import { ALL_DATABASES, DATABASES, databaseFor, isFileDialect } from './databases/registry';
import type { Dialect, TableLoader } from './types';

export { refusedConnection } from './databases/connect';

export type {
  ConnectionConfig,
  FileConnectionConfig as DuckDbConnectionConfig,
  OpenLoaderOptions,
  ServerConnectionConfig,
  TlsMode,
};

const SERVERS = ALL_DATABASES.filter(
  (database): database is DatabaseModule<ServerDialect> => database.connection.kind === 'server',
);
/** URL schemes of every database, each to its dialect. */
const SCHEMES: ReadonlyMap<string, Dialect> = new Map(
  ALL_DATABASES.flatMap((database) =>
    database.connection.urlSchemes.map((scheme) => [scheme, database.dialect]),
  ),
);
/** The `engine` values of Secrets Manager's RDS secret format. */
const ENGINES: ReadonlyMap<string, ServerDialect> = new Map(
  SERVERS.flatMap((database) =>
    database.connection.secretEngines.map((engine) => [engine, database.dialect]),
  ),
);
const TLS_MODES: readonly TlsMode[] = ['disable', 'require', 'verify-full'];
const URL_HINT = SERVERS.map(
  ({ connection }) => `${connection.urlSchemes[0]}://user:password@host:${connection.defaultPort}/database`,
).join(' or ');
const SCHEME_LIST = listed(
  ALL_DATABASES.flatMap((database) =>
    database.connection.urlSchemes.map((scheme) =>
      database.connection.kind === 'server' ? `${scheme}://` : `${scheme}:`,
    ),
  ),
);

function defaultPort(dialect: ServerDialect): number {
  return (DATABASES[dialect] as DatabaseModule<ServerDialect>).connection.defaultPort;
}

/** `a, b or c` */
function listed(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items.at(-1)}` : (items[0] ?? '');
}

/** The URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

/** A connection described for logs: never the password. */
export function describeConnection(config: ConnectionConfig): string {
  return 'path' in config ? `${config.dialect} ${config.path}` : describeServer(config);
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
  const dialect = SCHEMES.get(scheme);
  if (!dialect) throw new ConfigError(source, [`must start with ${SCHEME_LIST}`]);
  if (isFileDialect(dialect)) {
    const path = url.slice(url.indexOf(':') + 1).replace(/^\/\/(?=\/)/, '');
    return readConfig(`${source} ${url}`, { path: path || undefined }, (root) => ({
      dialect,
      path: root.field('path').string(),
    }));
  }
  const server = dialect;
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
      dialect: server,
      host: root.field('host').string(),
      port: root.field('port').integer(1, 65535, defaultPort(server)),
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
    const dialect = typeof engine.value === 'string' ? ENGINES.get(engine.value) : undefined;
    if (!dialect)
      engine.problem(
        engine.present
          ? `${JSON.stringify(engine.value)} is not one of ${[...ENGINES.keys()].join(', ')}`
          : 'is required',
      );
    // an unknown engine is already a problem: the first server's port stands in while reading on
    const server = dialect ?? SERVERS[0]!.dialect;
    return {
      dialect: server,
      host: root.field('host').string(),
      port: readPort(root.field('port'), defaultPort(server)),
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

/**
 * Connects and returns the loader for the configured database. Drivers are required on first use
 * (require, not import(), so tsx, jest and esbuild all resolve them): a Lambda loads only its
 * database's driver, and DuckDB is not in the Lambda bundles at all.
 */
export async function openLoader(
  config: ConnectionConfig,
  options: OpenLoaderOptions = {},
): Promise<TableLoader> {
  return databaseFor(config).open(config, options);
}
