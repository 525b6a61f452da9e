import type { ColumnType } from '../columns/column-types';

/**
 * How a query result reaches a database table, as Embulk's output modes:
 * - merge: upsert on the declared key columns (composite keys allowed);
 * - replace: the table becomes exactly the result, swapped in atomically;
 * - insert: rows are appended.
 * Every mode loads a staging table first and changes the target in one transaction, so a failed
 * load leaves the target exactly as it was.
 */
export type LoadMode = 'merge' | 'replace' | 'insert';

/** Databases a result can be loaded into: MySQL/Aurora MySQL/MariaDB, PostgreSQL, embedded DuckDB. */
export type Dialect = 'mysql' | 'postgres' | 'duckdb';

export interface ResultColumn {
  readonly name: string;
  readonly type: ColumnType;
}

/** One result row: each value as the text Athena writes in its CSV result, or null. */
export type ResultRow = ReadonlyArray<string | null>;

/** A query result being read: its columns first, then its rows, streamed. */
export interface QueryResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: AsyncIterable<ResultRow>;
}

export interface LoadRequest {
  readonly table: string;
  readonly mode: LoadMode;
  /** Key columns for merge (and the primary key of a table the loader creates). */
  readonly keys: readonly string[];
  readonly result: QueryResult;
  /** Whether a replace load of zero rows may empty a table that has rows (default: refused). */
  readonly allowEmpty?: boolean;
}

export interface LoadOutcome {
  readonly table: string;
  readonly mode: LoadMode;
  readonly rows: number;
  /** Whether the loader created the target table. */
  readonly created: boolean;
  /** Result columns the loader added to the existing table, nullable, in result order; absent when none. */
  readonly addedColumns?: readonly string[];
}

/** A database the loader writes to; one connection per instance. */
export interface TableLoader {
  readonly dialect: Dialect;
  load(request: LoadRequest): Promise<LoadOutcome>;
  close(): Promise<void>;
}
