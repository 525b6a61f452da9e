import { DatabaseConfigurationError } from '../errors';
import type { ServerConnectionConfig } from './database';

/** A server connection described for logs: never the password. */
export function describeServer(config: ServerConnectionConfig): string {
  return `${config.dialect}://${config.user}@${config.host}:${config.port}/${config.database} (tls ${config.tls})`;
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
  return new DatabaseConfigurationError(describeServer(config), problem, fix, { cause: error });
}

/** Opens a server connection; a refusal only configuration fixes becomes DatabaseConfigurationError. */
export async function connectTo<T>(config: ServerConnectionConfig, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    throw refusedConnection(error, config) ?? error;
  }
}
