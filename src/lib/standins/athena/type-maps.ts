import {
  athenaResultOf,
  type ColumnType,
  ColumnTypeError,
  columnTypeOfDuckDb,
  duckDbColumnType,
  glueColumnType,
  parseColumnType,
} from '../../columns/column-types';

/**
 * The local engine's type maps: pipeline type → DuckDB, DuckDB → Hive, DuckDB → Athena result.
 * Each column type's module says its own (src/lib/columns/kinds); only DuckDB types that no column
 * type is read as are named here.
 */

/** DuckDB types no column type is read as, which queries still produce: their Hive and Athena result names. */
const OTHER_DUCKDB_TYPES: Readonly<Record<string, { hive: string; athena: string }>> = {
  SMALLINT: { hive: 'smallint', athena: 'smallint' },
  TINYINT: { hive: 'tinyint', athena: 'tinyint' },
  FLOAT: { hive: 'float', athena: 'real' },
  'TIMESTAMP WITH TIME ZONE': { hive: 'string', athena: 'timestamp with time zone' },
};

/** The DuckDB type a view gives a column of the pipeline's type. */
export function duckDbType(type: ColumnType): string {
  return duckDbColumnType(type);
}

/** A Hive type as the catalog spells it, for a DuckDB column type. */
export function hiveType(duckType: string): string {
  const type = columnTypeOfDuckDb(duckType);
  return type ? glueColumnType(type) : (OTHER_DUCKDB_TYPES[duckType]?.hive ?? 'string');
}

/** An Athena result type (as GetQueryResults names it) for a DuckDB column type. */
export function athenaResultType(duckType: string): { type: string; precision: number; scale: number } {
  const type = columnTypeOfDuckDb(duckType);
  if (type) return { ...athenaResultOf(type) };
  return { type: OTHER_DUCKDB_TYPES[duckType]?.athena ?? 'varchar', precision: 0, scale: 0 };
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
