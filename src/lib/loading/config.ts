import { readConfig } from '../config/reader';
import { readStorageConfig, type StorageConfig } from '../config/storage';
import { type ConnectionConfig, parseConnectionUrl, type TlsMode } from './connection';
import { ALL_DATABASES } from './databases/registry';

/** Where the loader's connection settings come from. */
export type LoaderTarget =
  | { readonly kind: 'secret'; readonly secretId: string; readonly tls: TlsMode }
  | { readonly kind: 'connection'; readonly connection: ConnectionConfig }
  /** The stage has no BI database: the plan step skips loads, and the loader refuses any it is sent. */
  | { readonly kind: 'none' };

/** What the run's output says when a stage has no BI database. */
export const NO_LOADER_DATABASE =
  "no BI database is configured: the stage's loaderSecretArn param is empty, so the loads are skipped";

export interface LoaderConfig {
  readonly storage: StorageConfig;
  readonly target: LoaderTarget;
}

/** The embedded database a local run loads into when no MySQL or PostgreSQL URL is given. */
export const LOCAL_WAREHOUSE_FILE = 'warehouse.duckdb';

const TLS_MODES: readonly TlsMode[] = ['disable', 'require', 'verify-full'];

/** The environment variable naming each server's URL on this machine, as its module declares. */
const SERVER_URL_VARIABLES = ALL_DATABASES.flatMap((database) =>
  database.connection.kind === 'server'
    ? [{ variable: database.connection.urlVariable, dialect: database.dialect }]
    : [],
);

/**
 * In AWS the database is the Secrets Manager secret TRIBUTARY_DATABASE_SECRET_ARN (RDS format),
 * over TLS (TRIBUTARY_DATABASE_TLS, default verify-full). Locally TRIBUTARY_MYSQL_URL or
 * TRIBUTARY_POSTGRES_URL name a real server; without either, an embedded DuckDB file under the
 * local root stands in. A deployed stage without the secret has no database (target `none`).
 */
export function readLoaderConfig(env: NodeJS.ProcessEnv): LoaderConfig {
  return readConfig('loader environment', env, (root) => {
    const storage = readStorageConfig(root, {});
    const servers = SERVER_URL_VARIABLES.filter(({ variable }) => env[variable]);
    if (servers.length > 1)
      root.problem(`set ${SERVER_URL_VARIABLES.map(({ variable }) => variable).join(' or ')}, not both`);
    const server = servers[0];
    if (server) {
      const connection = parseConnectionUrl(env[server.variable]!, server.variable);
      if (connection.dialect !== server.dialect)
        root.field(server.variable).problem(`must be a ${server.dialect}:// URL`);
      return { storage, target: { kind: 'connection', connection } };
    }
    // serverless passes an unset param as an empty string
    const secretId = env.TRIBUTARY_DATABASE_SECRET_ARN
      ? root.field('TRIBUTARY_DATABASE_SECRET_ARN').string()
      : undefined;
    const tls = root.field('TRIBUTARY_DATABASE_TLS').oneOf(TLS_MODES, 'verify-full');
    if (secretId) return { storage, target: { kind: 'secret', secretId, tls } };
    if (storage.localRoot) {
      const path = `${storage.localRoot}/${LOCAL_WAREHOUSE_FILE}`;
      return { storage, target: { kind: 'connection', connection: { dialect: 'duckdb', path } } };
    }
    return { storage, target: { kind: 'none' } };
  });
}
