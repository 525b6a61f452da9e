import { type ColumnType, ColumnTypeError, parseColumnType } from '../../columns/column-types';

/** The three type maps of the local engine: pipeline type → DuckDB, DuckDB → Hive, DuckDB → Athena result. */

const DUCKDB_TYPES: Record<Exclude<ColumnType['kind'], 'decimal'>, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
};

/** The DuckDB type a view gives a column of the pipeline's type. */
export function duckDbType(type: ColumnType): string {
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
export function catalogColumnType(type: string): string {
  try {
    return duckDbType(parseColumnType(type));
  } catch (error) {
    if (error instanceof ColumnTypeError) return 'VARCHAR';
    throw error;
  }
}
