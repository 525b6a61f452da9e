import type { Dialect } from '../types';
import type { ConnectionConfig, DatabaseModule, DatabaseRegistry, FileDialect } from './database';
import { duckdb } from './duckdb';
import { mysql } from './mysql';
import { postgresql } from './postgresql';

/**
 * Every database the loader writes to, one module each, in the order messages list them. A dialect
 * without its module here does not compile.
 */
export const DATABASES = {
  mysql,
  postgres: postgresql,
  duckdb,
} as const satisfies DatabaseRegistry;

/** The module of a dialect, for code that does not care which. */
export function databaseOf(dialect: Dialect): DatabaseModule {
  return DATABASES[dialect] as DatabaseModule;
}

/** The module of a connection, typed so its `open` takes that connection. */
export function databaseFor<C extends ConnectionConfig>(config: C): DatabaseModule<C['dialect']> {
  return DATABASES[config.dialect] as DatabaseModule<C['dialect']>;
}

/** Every module, in registry order. */
export const ALL_DATABASES: readonly DatabaseModule[] = Object.values(DATABASES) as DatabaseModule[];

/** Whether a dialect keeps its database in a file on this machine rather than on a server. */
export function isFileDialect(dialect: Dialect): dialect is FileDialect {
  return DATABASES[dialect].connection.kind === 'file';
}
