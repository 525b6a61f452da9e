import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Catalog, CatalogColumn, CatalogTable } from '../catalog/catalog';
import { parseS3Uri, s3Uri } from '../catalog/catalog';
import { type ProjectedObjectFilter, projectedObjectFilter } from '../catalog/partition-projection';
import { type ColumnType, ColumnTypeError, parseColumnType } from '../columns/column-types';
import { LakeLayout } from '../pipeline/lake-layout';
import { type LakeTable, lakeTableProjection, PARTITION_KEYS } from '../pipeline/lake-tables';
import { objectStorePointers, type PointerStore } from '../rewrite/pointer-store';
import { readableFiles } from '../rewrite/readable-files';
import type { LocalObjectStore } from '../storage/local-object-store';
import { getBytes, listKeys, ObjectNotFoundError } from '../storage/object-store';
import { errorMessage } from '../util/errors';
import { ATHENA_MACROS, athenaToDuckDb, CatalogTablesOnlyError, UnsupportedSqlError } from './athena-compat';
import { rewriteParsedQuery, SEMANTIC_MACROS, semanticsError } from './athena-semantics';
import { DuckDb, type QueryResult, sqlString } from './duckdb';
import { type LocalResultColumn, resultMetadataKey } from './local-athena-results';
import type { WorkGroup } from './workgroups';

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

/** A statement Athena would fail; the message is what Athena reports as the reason. */
export class AthenaQueryFailedError extends Error {
  override readonly name = 'AthenaQueryFailedError';
}

/** Athena's query execution ids are UUIDs; locally one also names the result's files. */
export const QUERY_EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Athena writes at most this many partitions in one CTAS or INSERT INTO. */
export const MAX_OPEN_PARTITIONS = 100;

/** What Athena's GetQueryExecution and GetQueryResults would say about a finished query. */
export interface LocalQueryExecution {
  readonly queryExecutionId: string;
  readonly statementType: 'DDL' | 'DML';
  /** `s3://<results bucket>/<id>.csv` for SELECTs. */
  readonly outputLocation: string | undefined;
  readonly columns: readonly LocalResultColumn[];
}

const CTAS = /^\s*CREATE\s+TABLE\s+("[a-z0-9_]+")\.("[a-z0-9_]+")\s*WITH\s*\(([\s\S]*?)\)\s*AS\s*([\s\S]+)$/i;
const INSERT = /^\s*INSERT\s+INTO\s+("[a-z0-9_]+")\.("[a-z0-9_]+")\s+([\s\S]+)$/i;
const PROPERTY = /(\w+)\s*=\s*('(?:[^']|'')*'|ARRAY\s*\[[^\]]*\])/g;

const DUCKDB_TYPES: Record<Exclude<ColumnType['kind'], 'decimal'>, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
};

function duckDbType(type: ColumnType): string {
  return type.kind === 'decimal' ? `DECIMAL(${type.precision},${type.scale})` : DUCKDB_TYPES[type.kind];
}

/** A Hive type as the catalog spells it, for a DuckDB column type. */
export function hiveType(duckType: string): string {
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(duckType);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  const map: Record<string, string> = {
    VARCHAR: 'string',
    BIGINT: 'bigint',
    INTEGER: 'int',
    SMALLINT: 'smallint',
    TINYINT: 'tinyint',
    DOUBLE: 'double',
    FLOAT: 'float',
    BOOLEAN: 'boolean',
    TIMESTAMP: 'timestamp',
    DATE: 'date',
    // Trino has no 128-bit integer: DuckDB's sum of integers is Athena's bigint
    HUGEINT: 'bigint',
  };
  return map[duckType] ?? 'string';
}

