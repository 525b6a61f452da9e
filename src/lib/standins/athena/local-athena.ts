import { randomUUID } from 'node:crypto';
import { mkdir, readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog, CatalogColumn } from '../../catalog/catalog';
import { parseS3Uri } from '../../catalog/catalog';
import type { LakeTable } from '../../pipeline/lake-tables';
import type { WorkGroup } from '../../query/workgroups';
import { listKeys } from '../../storage/object-store';
import type { LocalObjectStore } from '../s3/local-object-store';
import { ATHENA_MACROS, athenaToDuckDb, UnsupportedSqlError } from './athena-compat';
import {
  type Bucketing,
  ctasBucketing,
  ctasLocation,
  missingTableError,
  parquetCodec,
  refuseInsertIntoBucketed,
  refuseTooManyPartitions,
  refuseZonedColumns,
  refusingOutsideAccess,
  requireEmptyLocation,
  requireQueryExecutionId,
  requireWorkGroup,
} from './athena-rules';
import { rewriteParsedQuery, SEMANTIC_MACROS } from './athena-semantics';
import { DuckDb, type QueryResult, sqlString } from './duckdb';
import { PATH_COLUMN, refreshViews } from './projection-views';
import { writeQueryResult } from './result-writer';
import type { LocalResultColumn } from './results';
import { estimateScannedBytes, SCAN_LOGGING_SETTINGS } from './scan-estimate';
import { type CtasProperties, routeStatement } from './statement-routing';
import { hiveType } from './type-maps';

export interface LocalAthenaOptions {
  readonly store: LocalObjectStore;
  readonly catalog: Catalog;
  readonly database: string;
  readonly lakeBucket: string;
  readonly resultsBucket: string;
  /** The lake tables ingestion writes (their Glue tables are defined as code, not in the catalog). */
  readonly ingestedTables: readonly LakeTable[];
  /** First day the ingested tables' partition projection offers (the stage's `lakeStartDate`). */
  readonly lakeStartDate: string;
  /** The stage's workgroups (src/lib/query/workgroups.ts); a statement names the one it runs in. */
  readonly workGroups: ReadonlyArray<Pick<WorkGroup, 'name' | 'enforceConfiguration'>>;
  /** The time partition projection's NOW stands for; the clock unless a test fixes it. */
  readonly now?: () => Date;
}

/** What Athena's GetQueryExecution and GetQueryResults would say about a finished query. */
export interface LocalQueryExecution {
  readonly queryExecutionId: string;
  readonly statementType: 'DDL' | 'DML';
  /** `s3://<results bucket>/<id>.csv` for SELECTs. */
  readonly outputLocation: string | undefined;
  readonly columns: readonly LocalResultColumn[];
  /** What Athena would report as `Statistics.DataScannedInBytes`, estimated (./scan-estimate.ts). */
  readonly scannedBytes?: number;
}

/**
 * Athena on this machine: DuckDB over the local lake. Tables are views over the local files
 * (ingested tables by their layout, transform outputs by their catalog entry: Parquet under a
 * location, or the files their symlink manifests list). CTAS and INSERT INTO write Parquet with
 * COPY; SELECT results are written where Athena writes them, as its CSV.
 */
export class LocalAthena {
  private constructor(
    private readonly duck: DuckDb,
    private readonly options: LocalAthenaOptions,
    private readonly knownFunctions: ReadonlySet<string>,
    private readonly tableFunctions: ReadonlySet<string>,
  ) {}

  /**
   * Opens DuckDB able to touch only the lake and results buckets' directories: the statements it
   * runs are the user's SQL, and Athena reads nothing but its catalog's tables.
   */
  static async open(options: LocalAthenaOptions): Promise<LocalAthena> {
    const duck = await DuckDb.open(':memory:', {
      // Athena divides integers as integers; time zone functions work in UTC as Athena's session does
      settings: { integer_division: 'true', TimeZone: "'UTC'", ...SCAN_LOGGING_SETTINGS },
      onlyDirectories: [options.lakeBucket, options.resultsBucket].map((bucket) =>
        options.store.pathForPrefix(bucket, ''),
      ),
    });
    const functions = (
      await duck.query('SELECT DISTINCT function_name, function_type FROM duckdb_functions()')
    ).rows.map((r) => ({ name: String(r.function_name), type: String(r.function_type) }));
    // table functions read files or DuckDB's internals; UNNEST is both Athena's and DuckDB's
    const existing = new Set(functions.filter((f) => f.type !== 'table').map((f) => f.name));
    existing.add('unnest');
    const tableFunctions = new Set(functions.filter((f) => !existing.has(f.name)).map((f) => f.name));
    for (const [name, macro] of Object.entries(ATHENA_MACROS)) {
      if (!existing.has(name)) await duck.run(`CREATE MACRO ${macro}`);
      existing.add(name);
    }
    for (const macro of SEMANTIC_MACROS) await duck.run(`CREATE MACRO ${macro}`);
    await duck.run(`CREATE SCHEMA IF NOT EXISTS "${options.database}"`);
    await duck.run(`SET search_path = '${options.database}'`);
    return new LocalAthena(duck, options, existing, tableFunctions);
  }

