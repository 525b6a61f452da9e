import { type DuckDBConnection, DuckDBDataChunk, type DuckDBValue, VARCHAR } from '@duckdb/node-api';
import { DuplicateKeyError, SchemaMismatchError } from './errors';
import { quoteIdentifier, scratchTableName } from './identifiers';
import { type LoadPlan, refuseEmptyReplace, runLoad, type TableChange } from './load-plan';
import type { ResultRows } from './result-rows';
import {
  addColumnsSql,
  columnDefinitions,
  columnSqlType,
  describeMismatch,
  describeMissingUniqueKey,
  type ExistingColumn,
  missingColumns,
  nameList,
} from './sql-types';
import type { LoadOutcome, LoadRequest, TableLoader } from './types';

export interface DuckDbLoaderOptions {
  /** Sees each statement before it runs, for logs. */
  readonly onStatement?: (sql: string) => void;
  /** Runs after the connection closes (the loader that opened the database closes it here). */
  readonly onClose?: () => void;
}

/** DuckDB's vector size: one data chunk per 2048 rows. */
const CHUNK_ROWS = 2048;

/**
 * Loads query results into a DuckDB database file: the embedded default when no MySQL or
 * PostgreSQL is configured. Rows are appended as text, a data chunk at a time, to a temporary
 * staging table, then cast to the column types in SQL (vectorized, and a value that does not convert
 * fails the load). All of it runs in one transaction:
 * - merge: INSERT ... ON CONFLICT (keys) DO UPDATE from the typed staging rows;
 * - insert: INSERT ... SELECT;
 * - replace: a new table, renamed into place, the old one dropped;
 * - first load: CREATE TABLE and INSERT;
 * - result columns an existing table lacks: added to it, nullable, before merge or insert.
 */
export class DuckDbLoader implements TableLoader {
  readonly dialect = 'duckdb' as const;

  constructor(
    readonly connection: DuckDBConnection,
    private readonly options: DuckDbLoaderOptions = {},
  ) {}

  load(request: LoadRequest): Promise<LoadOutcome> {
    return runLoad(request, 'duckdb', (plan, rows) => this.run(plan, rows));
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.options.onClose?.();
  }