/** An Athena result type (as GetQueryResults names it) for a DuckDB column type. */
export function athenaResultType(duckType: string): { type: string; precision: number; scale: number } {
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(duckType);
  if (decimal) return { type: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  const map: Record<string, string> = {
    HUGEINT: 'bigint',
    BIGINT: 'bigint',
    INTEGER: 'integer',
    SMALLINT: 'smallint',
    TINYINT: 'tinyint',
    DOUBLE: 'double',
    FLOAT: 'real',
    BOOLEAN: 'boolean',
    TIMESTAMP: 'timestamp',
    'TIMESTAMP WITH TIME ZONE': 'timestamp with time zone',
    DATE: 'date',
  };
  return { type: map[duckType] ?? 'varchar', precision: 0, scale: 0 };
}

/** The DuckDB type of a catalog column; types outside the pipeline's are read as text. */
function catalogColumnType(type: string): string {
  try {
    return duckDbType(parseColumnType(type));
  } catch (error) {
    if (error instanceof ColumnTypeError) return 'VARCHAR';
    throw error;
  }
}

/** DuckDB's refusals of file access, extensions and settings, as the error Athena's rule explains. */
const DUCKDB_SANDBOX_REFUSAL =
  /Permission Error|file system operations are disabled|configuration has been locked|external extensions is disabled/;

async function refusingOutsideAccess<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!DUCKDB_SANDBOX_REFUSAL.test(message)) throw semanticsError(error);
    throw new CatalogTablesOnlyError(
      `Athena reads only the tables in its catalog; the local engine reads only the lake it serves (${message.split('\n')[0]})`,
      { cause: error },
    );
  }
}

