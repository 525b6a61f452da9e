import { Readable } from 'node:stream';
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { DuplicateKeyError, RejectedValuesError, SchemaMismatchError } from './errors';
import { isSwapTableOf, quoteIdentifier, scratchTableName } from './identifiers';
import { type LoadPlan, refuseEmptyReplace, runLoad, type TableChange } from './load-plan';
import { encodeTextRows, type ResultRows } from './result-rows';
import {
  addColumnsSql,
  columnDefinitions,
  describeMismatch,
  describeMissingUniqueKey,
  type ExistingColumn,
  findUniqueKey,
  missingColumns,
  nameList,
} from './sql-types';
import type { LoadOutcome, LoadRequest, ResultColumn, TableLoader } from './types';

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
/**
 * Tables the loader creates compare text as Athena does: byte for byte, trailing spaces included
 * (NO PAD). Plain utf8mb4_bin is PAD SPACE, so `a` and `a ` would be one key.
 */
const NO_PAD_BINARY = { mariadb: 'utf8mb4_nopad_bin', mysql: 'utf8mb4_0900_bin' } as const;
const COLLATION_NAME = /^[A-Za-z0-9_]{1,64}$/;
/** Named locks are per server; the schema and table are hashed to fit the 64 characters a name may have. */
const LOCK_NAME = "CONCAT('tributary-load:', SHA1(CONCAT(DATABASE(), '.', ?)))";
/** Below the loader's 15-minute Lambda timeout, so a load stuck behind another still reports it. */
const LOCK_WAIT_SECONDS = 600;
/** How many spellings of one key a DuplicateKeyError quotes. */
const KEY_SPELLINGS = 5;
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
  private session: Promise<Session> | undefined;

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

  private async run(plan: LoadPlan, rows: ResultRows): Promise<TableChange> {
    const session = await this.prepareSession();
    rows.refuseRowsOver(session.maxAllowedPacket);
    await this.lockTable(plan.table);
    try {
      return await this.runLocked(plan, rows, session);
    } finally {
      // a lost connection releases the lock with the session
      await this.select(`SELECT RELEASE_LOCK(${LOCK_NAME})`, [plan.table]).catch(() => undefined);
    }
  }

  /**
   * Loads into one table take turns: two at once would race to create it, or interleave their
   * swaps. A session-level named lock, so it holds across the load's own transactions.
   */
  private async lockTable(table: string): Promise<void> {
    const [row] = await this.select(`SELECT GET_LOCK(${LOCK_NAME}, ?) AS acquired`, [
      table,
      LOCK_WAIT_SECONDS,
    ]);
    if (Number(row?.acquired) !== 1) {
      throw new Error(`Another load into ${table} held its lock for more than ${LOCK_WAIT_SECONDS} s`);
    }
    // with the lock held no other load of this table runs: any swap table is a killed load's leftover
    const leftovers = (
      await this.select(
        `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?`,
        [`${table.slice(0, 20).replace(/[\\%_]/g, '\\$&')}%`],
      )
    )
      .map((found) => String(found.name))
      .filter((name) => isSwapTableOf(table, name));
    for (const name of leftovers) await this.execute(`DROP TABLE IF EXISTS ${quote(name)}`);
  }

  private async runLocked(plan: LoadPlan, rows: ResultRows, session: Session): Promise<TableChange> {
    const existing = await this.describeTable(plan.table);
    const target = existing
      ? await this.checkTable(plan, existing)
      : { order: plan.keys, otherUniqueKeys: false };
    const added = existing ? missingColumns(plan.columns, existing) : [];
    const stage = scratchTableName(plan.table, 'stage', plan.token);
    // the staging table compares keys as the target does, so the duplicate check sees what it will see
    await this.execute(
      `CREATE TEMPORARY TABLE ${quote(stage)} (${stageColumns(plan, existing)}) ENGINE=${session.engine} ${session.tableOptions}`,
    );
    let failed = true;
    try {
      await this.fillStage(stage, plan, rows);
      if (existing) await refuseEmptyReplace(plan, rows, () => this.hasRows(plan.table));
      if (plan.mode === 'merge') await this.checkKeysUnique(stage, plan, existing);
      if (!existing || plan.mode === 'replace') {
        await this.swapIn(stage, plan, target.order, existing !== undefined, session, added);
      } else {
        // DDL commits on its own in MySQL: added only once the rows are staged and checked, and a
        // load that fails after it leaves the new columns empty, which the next load finds in place
        for (const sql of addColumnsSql('mysql', plan.table, added)) await this.execute(sql);
        if (plan.mode === 'merge' && target.otherUniqueKeys)
          await this.inTransaction(...this.updateThenInsertSql(stage, plan, target.order));
        else await this.inTransaction(this.insertSql(stage, plan, target.order));
      }
      failed = false;
    } finally {
      // after a failure the first error matters; the table dies with the session anyway
      await this.execute(`DROP TEMPORARY TABLE IF EXISTS ${quote(stage)}`).catch((error: unknown) => {
        if (!failed) throw error;
      });
    }
    return { created: !existing, added };
  }

  private prepareSession(): Promise<Session> {
    this.session ??= (async () => {
      const versions = await this.select(
        'SELECT VERSION() AS version, @@SESSION.max_allowed_packet AS maxAllowedPacket',
      );
      await this.execute(`SET SESSION sql_mode = '${SQL_MODE}', time_zone = '+00:00'`);
      const mariadb = String(versions[0]?.version).includes('MariaDB');
      const engine = this.options.stagingEngine ?? (mariadb ? 'Aria' : 'InnoDB');
      if (!ENGINE_NAME.test(engine)) throw new Error(`Not a storage engine name: ${JSON.stringify(engine)}`);
      const collation = NO_PAD_BINARY[mariadb ? 'mariadb' : 'mysql'];
      return {
        engine,
        tableOptions: `DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`,
        maxAllowedPacket: Number(versions[0]?.maxAllowedPacket),
      };
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
              DATETIME_PRECISION AS datetimePrecision, COLLATION_NAME AS collation
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
      collation: column.collation == null ? null : String(column.collation),
    }));
  }

  /**
   * Refuses a table that does not fit the result; returns the key order to read staged rows in, so
   * the target's primary key (or, for merge, the unique key that decides) is walked sequentially.
   */
  private async checkTable(plan: LoadPlan, existing: readonly ExistingColumn[]): Promise<TargetKeys> {
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
    if (plan.mode === 'merge') {
      const mergeKey = findUniqueKey(plan.keys, [...unique.values()]) ?? plan.keys;
      return { order: mergeKey, otherUniqueKeys: unique.size > 1 };
    }
    const primary = unique.get('PRIMARY');
    const order = primary?.every((column) => plan.names.includes(column)) ? primary : plan.keys;
    return { order, otherUniqueKeys: false };
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

  private async hasRows(table: string): Promise<boolean> {
    return (await this.select(`SELECT 1 AS found FROM ${quote(table)} LIMIT 1`)).length > 0;
  }

  private async checkKeysUnique(
    stage: string,
    plan: LoadPlan,
    existing: readonly ExistingColumn[] | undefined,
  ): Promise<void> {
    const keys = nameList('mysql', plan.keys);
    const counts = await this.select(
      `SELECT COUNT(*) AS total, COUNT(DISTINCT ${keys}) AS distinctKeys FROM ${quote(stage)}`,
    );
    if (Number(counts[0]?.total) === Number(counts[0]?.distinctKeys)) return;
    const duplicate = await this.select(
      `SELECT ${keys} FROM ${quote(stage)} GROUP BY ${keys} HAVING COUNT(*) > 1 LIMIT 1`,
    );
    const example = plan.keys.map((key) => duplicate[0]?.[key]);
    // every spelling the table's collation takes for this one key
    const spellings = await this.select(
      `SELECT DISTINCT ${plan.keys.map((key) => `BINARY ${quoteIdentifier('mysql', key)} AS ${quoteIdentifier('mysql', key)}`).join(', ')}
         FROM ${quote(stage)} WHERE ${plan.keys.map((key) => `${quoteIdentifier('mysql', key)} = ?`).join(' AND ')} LIMIT ${KEY_SPELLINGS}`,
      example.map((value) => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value))),
    );
    const variants = spellings.map((row) =>
      plan.keys.map((key) => (Buffer.isBuffer(row[key]) ? row[key].toString('utf8') : row[key])),
    );
    throw new DuplicateKeyError(plan.table, plan.keys, example, {
      variants: variants.length > 1 ? variants : undefined,
      comparison: describeComparison(plan.keys, existing, variants),
    });
  }

  /** A new table filled in key order, then renamed into place in one atomic RENAME TABLE. */
  private async swapIn(
    stage: string,
    plan: LoadPlan,
    order: readonly string[],
    exists: boolean,
    session: Session,
    added: readonly ResultColumn[],
  ): Promise<void> {
    const fresh = scratchTableName(plan.table, 'new', plan.token);
    const primaryKey = plan.keys.length > 0 ? `, PRIMARY KEY (${nameList('mysql', plan.keys)})` : '';
    // LIKE keeps what people added to an existing table: indexes, defaults, comments
    await this.execute(
      exists
        ? `CREATE TABLE ${quote(fresh)} LIKE ${quote(plan.table)}`
        : `CREATE TABLE ${quote(fresh)} (${columnDefinitions('mysql', plan.columns, plan.keys)}${primaryKey}) ${session.tableOptions}`,
    );
    const old = scratchTableName(plan.table, 'old', plan.token);
    try {
      // the copy gets the new columns, so the target has them only from the atomic rename on
      for (const sql of addColumnsSql('mysql', fresh, added)) await this.execute(sql);
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

  /**
   * A merge into a table with another unique index besides the merge key: ON DUPLICATE KEY UPDATE
   * would fire on a clash in that index and update the row it clashes with. Updating matched keys,
   * then inserting the others, makes such a clash a duplicate-entry error instead.
   */
  private updateThenInsertSql(stage: string, plan: LoadPlan, order: readonly string[]): string[] {
    const target = quote(plan.table);
    const staged = quote(stage);
    const on = plan.keys
      .map((key) => `${target}.${quoteIdentifier('mysql', key)} = ${staged}.${quoteIdentifier('mysql', key)}`)
      .join(' AND ');
    const statements: string[] = [];
    if (plan.values.length > 0) {
      const assignments = plan.values.map((name) => {
        const column = quoteIdentifier('mysql', name);
        return `${target}.${column} = ${staged}.${column}`;
      });
      statements.push(`UPDATE ${target} JOIN ${staged} ON ${on} SET ${assignments.join(', ')}`);
    }
    const firstKey = quoteIdentifier('mysql', plan.keys[0]!);
    statements.push(
      `INSERT INTO ${target} (${nameList('mysql', plan.names)}) SELECT ${nameList('mysql', plan.names, stage)} FROM ${staged} LEFT JOIN ${target} ON ${on} WHERE ${target}.${firstKey} IS NULL${orderBy(order, stage)}`,
    );
    return statements;
  }

  private async inTransaction(...statements: string[]): Promise<void> {
    await this.execute('START TRANSACTION');
    try {
      for (const sql of statements) await this.execute(sql);
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

function orderBy(columns: readonly string[], qualifier?: string): string {
  return columns.length > 0 ? ` ORDER BY ${nameList('mysql', columns, qualifier)}` : '';
}

interface Session {
  readonly engine: string;
  /** Charset and collation of tables the loader creates. */
  readonly tableOptions: string;
  /** The largest packet the server takes: a LOAD DATA row longer than this ends the connection. */
  readonly maxAllowedPacket: number;
}

interface TargetKeys {
  /** The key order to read staged rows in, so the target's index is walked sequentially. */
  readonly order: readonly string[];
  /** A merge target with unique indexes besides the merge key. */
  readonly otherUniqueKeys: boolean;
}

/** Staging columns: the result's types, text compared with the target's own collations. */
function stageColumns(plan: LoadPlan, existing: readonly ExistingColumn[] | undefined): string {
  const collations = new Map(existing?.map((column) => [column.name, column.collation]));
  return plan.columns
    .map((column) => {
      const definition = columnDefinitions('mysql', [column], plan.keys);
      const collation = collations.get(column.name);
      return collation && COLLATION_NAME.test(collation) ? `${definition} COLLATE ${collation}` : definition;
    })
    .join(', ');
}

/** Why different spellings are one key to the target, for a DuplicateKeyError. */
function describeComparison(
  keys: readonly string[],
  existing: readonly ExistingColumn[] | undefined,
  variants: ReadonlyArray<readonly unknown[]>,
): string | undefined {
  if (variants.length < 2) return undefined;
  const collations = [
    ...new Set(
      keys
        .map((key) => existing?.find((column) => column.name === key)?.collation)
        .filter((collation): collation is string => Boolean(collation)),
    ),
  ];
  const texts = variants.map((variant) =>
    variant.map((value) => String(value).replace(/ +$/, '')).join('\u0000'),
  );
  const trailingSpacesOnly = new Set(texts).size === 1;
  const where =
    collations.length > 0 ? `the table's collation ${collations.join(', ')}` : "the table's collation";
  return trailingSpacesOnly
    ? `they differ only by trailing spaces, which ${where} ignores (PAD SPACE); Athena keeps them apart`
    : `they compare as equal under ${where}; Athena keeps them apart`;
}

function hintFor(error: unknown): string | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno;
  if (errno === 1153)
    return 'a row is larger than the server takes: raise max_allowed_packet; retrying would fail the same way';
  return typeof errno === 'number' && LOCAL_INFILE_ERRORS.has(errno)
    ? 'the server must allow LOAD DATA LOCAL INFILE: set local_infile=1'
    : undefined;
}
