import { Readable } from 'node:stream';
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { DuplicateKeyError, RejectedValuesError, SchemaMismatchError } from './errors';
import { quoteIdentifier, scratchTableName } from './identifiers';
import { type LoadPlan, runLoad } from './load-plan';
import { encodeTextRows, type ResultRows } from './result-rows';
import {
  columnDefinitions,
  describeMismatch,
  describeMissingUniqueKey,
  type ExistingColumn,
  findUniqueKey,
  nameList,
} from './sql-types';
import type { LoadOutcome, LoadRequest, TableLoader } from './types';

export interface MysqlLoaderOptions {
  /**
   * Engine of the staging table. By default Aria on MariaDB, whose pages live in the OS cache and
   * not in the InnoDB buffer pool the target needs, and InnoDB elsewhere (MySQL, Aurora MySQL).
   */
  readonly stagingEngine?: string;
  /** Sees each statement before it runs, for logs. */
  readonly onStatement?: (sql: string) => void;
}

/** Strict, so a value that does not fit fails the statement instead of being silently changed. */
const SQL_MODE =
  'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';
const TABLE_OPTIONS = 'DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
const ENGINE_NAME = /^[A-Za-z]{1,32}$/;
/** How many of MySQL's warnings a RejectedValuesError quotes. */
const WARNING_EXAMPLES = 5;
/** Server refusals of LOAD DATA LOCAL: ER_NOT_ALLOWED_COMMAND, ER_CLIENT_LOCAL_FILES_DISABLED, ... */
const LOCAL_INFILE_ERRORS = new Set([1148, 2068, 3948, 3950]);

/**
 * Loads query results into MySQL 8, Aurora MySQL or MariaDB 10.11+ over one connection.
 *
 * Rows are streamed with LOAD DATA LOCAL INFILE into a temporary staging table with the target's
 * column types and no index, so appending stays sequential whatever the key order. From there:
 * - merge and insert run one INSERT ... SELECT (ON DUPLICATE KEY UPDATE for merge) in one
 *   transaction, reading the staging rows in key order so the target's primary key is walked
 *   sequentially;
 * - replace, and the first load of a table, fill a new table and swap it in with one atomic
 *   RENAME TABLE.
 * LOAD DATA LOCAL turns bad values into warnings (the server cannot stop the client's stream), so
 * any warning fails the load before the target is touched.
 */
export class MysqlLoader implements TableLoader {
  readonly dialect = 'mysql' as const;
  private session: Promise<{ readonly engine: string }> | undefined;

  constructor(
    readonly connection: Connection,
    private readonly options: MysqlLoaderOptions = {},
  ) {}

  load(request: LoadRequest): Promise<LoadOutcome> {
    return runLoad(request, 'mysql', (plan, rows) => this.run(plan, rows), hintFor);
  }

  async close(): Promise<void> {
    await this.connection.end();
  }

  private async run(plan: LoadPlan, rows: ResultRows): Promise<boolean> {
    const { engine } = await this.prepareSession();
    const existing = await this.describeTable(plan.table);
    const order = existing ? await this.checkTable(plan, existing) : plan.keys;
    const stage = scratchTableName(plan.table, 'stage', plan.token);
    await this.execute(
      `CREATE TEMPORARY TABLE ${quote(stage)} (${columnDefinitions('mysql', plan.columns, plan.keys)}) ENGINE=${engine} ${TABLE_OPTIONS}`,
    );
    let failed = true;
    try {
      await this.fillStage(stage, plan, rows);
      if (plan.mode === 'merge') await this.checkKeysUnique(stage, plan);
      if (!existing || plan.mode === 'replace') await this.swapIn(stage, plan, order, existing !== undefined);
      else await this.inTransaction(this.insertSql(stage, plan, order));
      failed = false;
    } finally {
      // after a failure the first error matters; the table dies with the session anyway
      await this.execute(`DROP TEMPORARY TABLE IF EXISTS ${quote(stage)}`).catch((error: unknown) => {
        if (!failed) throw error;
      });
    }
    return !existing;
  }

