import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Catalog, CatalogColumn, CatalogTable } from '../catalog/catalog';
import { parseS3Uri } from '../catalog/catalog';
import { type ColumnType, ColumnTypeError, parseColumnType } from '../columns/column-types';
import { type LakeTable, PARTITION_KEYS } from '../pipeline/lake-tables';
import type { LocalObjectStore } from '../storage/local-object-store';
import { getBytes, listKeys } from '../storage/object-store';
import { ATHENA_MACROS, athenaToDuckDb, UnsupportedSqlError } from './athena-compat';
import { DuckDb, type QueryResult, sqlString } from './duckdb';
import { type LocalResultColumn, resultMetadataKey } from './local-athena-results';

export interface LocalAthenaOptions {
  readonly store: LocalObjectStore;
  readonly catalog: Catalog;
  readonly database: string;
  readonly lakeBucket: string;
  readonly resultsBucket: string;
  /** The lake tables ingestion writes (their Glue tables are defined as code, not in the catalog). */
  readonly ingestedTables: readonly LakeTable[];
}

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
    HUGEINT: 'decimal(38,0)',
  };
  return map[duckType] ?? 'string';
}

/** An Athena result type (as GetQueryResults names it) for a DuckDB column type. */
function athenaResultType(duckType: string): { type: string; precision: number; scale: number } {
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(duckType);
  if (decimal) return { type: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  if (duckType === 'HUGEINT') return { type: 'decimal', precision: 38, scale: 0 };
  const map: Record<string, string> = {
    BIGINT: 'bigint',
    INTEGER: 'integer',
    SMALLINT: 'smallint',
    TINYINT: 'tinyint',
    DOUBLE: 'double',
    FLOAT: 'real',
    BOOLEAN: 'boolean',
    TIMESTAMP: 'timestamp',
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
  ) {}

  static async open(options: LocalAthenaOptions): Promise<LocalAthena> {
    const duck = await DuckDb.open();
    const existing = new Set(
      (await duck.query('SELECT DISTINCT function_name FROM duckdb_functions()')).rows.map((r) =>
        String(r.function_name),
      ),
    );
    for (const [name, macro] of Object.entries(ATHENA_MACROS)) {
      if (!existing.has(name)) await duck.run(`CREATE MACRO ${macro}`);
      existing.add(name);
    }
    await duck.run(`CREATE SCHEMA IF NOT EXISTS "${options.database}"`);
    await duck.run(`SET search_path = '${options.database}'`);
    return new LocalAthena(duck, options, existing);
  }

  close(): void {
    this.duck.close();
  }

  /** Runs a SELECT and returns its rows (exact values as text), for people at a terminal. */
  async query(sql: string): Promise<QueryResult> {
    await this.refreshViews();
    return this.duck.query(athenaToDuckDb(sql, this.knownFunctions));
  }

  /** Runs a statement as Athena's StartQueryExecution would. */
  async execute(sql: string): Promise<LocalQueryExecution> {
    await this.refreshViews();
    const queryExecutionId = randomUUID();
    const ctas = CTAS.exec(sql);
    if (ctas)
      return this.createTableAs(queryExecutionId, unquote(ctas[1]!), unquote(ctas[2]!), ctas[3]!, ctas[4]!);
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

  private async copyParquet(
    select: string,
    location: string,
    partitionedBy: readonly string[],
    compression: string,
  ): Promise<void> {
    const directory = this.localDirectory(location);
    await mkdir(directory, { recursive: true });
    const codec = compression.toLowerCase() === 'snappy' ? 'snappy' : 'zstd';
    if (partitionedBy.length > 0) {
      const keys = partitionedBy.map((c) => `"${c}"`).join(', ');
      await this.duck.run(
        `COPY (${select}) TO ${sqlString(directory)} (FORMAT parquet, COMPRESSION ${codec}, PARTITION_BY (${keys}), ` +
          `FILENAME_PATTERN 'part_{uuid}', OVERWRITE_OR_IGNORE true)`,
      );
    } else {
      await this.duck.run(
        `COPY (${select}) TO ${sqlString(`${directory}/part_${randomUUID()}.parquet`)} (FORMAT parquet, COMPRESSION ${codec})`,
      );
    }
  }

  private async createTableAs(
    id: string,
    database: string,
    table: string,
    propertyText: string,
    selectText: string,
  ): Promise<LocalQueryExecution> {
    const properties = new Map([...propertyText.matchAll(PROPERTY)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
    const location = /^'(.*)'$/.exec(properties.get('external_location') ?? '')?.[1];
    if (!location) throw new UnsupportedSqlError('CTAS needs an external_location');
    const partitionedBy = [...(properties.get('partitioned_by') ?? '').matchAll(/'([a-z0-9_]+)'/g)].map(
      (m) => m[1]!,
    );
    const compression = /^'(.*)'$/.exec(properties.get('write_compression') ?? "'ZSTD'")?.[1] ?? 'ZSTD';
    const select = athenaToDuckDb(selectText, this.knownFunctions);
    const columns = await this.columnsOf(select);
    await this.copyParquet(select, location, partitionedBy, compression);
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
    const select = athenaToDuckDb(selectText, this.knownFunctions);
    await this.copyParquet(
      select,
      target.location,
      target.partitionKeys.map((k) => k.name),
      target.parameters.write_compression ?? 'ZSTD',
    );
    return { queryExecutionId: id, statementType: 'DML', outputLocation: undefined, columns: [] };
  }

  private async select(id: string, sql: string): Promise<LocalQueryExecution> {
    const select = athenaToDuckDb(sql, this.knownFunctions);
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
    for (const table of this.options.ingestedTables) {
      const files = (await listKeys(store, lakeBucket, table.prefix)).filter((k) => k.endsWith('.parquet'));
      const partitionKeys = PARTITION_KEYS[table.partitioning];
      const typed = [
        ...table.columns.map((c) => ({ name: c.name, type: duckDbType(c.type) })),
        ...partitionKeys.map((name) => ({ name, type: 'VARCHAR' })),
      ];
      await this.defineView(
        table.name,
        files.map((k) => store.pathFor(lakeBucket, k)),
        typed,
        partitionKeys,
      );
    }
    for (const name of await this.options.catalog.listTables(database, '')) {
      const table = (await this.options.catalog.getTable(database, name))!;
      const typed = [...table.columns, ...table.partitionKeys].map((c) => ({
        name: c.name,
        type: catalogColumnType(c.type),
      }));
      await this.defineView(
        name,
        await this.filesOf(table),
        typed,
        table.partitionKeys.map((k) => k.name),
      );
    }
  }

  private async filesOf(table: CatalogTable): Promise<string[]> {
    const { bucket, key } = parseS3Uri(table.location);
    const store = this.options.store;
    if (table.format === 'parquet')
      return (await listKeys(store, bucket, key)).map((k) => store.pathFor(bucket, k));
    const files: string[] = [];
    for (const manifest of (await listKeys(store, bucket, key)).filter((k) => k.endsWith('/symlink.txt'))) {
      for (const uri of (await getBytes(store, bucket, manifest))
        .toString('utf8')
        .split('\n')
        .filter(Boolean)) {
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
  ): Promise<void> {
    const view = `"${this.options.database}"."${name}"`;
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
      `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}]${options}, union_by_name = true)`,
    );
  }
}