function unquote(identifier: string): string {
  return identifier.slice(1, -1);
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
  ) {
    this.pointers = objectStorePointers(options.store);
  }

  private readonly pointers: PointerStore;

  /**
   * Opens DuckDB able to touch only the lake and results buckets' directories: the statements it
   * runs are the user's SQL, and Athena reads nothing but its catalog's tables.
   */
  static async open(options: LocalAthenaOptions): Promise<LocalAthena> {
    const duck = await DuckDb.open(':memory:', {
      // Athena divides integers as integers; time zone functions work in UTC as Athena's session does
      settings: { integer_division: 'true', TimeZone: "'UTC'" },
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
    if (rewritten === undefined) return duckSql;
    const back = await this.duck.query(`SELECT json_deserialize_sql(${sqlString(rewritten)}) AS sql`);
    return this.bigintSums(String(back.rows[0]?.sql));
  }

  /**
   * DuckDB sums integers into a 128-bit HUGEINT; Athena's sum of integers is a bigint that fails
   * on overflow. Such columns are cast to BIGINT, which fails the same way.
   */
  private async bigintSums(select: string): Promise<string> {
    const hugeints = (await this.columnsOf(select)).filter((c) => c.type === 'HUGEINT');
    if (hugeints.length === 0) return select;
    const casts = hugeints.map(
      (c) => `CAST("${c.name.replace(/"/g, '""')}" AS BIGINT) AS "${c.name.replace(/"/g, '""')}"`,
    );
    return `SELECT * REPLACE (${casts.join(', ')}) FROM (${select})`;
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
      return await this.executeIn(sql, workGroupName, queryExecutionId);
    } catch (error) {
      throw await this.withKnownTables(error);
    }
  }

  /**
   * DuckDB answers a table that is not there with its guess among every relation it holds (its
   * own catalog, other transforms' run tables); the tables of the lake are what a person needs.
   * No `cause`: the local interpreter would report the cause's message in place of this one.
   */
  private async withKnownTables(error: unknown): Promise<unknown> {
    const missing = /Catalog Error: Table with name (\S+) does not exist!/.exec(errorMessage(error));
    if (!missing) return error;
    const { rows } = await this.duck.query(
      'SELECT view_name AS name FROM duckdb_views() WHERE NOT internal ORDER BY 1',
    );
    const tables = rows.map((row) => String(row.name)).filter((name) => !name.includes('__run_'));
    return new AthenaQueryFailedError(
      `Table ${missing[1]} does not exist in the local lake (tables: ${tables.join(', ')})`,
    );
  }

  private async executeIn(
    sql: string,
    workGroupName: string,
    queryExecutionId: string,
  ): Promise<LocalQueryExecution> {
    if (!QUERY_EXECUTION_ID.test(queryExecutionId)) {
      throw new AthenaQueryFailedError(`${queryExecutionId} is not a query execution id (a UUID)`);
    }
    const workGroup = this.options.workGroups.find((w) => w.name === workGroupName);
    if (!workGroup) throw new AthenaQueryFailedError(`WorkGroup ${workGroupName} is not found.`);
    await this.refreshViews();
    return refusingOutsideAccess(() => this.executeStatement(sql, queryExecutionId, workGroup));
  }

  private async executeStatement(
    sql: string,
    queryExecutionId: string,
    workGroup: LocalAthenaOptions['workGroups'][number],
  ): Promise<LocalQueryExecution> {
    const ctas = CTAS.exec(sql);
    if (ctas)
      return this.createTableAs(queryExecutionId, workGroup, {
        database: unquote(ctas[1]!),
        table: unquote(ctas[2]!),
        propertyText: ctas[3]!,
        selectText: ctas[4]!,
      });
    const insert = INSERT.exec(sql);
    if (insert)
      return this.insertInto(queryExecutionId, unquote(insert[1]!), unquote(insert[2]!), insert[3]!);
    if (/^\s*(WITH|SELECT)\b/i.test(sql)) return this.select(queryExecutionId, sql);
    throw new UnsupportedSqlError(
      `The local engine runs CTAS, INSERT INTO and SELECT; not: ${sql.trim().slice(0, 60)}…`,
    );
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
  ): Promise<Array<{ name: string; type: string }>> {
    const zoned = (await this.columnsOf(select)).filter((c) => c.type === 'TIMESTAMP WITH TIME ZONE');
    if (zoned.length > 0) {
      // a table's columns are Hive types, and Hive has no timestamp with time zone
      throw new AthenaQueryFailedError(
        `NOT_SUPPORTED: Unsupported Hive type: timestamp(3) with time zone (column ${zoned.map((c) => c.name).join(', ')}): ` +
          'a table cannot hold a timestamp with time zone (from current_timestamp, now(), from_unixtime, ' +
          'from_iso8601_timestamp, AT TIME ZONE); write a timestamp (date_parse of its text) or its to_iso8601 text',
      );
    }
    const staged = `"__statement_${randomUUID().replace(/-/g, '')}"`;
    await this.duck.run(`CREATE TEMP TABLE ${staged} AS ${select}`);
    try {
      const columns = await this.columnsOf(`SELECT * FROM ${staged}`);
      const keys = partitionedBy.map((c) => `"${c}"`).join(', ');
      if (partitionedBy.length > 0) {
        const { rows } = await this.duck.query(
          `SELECT count(*) AS n FROM (SELECT DISTINCT ${keys} FROM ${staged})`,
        );
        if (Number(rows[0]?.n) > MAX_OPEN_PARTITIONS) {
          throw new AthenaQueryFailedError(
            `HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of ${MAX_OPEN_PARTITIONS} open writers for partitions/buckets`,
          );
        }
      }
      const directory = this.localDirectory(location);
      await mkdir(directory, { recursive: true });
      const codec = compression.toLowerCase() === 'snappy' ? 'snappy' : 'zstd';
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
      return columns;
    } finally {
      await this.duck.run(`DROP TABLE IF EXISTS ${staged}`);
    }
  }

  /**
   * Where a CTAS writes: a workgroup that overrides client-side settings puts the table under its
   * result location and fails a CTAS that names its own; otherwise `external_location` is used.
   */
  private ctasLocation(
    id: string,
    workGroup: LocalAthenaOptions['workGroups'][number],
    external: string | undefined,
  ): string {
    if (workGroup.enforceConfiguration) {
      if (external !== undefined) {
        throw new AthenaQueryFailedError(
          `external_location cannot be specified: workgroup ${workGroup.name} overrides client-side settings, ` +
            'so a CTAS is written under its query result location',
        );
      }
      return s3Uri(this.options.resultsBucket, `tables/${id}/`);
    }
    const day = this.now().toISOString().slice(0, 10).replace(/-/g, '/');
    return external ?? s3Uri(this.options.resultsBucket, `Unsaved/${day}/tables/${id}/`);
  }

  private async createTableAs(
    id: string,
    workGroup: LocalAthenaOptions['workGroups'][number],
    statement: { database: string; table: string; propertyText: string; selectText: string },
  ): Promise<LocalQueryExecution> {
    const { database, table } = statement;
    const properties = new Map(
      [...statement.propertyText.matchAll(PROPERTY)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
    );
    const external = /^'(.*)'$/.exec(properties.get('external_location') ?? '')?.[1];
    const location = this.ctasLocation(id, workGroup, external);
    const { bucket, key } = parseS3Uri(location);
    if ((await listKeys(this.options.store, bucket, key)).length > 0) {
      throw new AthenaQueryFailedError(
        `HIVE_PATH_ALREADY_EXISTS: Target directory for table '${database}.${table}' already exists: ${location}`,
      );
    }
    const partitionedBy = [...(properties.get('partitioned_by') ?? '').matchAll(/'([a-z0-9_]+)'/g)].map(
      (m) => m[1]!,
    );
    const compression = /^'(.*)'$/.exec(properties.get('write_compression') ?? "'ZSTD'")?.[1] ?? 'ZSTD';
    const select = await this.toDuckDb(statement.selectText);
    const columns = await this.writeParquet(select, location, partitionedBy, compression);
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
      parameters: { write_compression: compression },
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
    const select = await this.toDuckDb(selectText);
    await this.writeParquet(
      select,
      target.location,
      target.partitionKeys.map((k) => k.name),
      target.parameters.write_compression ?? 'ZSTD',
    );
    return { queryExecutionId: id, statementType: 'DML', outputLocation: undefined, columns: [] };
  }

  private async select(id: string, sql: string): Promise<LocalQueryExecution> {
    const select = await this.toDuckDb(sql);
    const columns = await this.columnsOf(select);
    const key = `${id}.csv`;
    const path = this.options.store.pathFor(this.options.resultsBucket, key);
    const metadataPath = this.options.store.pathFor(this.options.resultsBucket, resultMetadataKey(id));
    await mkdir(dirname(path), { recursive: true });
    await this.duck.run(`COPY (${select}) TO ${sqlString(path)} (FORMAT csv, HEADER true, FORCE_QUOTE *)`);
    const resultColumns = columns.map((c) => ({ name: c.name, ...athenaResultType(c.type) }));
    await writeFile(metadataPath, JSON.stringify(resultColumns));
    return {
      queryExecutionId: id,
      statementType: 'DML',
      outputLocation: `s3://${this.options.resultsBucket}/${key}`,
      columns: resultColumns,
    };
  }

  /** Points a view at the current files of every table, so each statement sees the lake as it is now. */
  private async refreshViews(): Promise<void> {
    const { database, lakeBucket, store } = this.options;
    const now = this.now();
    for (const table of this.options.ingestedTables) {
      const partitionKeys = PARTITION_KEYS[table.partitioning];
      const projection = lakeTableProjection(table, this.options.lakeStartDate, (partition) =>
        s3Uri(lakeBucket, `${table.prefix}${partition}`),
      );
      const served = projectedObjectFilter(projection, partitionKeys, s3Uri(lakeBucket, table.prefix))!;
      const projected = (await listKeys(store, lakeBucket, table.prefix)).filter(
        (k) => k.endsWith('.parquet') && served(s3Uri(lakeBucket, k), now),
      );
      // rewritten days (src/lib/rewrite): a generation replaces the live files it consumed
      const files = await readableFiles(store, this.pointers, lakeBucket, table.name, projected, (dt) =>
        served(s3Uri(lakeBucket, LakeLayout.streamPartition(table.name, dt, '00')), now),
      );
      const typed = [
        ...table.columns.map((c) => ({ name: c.name, type: duckDbType(c.type) })),
        ...partitionKeys.map((name) => ({ name, type: 'VARCHAR' })),
      ];
      await this.defineView(
        table.name,
        files.live.map((k) => store.pathFor(lakeBucket, k)),
        typed,
        partitionKeys,
        files.compacted.map((k) => store.pathFor(lakeBucket, k)),
      );
    }
    // a statement running beside this one (a level's transforms run at once) may drop a table or
    // remove a manifest between our list and read: it is then as if listed a moment later
    for (const name of await this.options.catalog.listTables(database, '')) {
      const table = await this.options.catalog.getTable(database, name);
      if (!table) continue;
      const typed = [...table.columns, ...table.partitionKeys].map((c) => ({
        name: c.name,
        type: catalogColumnType(c.type),
      }));
      await this.defineView(
        name,
        await this.filesOf(table, now),
        typed,
        table.partitionKeys.map((k) => k.name),
      );
    }
  }

  /** A catalog table's files: under its location, or listed by its manifests; with projection, only the partitions it serves. */
  private async filesOf(table: CatalogTable, now: Date): Promise<string[]> {
    const { bucket, key } = parseS3Uri(table.location);
    const store = this.options.store;
    const projected: ProjectedObjectFilter | undefined = projectedObjectFilter(
      table.parameters,
      table.partitionKeys.map((k) => k.name),
      table.location,
    );
    const objects = (await listKeys(store, bucket, key)).filter(
      (k) => projected === undefined || projected(s3Uri(bucket, k), now),
    );
    if (table.format === 'parquet') return objects.map((k) => store.pathFor(bucket, k));
    const files: string[] = [];
    for (const manifest of objects.filter((k) => k.endsWith('/symlink.txt'))) {
      const listed = await getBytes(store, bucket, manifest).catch((error: unknown) => {
        if (error instanceof ObjectNotFoundError) return Buffer.alloc(0);
        throw error;
      });
      for (const uri of listed.toString('utf8').split('\n').filter(Boolean)) {
        const target = parseS3Uri(uri);
        files.push(store.pathFor(target.bucket, target.key));
      }
    }
    return files;
  }

  private async defineView(
    name: string,
    files: readonly string[],
    columns: ReadonlyArray<{ name: string; type: string }>,
    partitionKeys: readonly string[],
    /** Files that hold their partition values as columns (a rewritten day's generation). */
    rewritten: readonly string[] = [],
  ): Promise<void> {
    const view = `"${this.options.database}"."${name}"`;
    const rewrittenRows =
      rewritten.length > 0
        ? ` UNION ALL BY NAME SELECT * FROM read_parquet([${rewritten.map(sqlString).join(', ')}], hive_partitioning = false, union_by_name = true)`
        : '';
    if (files.length === 0 && rewritten.length > 0) {
      await this.duck.run(
        `CREATE OR REPLACE VIEW ${view} AS ${rewrittenRows.replace(' UNION ALL BY NAME ', '')}`,
      );
      return;
    }
    if (files.length === 0) {
      const empty = columns.map((c) => `CAST(NULL AS ${c.type}) AS "${c.name}"`).join(', ');
      await this.duck.run(`CREATE OR REPLACE VIEW ${view} AS SELECT ${empty} WHERE false`);
      return;
    }
    const hiveTypes = partitionKeys.map((k) => `'${k}': 'VARCHAR'`).join(', ');
    const options =
      partitionKeys.length > 0
        ? `, hive_partitioning = true, hive_types = {${hiveTypes}}`
        : ', hive_partitioning = false';
    await this.duck.run(
      `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}]${options}, union_by_name = true)${rewrittenRows}`,
    );
  }
}
