import { type ColumnType, formatColumnType } from '../columns/column-types';
import { quoteIdentifier } from './identifiers';
import type { Dialect, ResultColumn } from './types';

/**
 * The column type a loader declares for a result column. MySQL cannot index TEXT, so string key
 * columns are VARCHAR(255) (a longer value is rejected, never cut); other strings are LONGTEXT.
 * Timestamps keep Athena's millisecond precision.
 */
export function columnSqlType(dialect: Dialect, type: ColumnType, role: 'key' | 'value' = 'value'): string {
  switch (type.kind) {
    case 'string':
      if (dialect === 'mysql') return role === 'key' ? 'VARCHAR(255)' : 'LONGTEXT';
      return dialect === 'postgres' ? 'TEXT' : 'VARCHAR';
    case 'bigint':
      return 'BIGINT';
    case 'int':
      return dialect === 'mysql' ? 'INT' : 'INTEGER';
    case 'double':
      return dialect === 'postgres' ? 'DOUBLE PRECISION' : 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return dialect === 'mysql' ? 'DATETIME(3)' : dialect === 'postgres' ? 'TIMESTAMP(3)' : 'TIMESTAMP';
    case 'date':
      return 'DATE';
    case 'decimal':
      return `${dialect === 'postgres' ? 'NUMERIC' : 'DECIMAL'}(${type.precision},${type.scale})`;
  }
}

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

type Accepts = (column: ExistingColumn, dataType: string) => boolean;

const oneOf =
  (...names: string[]): Accepts =>
  (_, dataType) =>
    names.includes(dataType);

/** Whether an existing column can hold every value of the result type without loss. */
function accepts(dialect: Dialect, type: ColumnType): Accepts {
  const timestamp: Accepts = (column, dataType) =>
    (dialect === 'mysql'
      ? ['datetime', 'timestamp']
      : dialect === 'postgres'
        ? ['timestamp without time zone', 'timestamp with time zone']
        : ['timestamp', 'timestamp with time zone', 'timestamp_ns']
    ).includes(dataType) &&
    (dialect === 'duckdb' || column.datetimePrecision == null || column.datetimePrecision >= 3);
  switch (type.kind) {
    case 'string':
      return dialect === 'mysql'
        ? oneOf('char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext')
        : dialect === 'postgres'
          ? oneOf('text', 'character varying', 'character')
          : oneOf('varchar');
    case 'bigint':
      return oneOf('bigint');
    case 'int':
      return oneOf(dialect === 'mysql' ? 'int' : 'integer', 'bigint');
    case 'double':
      return oneOf(dialect === 'postgres' ? 'double precision' : 'double');
    case 'boolean':
      return oneOf(dialect === 'mysql' ? 'tinyint' : 'boolean');
    case 'timestamp':
      return timestamp;
    case 'date':
      return oneOf('date');
    case 'decimal':
      return (column, dataType) => {
        if (!/^(decimal|numeric)\b/.test(dataType)) return false;
        // an unconstrained PostgreSQL numeric holds any decimal
        if (column.numericPrecision == null) return dialect === 'postgres';
        return column.numericScale === type.scale && column.numericPrecision >= type.precision;
      };
  }
}

/**
 * Every difference between the result's columns and an existing table's, each naming its column;
 * empty when the table fits. Wider types that hold every value (INT result into BIGINT, VARCHAR(100)
 * for a string, DECIMAL(20,2) for decimal(18,2)) fit; a value that still does not fit is rejected
 * by the load itself.
 */
export function describeMismatch(
  dialect: Dialect,
  expected: readonly ResultColumn[],
  actual: readonly ExistingColumn[],
): string[] {
  const problems: string[] = [];
  const byName = new Map(actual.map((column) => [column.name, column]));
  const expectedNames = new Set(expected.map((column) => column.name));
  for (const column of expected) {
    const existing = byName.get(column.name);
    const wanted = `${formatColumnType(column.type)}, e.g. ${columnSqlType(dialect, column.type)}`;
    if (!existing) {
      problems.push(`missing column ${column.name} (${wanted})`);
    } else if (!accepts(dialect, column.type)(existing, existing.dataType.toLowerCase())) {
      problems.push(
        `column ${column.name} is ${existing.display ?? existing.dataType} in the table but the result has ${wanted}`,
      );
    }
  }
  for (const column of actual) {
    if (!expectedNames.has(column.name)) problems.push(`column ${column.name} is not in the result`);
  }
  return problems;
}

/** The unique key (primary key or unique index) on exactly the key columns, in its index order. */
export function findUniqueKey(
  keys: readonly string[],
  uniqueKeys: ReadonlyArray<readonly string[]>,
): readonly string[] | undefined {
  const wanted = [...keys].sort().join(',');
  return uniqueKeys.find((columns) => [...columns].sort().join(',') === wanted);
}

/** The merge problem when no primary key or unique index covers exactly the key columns. */
export function describeMissingUniqueKey(
  keys: readonly string[],
  uniqueKeys: ReadonlyArray<readonly string[]>,
): string | undefined {
  if (findUniqueKey(keys, uniqueKeys)) return undefined;
  const found = uniqueKeys.length
    ? `; its unique keys are ${uniqueKeys.map((columns) => `(${columns.join(', ')})`).join(', ')}`
    : '; it has none';
  return `merge needs a primary key or unique index on exactly (${keys.join(', ')})${found}`;
}

/** `"id" BIGINT NOT NULL, "name" TEXT, ...`: key columns are NOT NULL, as a primary key needs. */
export function columnDefinitions(
  dialect: Dialect,
  columns: readonly ResultColumn[],
  keys: readonly string[],
): string {
  return columns
    .map((column) => {
      const key = keys.includes(column.name);
      const type = columnSqlType(dialect, column.type, key ? 'key' : 'value');
      return `${quoteIdentifier(dialect, column.name)} ${type}${key ? ' NOT NULL' : ''}`;
    })
    .join(', ');
}

/** A comma-separated list of quoted names, optionally qualified by a (quoted) table. */
export function nameList(dialect: Dialect, names: readonly string[], qualifier?: string): string {
  const prefix = qualifier === undefined ? '' : `${quoteIdentifier(dialect, qualifier, 'table')}.`;
  return names.map((name) => `${prefix}${quoteIdentifier(dialect, name)}`).join(', ');
}
