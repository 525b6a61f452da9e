import type { ColumnType } from '../../columns/column-types';
import type { Dialect, TableLoader } from '../types';

/** Databases kept in one file on this machine (no server, no port, no login). */
export type FileDialect = 'duckdb';
/** Databases reached over the network with a host, port, user and password. */
export type ServerDialect = Exclude<Dialect, FileDialect>;

/**
 * TLS to the database, as libpq's sslmode: `require` encrypts without checking the certificate,
 * `verify-full` also checks it (for RDS, Node must trust the RDS CA: NODE_EXTRA_CA_CERTS).
 */
export type TlsMode = 'disable' | 'require' | 'verify-full';

export interface ServerConnectionConfig<D extends ServerDialect = ServerDialect> {
  readonly dialect: D;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly tls: TlsMode;
}

export interface FileConnectionConfig<D extends FileDialect = FileDialect> {
  readonly dialect: D;
  /** The database file (created when missing), or `:memory:`. */
  readonly path: string;
}

/** How a database of dialect D is reached: a file, or a server. */
export type ConnectionConfigOf<D extends Dialect> = D extends FileDialect
  ? FileConnectionConfig<D>
  : D extends ServerDialect
    ? ServerConnectionConfig<D>
    : never;

export type ConnectionConfig = ConnectionConfigOf<Dialect>;

/** A column of an existing table, as information_schema.columns describes it. */
export interface ExistingColumn {
  readonly name: string;
  /** DATA_TYPE as reported (`varchar`, `character varying`, `DECIMAL(18,2)`, ...), any case. */
  readonly dataType: string;
  /** The full type for messages (MySQL's COLUMN_TYPE, e.g. `varchar(20)`); dataType when absent. */
  readonly display?: string | null;
  readonly numericPrecision?: number | null;
  readonly numericScale?: number | null;
  readonly datetimePrecision?: number | null;
  /** Text columns' collation (MySQL), which decides which keys are equal. */
  readonly collation?: string | null;
}

/** What a key column is declared as can differ from a value column (MySQL cannot index TEXT). */
export type ColumnRole = 'key' | 'value';

/** The fields of a driver's error that tell a lost connection from a refused statement. */
export interface DriverErrorFields {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly fatal?: unknown;
  readonly message?: unknown;
}

export interface OpenLoaderOptions {
  /** Sees each statement before it runs, for logs. */
  readonly onStatement?: (sql: string) => void;
}

/** How a URL or a secret names the database: a server with a default port, or a file. */
export type ConnectionStyle<D extends Dialect> = D extends FileDialect
  ? { readonly kind: 'file'; readonly urlSchemes: readonly string[] }
  : {
      readonly kind: 'server';
      /** URL schemes, the first being the one messages show. */
      readonly urlSchemes: readonly string[];
      /** The `engine` values of Secrets Manager's RDS secret format that mean this database. */
      readonly secretEngines: readonly string[];
      readonly defaultPort: number;
      /** The environment variable holding this server's URL on this machine. */
      readonly urlVariable: string;
    };

/**
 * Everything the shared loader code needs to know about one database. Adding a database is one
 * module implementing this and one entry in DATABASES (databases/registry.ts); the compiler then
 * names every other place (the Dialect union, the column types each module must map).
 */
export interface DatabaseModule<D extends Dialect = Dialect> {
  readonly dialect: D;
  /** The product's name for messages. */
  readonly label: string;
  readonly connection: ConnectionStyle<D>;
  /** A name already checked by checkIdentifier, quoted for SQL text. */
  quote(name: string): string;
  /** The type a loader declares for a result column of this type. */
  columnType(type: ColumnType, role: ColumnRole): string;
  /**
   * Whether an existing column (its lowercased DATA_TYPE given apart) holds every value of the
   * result type without loss: a wider type fits, a narrower or different one does not.
   */
  accepts(type: ColumnType, column: ExistingColumn, dataType: string): boolean;
  /** How a boolean is written in the text rows LOAD DATA or COPY read (MySQL has no boolean). */
  readonly booleanText: { readonly true: string; readonly false: string };
  /**
   * Whether a driver error means the connection ended (a failover, a restart, a network cut)
   * rather than a refusal of what was sent; undefined when this database's driver did not raise it.
   */
  connectionLost(error: DriverErrorFields): boolean | undefined;
  /** Statements adding nullable columns (`"name" TYPE`, already quoted) to an existing table. */
  addColumns(quotedTable: string, definitions: readonly string[]): string[];
  /** Connects (its driver required on first use) and returns its loader. */
  open(config: ConnectionConfigOf<D>, options: OpenLoaderOptions): Promise<TableLoader>;
}

/** A table of one module per dialect, checked whole by the compiler. */
export type DatabaseRegistry = { readonly [D in Dialect]: DatabaseModule<D> };

/**
 * Whether an existing DECIMAL/NUMERIC column holds every value of decimal(p,s): the same scale and
 * at least the precision; an unconstrained column (no precision) only where the database says so.
 */
export function decimalFits(
  type: { readonly precision: number; readonly scale: number },
  column: ExistingColumn,
  dataType: string,
  unconstrainedHoldsAny: boolean,
): boolean {
  if (!/^(decimal|numeric)\b/.test(dataType)) return false;
  if (column.numericPrecision == null) return unconstrainedHoldsAny;
  return column.numericScale === type.scale && column.numericPrecision >= type.precision;
}

/** For the `default` of a switch over every column kind: a kind added later is a compile error here. */
export function unknownColumnKind(type: never): never {
  throw new Error(`No column type for ${JSON.stringify(type)}`);
}