  private prepareSession(): Promise<{ readonly engine: string }> {
    this.session ??= (async () => {
      const versions = await this.select('SELECT VERSION() AS version');
      await this.execute(`SET SESSION sql_mode = '${SQL_MODE}', time_zone = '+00:00'`);
      const mariadb = String(versions[0]?.version).includes('MariaDB');
      const engine = this.options.stagingEngine ?? (mariadb ? 'Aria' : 'InnoDB');
      if (!ENGINE_NAME.test(engine)) throw new Error(`Not a storage engine name: ${JSON.stringify(engine)}`);
      return { engine };
    })();
    // a failed preparation (server down) is retried by the next load
    this.session.catch(() => {
      this.session = undefined;
    });
    return this.session;
  }

  private async describeTable(table: string): Promise<ExistingColumn[] | undefined> {
    const columns = await this.select(
      `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS display,
              NUMERIC_PRECISION AS numericPrecision, NUMERIC_SCALE AS numericScale,
              DATETIME_PRECISION AS datetimePrecision
         FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
        ORDER BY ORDINAL_POSITION`,
      [table],
    );
    if (columns.length === 0) return undefined;
    const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
    return columns.map((column) => ({
      name: String(column.name),
      dataType: String(column.dataType),
      display: String(column.display),
      numericPrecision: number(column.numericPrecision),
      numericScale: number(column.numericScale),
      datetimePrecision: number(column.datetimePrecision),
    }));
  }