  /** The DuckDB SQL for an Athena query: calls rewritten, then operators and casts given Athena's meaning. */
  private async toDuckDb(sql: string): Promise<string> {
    const duckSql = athenaToDuckDb(sql, this.knownFunctions, this.tableFunctions);
    // SHOW and DESCRIBE compute nothing; DuckDB's parser would not give them back as written
    if (/^\s*(SHOW|DESCRIBE)\b/i.test(duckSql)) return duckSql;
    const { rows } = await this.duck.query(`SELECT json_serialize_sql(${sqlString(duckSql)}) AS ast`);
    const rewritten = rewriteParsedQuery(String(rows[0]?.ast));
    if (rewritten === undefined) return this.asAthenaOutput(duckSql, sql);
    const back = await this.duck.query(`SELECT json_deserialize_sql(${sqlString(rewritten)}) AS sql`);
    return this.asAthenaOutput(String(back.rows[0]?.sql), sql);
  }

  /**
   * The columns Athena would give back:
   * - DuckDB sums integers into a 128-bit HUGEINT; Athena's sum of integers is a bigint that fails
   *   on overflow. Such columns are cast to BIGINT, which fails the same way.
   * - `"$path"` is a hidden column in Athena: `SELECT *` leaves it out, so it is dropped unless
   *   the statement names it.
   */
  private async asAthenaOutput(select: string, athenaSql: string): Promise<string> {
    const columns = await this.columnsOf(select);
    const hugeints = columns.filter((c) => c.type === 'HUGEINT');
    const hidden = athenaSql.includes(PATH_COLUMN) ? [] : columns.filter((c) => c.name === PATH_COLUMN);
    if (hugeints.length === 0 && hidden.length === 0) return select;
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const casts = hugeints.map((c) => `CAST(${quote(c.name)} AS BIGINT) AS ${quote(c.name)}`);
    const exclude = hidden.length > 0 ? ` EXCLUDE (${quote(PATH_COLUMN)})` : '';
    const replace = casts.length > 0 ? ` REPLACE (${casts.join(', ')})` : '';
    return `SELECT *${exclude}${replace} FROM (${select})`;
  }

  /** The names of the tables a query can read (the ingested tables and the catalog's). */
  async tableNames(): Promise<string[]> {
    await this.refreshViews();
    const { rows } = await this.duck.query(
      'SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = $schema ORDER BY 1',
      { schema: this.options.database },
    );
    return rows.map((r) => String(r.view_name));
  }