  private async run(plan: LoadPlan, rows: ResultRows): Promise<TableChange> {
    const existing = await this.describeTable(plan.table);
    if (existing) await this.checkTable(plan, existing);
    const added = existing ? missingColumns(plan.columns, existing) : [];
    const stage = scratchTableName(plan.table, 'stage', plan.token);
    await this.execute('BEGIN TRANSACTION');
    try {
      await this.execute(
        `CREATE TEMPORARY TABLE ${quote(stage)} (${plan.names.map((name) => `${quoteIdentifier('duckdb', name)} VARCHAR`).join(', ')})`,
      );
      await this.append(stage, plan, rows);
      if (existing) await refuseEmptyReplace(plan, rows, () => this.hasRows(plan.table));
      const typed = typedRows(plan, stage);
      const names = nameList('duckdb', plan.names);
      if (!existing) {
        await this.execute(`CREATE TABLE ${quote(plan.table)} (${definitions(plan)})`);
        await this.execute(`INSERT INTO ${quote(plan.table)} (${names}) ${typed}`);
      } else if (plan.mode === 'replace') {
        // the new table is declared from the result: it has the added columns already
        await this.swapIn(plan, typed);
      } else {
        // in the load's transaction: a failed load takes the new columns back with it
        for (const sql of addColumnsSql('duckdb', plan.table, added)) await this.execute(sql);
        if (plan.mode === 'insert')
          await this.execute(`INSERT INTO ${quote(plan.table)} (${names}) ${typed}`);
        else await this.merge(plan, stage, typed);
      }
      await this.execute(`DROP TABLE ${quote(stage)}`);
      await this.execute('COMMIT');
    } catch (error) {
      // rolls back the staging tables too: they were created in this transaction
      await this.execute('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return { created: !existing, added };
  }

  private async hasRows(table: string): Promise<boolean> {
    const reader = await this.connection.runAndReadAll(`SELECT 1 FROM ${quote(table)} LIMIT 1`);
    return reader.getRows().length > 0;
  }

  /** DuckDB has no CREATE TABLE ... LIKE: the new table is declared from the result's columns. */
  private async swapIn(plan: LoadPlan, typed: string): Promise<void> {
    const fresh = scratchTableName(plan.table, 'new', plan.token);
    const old = scratchTableName(plan.table, 'old', plan.token);
    await this.execute(`CREATE TABLE ${quote(fresh)} (${definitions(plan)})`);
    await this.execute(`INSERT INTO ${quote(fresh)} (${nameList('duckdb', plan.names)}) ${typed}`);
    await this.execute(`ALTER TABLE ${quote(plan.table)} RENAME TO ${quote(old)}`);
    await this.execute(`ALTER TABLE ${quote(fresh)} RENAME TO ${quote(plan.table)}`);
    await this.execute(`DROP TABLE ${quote(old)}`);
  }

  private async merge(plan: LoadPlan, stage: string, typed: string): Promise<void> {
    await this.checkKeysUnique(stage, plan);
    // ON CONFLICT reading typed rows is several times faster than casting inside it
    const typedStage = scratchTableName(plan.table, 'typed', plan.token);
    await this.execute(`CREATE TEMPORARY TABLE ${quote(typedStage)} AS ${typed}`);
    const names = nameList('duckdb', plan.names);
    const assignments = plan.values.map((name) => {
      const column = quoteIdentifier('duckdb', name);
      return `${column} = EXCLUDED.${column}`;
    });
    await this.execute(
      `INSERT INTO ${quote(plan.table)} (${names}) SELECT ${names} FROM ${quote(typedStage)} ON CONFLICT (${nameList('duckdb', plan.keys)}) ${
        assignments.length > 0 ? `DO UPDATE SET ${assignments.join(', ')}` : 'DO NOTHING'
      }`,
    );
    await this.execute(`DROP TABLE ${quote(typedStage)}`);
  }

  private async append(stage: string, plan: LoadPlan, rows: ResultRows): Promise<void> {
    const width = plan.columns.length;
    const appender = await this.connection.createAppender(stage, 'main', 'temp');
    const chunk = DuckDBDataChunk.create(
      plan.columns.map(() => VARCHAR),
      CHUNK_ROWS,
    );
    let columns: DuckDBValue[][] = plan.columns.map(() => []);
    let count = 0;
    const flush = () => {
      chunk.rowCount = count;
      chunk.setColumns(columns);
      appender.appendDataChunk(chunk);
      columns = plan.columns.map(() => []);
      count = 0;
    };
    try {
      for await (const row of rows) {
        for (let i = 0; i < width; i++) columns[i]!.push(row[i] ?? null);
        if (++count === CHUNK_ROWS) flush();
      }
      if (count > 0) flush();
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  private async checkKeysUnique(stage: string, plan: LoadPlan): Promise<void> {
    const keys = nameList('duckdb', plan.keys);
    const reader = await this.connection.runAndReadAll(
      `SELECT ${keys} FROM ${quote(stage)} GROUP BY ALL HAVING COUNT(*) > 1 LIMIT 1`,
    );
    const example = reader.getRowsJson()[0];
    if (example) throw new DuplicateKeyError(plan.table, plan.keys, example);
  }

  private async describeTable(table: string): Promise<ExistingColumn[] | undefined> {
    const reader = await this.connection.runAndReadAll(
      `SELECT column_name, data_type, numeric_precision, numeric_scale
         FROM information_schema.columns
        WHERE table_catalog = current_database() AND table_schema = current_schema() AND table_name = ?
        ORDER BY ordinal_position`,
      [table],
    );
    const columns = reader.getRowObjectsJson();
    if (columns.length === 0) return undefined;
    const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
    return columns.map((column) => ({
      name: String(column.column_name),
      dataType: String(column.data_type).replace(/\(.*$/, ''),
      display: String(column.data_type),
      numericPrecision: number(column.numeric_precision),
      numericScale: number(column.numeric_scale),
    }));
  }

  private async checkTable(plan: LoadPlan, existing: readonly ExistingColumn[]): Promise<void> {
    const problems = describeMismatch('duckdb', plan.columns, existing);
    if (plan.mode === 'merge') {
      const reader = await this.connection.runAndReadAll(
        `SELECT constraint_column_names AS columns FROM duckdb_constraints()
          WHERE database_name = current_database() AND schema_name = current_schema() AND table_name = ?
            AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')`,
        [plan.table],
      );
      const unique = reader.getRowObjectsJson().map((row) => (row.columns as string[]).map(String));
      const problem = describeMissingUniqueKey(plan.keys, unique);
      if (problem) problems.push(problem);
    }
    if (problems.length > 0) throw new SchemaMismatchError(plan.table, problems);
  }

  private async execute(sql: string): Promise<void> {
    this.options.onStatement?.(sql);
    await this.connection.run(sql);
  }
}

function quote(name: string): string {
  return quoteIdentifier('duckdb', name, 'table');
}

function definitions(plan: LoadPlan): string {
  const primaryKey = plan.keys.length > 0 ? `, PRIMARY KEY (${nameList('duckdb', plan.keys)})` : '';
  return `${columnDefinitions('duckdb', plan.columns, plan.keys)}${primaryKey}`;
}

/** The staged text cast to the column types: a value that does not convert fails the statement. */
function typedRows(plan: LoadPlan, stage: string): string {
  const columns = plan.columns.map((column) => {
    const name = quoteIdentifier('duckdb', column.name);
    return column.type.kind === 'string'
      ? name
      : `CAST(${name} AS ${columnSqlType('duckdb', column.type)}) AS ${name}`;
  });
  return `SELECT ${columns.join(', ')} FROM ${quote(stage)}`;
}