  /**
   * Refuses a table that does not fit the result; returns the key order to read staged rows in, so
   * the target's primary key (or, for merge, the unique key that decides) is walked sequentially.
   */
  private async checkTable(plan: LoadPlan, existing: readonly ExistingColumn[]): Promise<readonly string[]> {
    const problems = describeMismatch('mysql', plan.columns, existing);
    const indexes = await this.select(
      `SELECT INDEX_NAME AS indexName, COLUMN_NAME AS columnName
         FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0
        ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
      [plan.table],
    );
    const unique = new Map<string, string[]>();
    for (const index of indexes) {
      const name = String(index.indexName);
      unique.set(name, [...(unique.get(name) ?? []), String(index.columnName)]);
    }
    if (plan.mode === 'merge') {
      const problem = describeMissingUniqueKey(plan.keys, [...unique.values()]);
      if (problem) problems.push(problem);
    }
    if (problems.length > 0) throw new SchemaMismatchError(plan.table, problems);
    if (plan.mode === 'merge') return findUniqueKey(plan.keys, [...unique.values()]) ?? plan.keys;
    const primary = unique.get('PRIMARY');
    return primary?.every((column) => plan.names.includes(column)) ? primary : plan.keys;
  }

  private async fillStage(stage: string, plan: LoadPlan, rows: ResultRows): Promise<void> {
    const sql = `LOAD DATA LOCAL INFILE 'result.tsv' INTO TABLE ${quote(stage)} CHARACTER SET utf8mb4
      FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${nameList('mysql', plan.names)})`;
    this.options.onStatement?.(sql);
    const [result] = await this.connection.query<ResultSetHeader>({
      sql,
      infileStreamFactory: () =>
        Readable.from(encodeTextRows('mysql', plan.columns, rows), { highWaterMark: 2 }),
    });
    if (result.warningStatus > 0) {
      const warnings = await this.select(`SHOW WARNINGS LIMIT ${WARNING_EXAMPLES}`);
      throw new RejectedValuesError(
        plan.table,
        result.warningStatus,
        warnings.map((warning) => String(warning.Message).replaceAll(stage, plan.table)),
      );
    }
    if (result.affectedRows !== rows.count) {
      throw new RejectedValuesError(plan.table, rows.count - result.affectedRows, [
        `the server stored ${result.affectedRows} of ${rows.count} rows`,
      ]);
    }
  }

  private async checkKeysUnique(stage: string, plan: LoadPlan): Promise<void> {
    const keys = nameList('mysql', plan.keys);
    const counts = await this.select(
      `SELECT COUNT(*) AS total, COUNT(DISTINCT ${keys}) AS distinctKeys FROM ${quote(stage)}`,
    );
    if (Number(counts[0]?.total) === Number(counts[0]?.distinctKeys)) return;
    const duplicate = await this.select(
      `SELECT ${keys} FROM ${quote(stage)} GROUP BY ${keys} HAVING COUNT(*) > 1 LIMIT 1`,
    );
    throw new DuplicateKeyError(
      plan.table,
      plan.keys,
      plan.keys.map((key) => duplicate[0]?.[key]),
    );
  }

  /** A new table filled in key order, then renamed into place in one atomic RENAME TABLE. */
  private async swapIn(
    stage: string,
    plan: LoadPlan,
    order: readonly string[],
    exists: boolean,
  ): Promise<void> {
    const fresh = scratchTableName(plan.table, 'new', plan.token);
    const primaryKey = plan.keys.length > 0 ? `, PRIMARY KEY (${nameList('mysql', plan.keys)})` : '';
    // LIKE keeps what people added to an existing table: indexes, defaults, comments
    await this.execute(
      exists
        ? `CREATE TABLE ${quote(fresh)} LIKE ${quote(plan.table)}`
        : `CREATE TABLE ${quote(fresh)} (${columnDefinitions('mysql', plan.columns, plan.keys)}${primaryKey}) ${TABLE_OPTIONS}`,
    );
    const old = scratchTableName(plan.table, 'old', plan.token);
    try {
      await this.execute(
        `INSERT INTO ${quote(fresh)} (${nameList('mysql', plan.names)}) SELECT ${nameList('mysql', plan.names)} FROM ${quote(stage)}${orderBy(order)}`,
      );
      await this.execute(
        exists
          ? `RENAME TABLE ${quote(plan.table)} TO ${quote(old)}, ${quote(fresh)} TO ${quote(plan.table)}`
          : `RENAME TABLE ${quote(fresh)} TO ${quote(plan.table)}`,
      );
    } catch (error) {
      await this.execute(`DROP TABLE IF EXISTS ${quote(fresh)}`).catch(() => undefined);
      throw error;
    }
    if (exists) await this.execute(`DROP TABLE ${quote(old)}`);
  }

  private insertSql(stage: string, plan: LoadPlan, order: readonly string[]): string {
    const insert = `INSERT INTO ${quote(plan.table)} (${nameList('mysql', plan.names)}) SELECT ${nameList('mysql', plan.names, stage)} FROM ${quote(stage)}${orderBy(order)}`;
    if (plan.mode !== 'merge') return insert;
    // the staging table's name qualifies the new values: accepted alike by MariaDB and MySQL 8,
    // where VALUES() is deprecated and the row alias (AS new) is not MariaDB syntax
    const updated = plan.values.length > 0 ? plan.values : plan.keys;
    const assignments = updated.map((name) => {
      const column = quoteIdentifier('mysql', name);
      return `${column} = ${quote(stage)}.${column}`;
    });
    return `${insert} ON DUPLICATE KEY UPDATE ${assignments.join(', ')}`;
  }

  private async inTransaction(sql: string): Promise<void> {
    await this.execute('START TRANSACTION');
    try {
      await this.execute(sql);
      await this.execute('COMMIT');
    } catch (error) {
      await this.execute('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private async execute(sql: string): Promise<void> {
    this.options.onStatement?.(sql);
    await this.connection.query(sql);
  }

  private async select(sql: string, values?: Array<string | number>): Promise<RowDataPacket[]> {
    this.options.onStatement?.(sql);
    const [rows] = await this.connection.query<RowDataPacket[]>(sql, values);
    return rows;
  }
}

function quote(name: string): string {
  return quoteIdentifier('mysql', name, 'table');
}

function orderBy(columns: readonly string[]): string {
  return columns.length > 0 ? ` ORDER BY ${nameList('mysql', columns)}` : '';
}

function hintFor(error: unknown): string | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' && LOCAL_INFILE_ERRORS.has(errno)
    ? 'the server must allow LOAD DATA LOCAL INFILE: set local_infile=1'
    : undefined;
}