  close(): void {
    this.duck.close();
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Runs a SELECT and returns its rows (exact values as text), for people at a terminal. */
  async query(sql: string): Promise<QueryResult> {
    await this.refreshViews();
    return refusingOutsideAccess(async () => this.duck.query(await this.toDuckDb(sql)));
  }

  /**
   * Runs a statement as Athena's StartQueryExecution would, in the named workgroup. Athena picks
   * the execution id; locally a caller may fix it (`tributary athena --query-execution-id`), so a
   * sample event can name the query.
   */
  async execute(
    sql: string,
    workGroupName: string,
    queryExecutionId: string = randomUUID(),
  ): Promise<LocalQueryExecution> {
    try {
      const execution = await this.executeIn(sql, workGroupName, queryExecutionId);
      return { ...execution, scannedBytes: await estimateScannedBytes(this.duck, queryExecutionId) };
    } catch (error) {
      throw await this.withKnownTables(error);
    }
  }

  /** A missing table's error names the lake's tables (see `missingTableError`). */
  private async withKnownTables(error: unknown): Promise<unknown> {
    if (missingTableError(error, []) === undefined) return error;
    const { rows } = await this.duck.query(
      'SELECT view_name AS name FROM duckdb_views() WHERE NOT internal ORDER BY 1',
    );
    return missingTableError(
      error,
      rows.map((row) => String(row.name)),
    );
  }

  private async executeIn(
    sql: string,
    workGroupName: string,
    queryExecutionId: string,
  ): Promise<LocalQueryExecution> {
    requireQueryExecutionId(queryExecutionId);
    const workGroup = requireWorkGroup(this.options.workGroups, workGroupName);
    await this.refreshViews();
    return refusingOutsideAccess(() => this.executeStatement(sql, queryExecutionId, workGroup));
  }

  private async executeStatement(
    sql: string,
    queryExecutionId: string,
    workGroup: LocalAthenaOptions['workGroups'][number],
  ): Promise<LocalQueryExecution> {
    const statement = routeStatement(sql);
    switch (statement.kind) {
      case 'ctas':
        return this.createTableAs(queryExecutionId, workGroup, statement);
      case 'insert':
        return this.insertInto(queryExecutionId, statement.database, statement.table, statement.selectText);
      case 'select':
        return this.select(queryExecutionId, statement.selectText);
    }
  }

  private localDirectory(uri: string): string {
    const { bucket, key } = parseS3Uri(uri);
    return this.options.store.pathForPrefix(bucket, key);
  }

  private async columnsOf(select: string): Promise<Array<{ name: string; type: string }>> {
    const { rows } = await this.duck.query(`DESCRIBE ${select}`);
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  }

  /**
   * Writes a statement's rows as Parquet under `location`, as Athena's CTAS and INSERT INTO do:
   * the rows are computed once, and refused if they span more partitions than Athena writes.
   */
  private async writeParquet(
    select: string,
    location: string,
    partitionedBy: readonly string[],
    compression: string,
    id: string,
    bucketing?: Bucketing,
  ): Promise<Array<{ name: string; type: string }>> {
    refuseZonedColumns(await this.columnsOf(select));
    // named by the query execution id: the scan estimate finds the statement that read the lake by it
    const staged = `"__statement_${id}"`;
    await this.duck.run(`CREATE TEMP TABLE ${staged} AS ${select}`);
    try {
      const columns = await this.columnsOf(`SELECT * FROM ${staged}`);
      const keys = partitionedBy.map((c) => `"${c}"`).join(', ');
      if (partitionedBy.length > 0) {
        const { rows } = await this.duck.query(
          `SELECT count(*) AS n FROM (SELECT DISTINCT ${keys} FROM ${staged})`,
        );
        refuseTooManyPartitions(Number(rows[0]?.n));
      }
      const directory = this.localDirectory(location);
      const codec = parquetCodec(compression);
      const existing = new Set(await filesUnder(directory));
      // S3 sets an object's LastModified when it is written: the files written now get this
      // Athena's clock (a simulation's), not the file system's, as the store's own writes do
      const stamp = async () => {
        const now = this.now();
        for (const path of await filesUnder(directory)) if (!existing.has(path)) await utimes(path, now, now);
      };
      if (bucketing) {
        await this.writeBuckets(staged, directory, partitionedBy, codec, bucketing);
        await stamp();
        return columns;
      }
      await mkdir(directory, { recursive: true });
      if (partitionedBy.length > 0) {
        await this.duck.run(
          `COPY ${staged} TO ${sqlString(directory)} (FORMAT parquet, COMPRESSION ${codec}, PARTITION_BY (${keys}), ` +
            `FILENAME_PATTERN 'part_{uuid}', OVERWRITE_OR_IGNORE true)`,
        );
      } else {
        await this.duck.run(
          `COPY ${staged} TO ${sqlString(`${directory}/part_${randomUUID()}.parquet`)} (FORMAT parquet, COMPRESSION ${codec})`,
        );
      }
      await stamp();
      return columns;
    } finally {
      await this.duck.run(`DROP TABLE IF EXISTS ${staged}`);
    }
  }

  /**
   * A bucketed CTAS's files: the hash of the bucket column picks each row's bucket, and each
   * bucket with rows is one file (in each partition), its number in the file name as Athena
   * writes it. Refused, writing nothing, when partitions times buckets pass Athena's writers.
   */
  private async writeBuckets(
    staged: string,
    directory: string,
    partitionedBy: readonly string[],
    codec: string,
    bucketing: Bucketing,
  ): Promise<void> {
    const keys = partitionedBy.map((c) => `"${c}"`);
    const bucket = `(hash("${bucketing.column.replace(/"/g, '""')}") % ${bucketing.count})`;
    const { rows } = await this.duck.query(
      `SELECT count(*) AS n FROM (SELECT DISTINCT ${[...keys, bucket].join(', ')} FROM ${staged})`,
    );
    refuseTooManyPartitions(Number(rows[0]?.n));
    const buckets = await this.duck.query(`SELECT DISTINCT ${bucket} AS b FROM ${staged} ORDER BY 1`);
    await mkdir(directory, { recursive: true });
    for (const row of buckets.rows) {
      const number = Number(row.b);
      const name = `part_${randomUUID()}_bucket-${String(number).padStart(5, '0')}`;
      const select = `SELECT * FROM ${staged} WHERE ${bucket} = ${number}`;
      await this.duck.run(
        keys.length > 0
          ? `COPY (${select}) TO ${sqlString(directory)} (FORMAT parquet, COMPRESSION ${codec}, PARTITION_BY (${keys.join(', ')}), FILENAME_PATTERN '${name}_{uuid}', OVERWRITE_OR_IGNORE true)`
          : `COPY (${select}) TO ${sqlString(`${directory}/${name}.parquet`)} (FORMAT parquet, COMPRESSION ${codec})`,
      );
    }
  }

  private async createTableAs(
    id: string,
    workGroup: LocalAthenaOptions['workGroups'][number],
    statement: { database: string; table: string; properties: CtasProperties; selectText: string },
  ): Promise<LocalQueryExecution> {
    const { database, table, properties } = statement;
    const location = ctasLocation(
      id,
      workGroup,
      properties.externalLocation,
      this.options.resultsBucket,
      this.now(),
    );
    const { bucket, key } = parseS3Uri(location);
    requireEmptyLocation((await listKeys(this.options.store, bucket, key)).length, database, table, location);
    const { partitionedBy, writeCompression: compression } = properties;
    const select = await this.toDuckDb(statement.selectText);
    const bucketing = ctasBucketing(
      properties,
      (await this.columnsOf(select)).map((c) => c.name),
      partitionedBy,
    );
    const columns = await this.writeParquet(select, location, partitionedBy, compression, id, bucketing);
    const toCatalog = (c: { name: string; type: string }): CatalogColumn => ({
      name: c.name,
      type: hiveType(c.type),
    });
    await this.options.catalog.putTable(database, {
      name: table,
      columns: columns.filter((c) => !partitionedBy.includes(c.name)).map(toCatalog),
      partitionKeys: partitionedBy.map((name) =>
        toCatalog(columns.find((c) => c.name === name) ?? { name, type: 'VARCHAR' }),
      ),
      location,
      format: 'parquet',
      parameters: {
        write_compression: compression,
        ...(bucketing ? { bucketed_by: bucketing.column, bucket_count: String(bucketing.count) } : {}),
      },
    });
    return { queryExecutionId: id, statementType: 'DDL', outputLocation: undefined, columns: [] };
  }

  private async insertInto(
    id: string,
    database: string,
    table: string,
    selectText: string,
  ): Promise<LocalQueryExecution> {
    const target = await this.options.catalog.getTable(database, table);
    if (!target) throw new UnsupportedSqlError(`INSERT INTO ${database}.${table}: no such table`);
    refuseInsertIntoBucketed(`${database}.${table}`, target.parameters);
    const select = await this.toDuckDb(selectText);
    await this.writeParquet(
      select,
      target.location,
      target.partitionKeys.map((k) => k.name),
      target.parameters.write_compression ?? 'ZSTD',
      id,
    );
    return { queryExecutionId: id, statementType: 'DML', outputLocation: undefined, columns: [] };
  }

  private async select(id: string, sql: string): Promise<LocalQueryExecution> {
    const select = await this.toDuckDb(sql);
    const columns = await this.columnsOf(select);
    const result = await writeQueryResult(
      this.duck,
      this.options.store,
      this.options.resultsBucket,
      id,
      select,
      columns,
    );
    return { queryExecutionId: id, statementType: 'DML', ...result };
  }

  /** Every table's view over the lake as it is now (projection-views.ts). */
  private async refreshViews(): Promise<void> {
    await refreshViews(this.duck, this.options, this.now());
  }
}

/** Every file below `directory` (none when it does not exist), as paths. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}
