import { type ColumnType, formatColumnType } from '../columns/column-types';
import type { ColumnRole, ExistingColumn } from './databases/database';
import { databaseOf } from './databases/registry';
import { quoteIdentifier } from './identifiers';
import type { Dialect, ResultColumn } from './types';

/**
 * The column type a loader declares for a result column: each database's module says (MySQL cannot
 * index TEXT, so its string key columns differ from its value columns).
 */
export function columnSqlType(dialect: Dialect, type: ColumnType, role: ColumnRole = 'value'): string {
  return databaseOf(dialect).columnType(type, role);
}

export type { ExistingColumn };

/**
 * Every difference between the result's columns and an existing table's that a load cannot bridge,
 * each naming its column; empty when the table fits. Wider types that hold every value (INT result
 * into BIGINT, VARCHAR(100) for a string, DECIMAL(20,2) for decimal(18,2)) fit; a narrower or other
 * type does not, nor does a table column the result lacks. A result column the table lacks is no
 * difference: the load adds it (see missingColumns); a value that still does not fit is rejected
 * by the load itself.
 */
export function describeMismatch(
  dialect: Dialect,
  expected: readonly ResultColumn[],
  actual: readonly ExistingColumn[],
): string[] {
  const database = databaseOf(dialect);
  const problems: string[] = [];
  const byName = new Map(actual.map((column) => [column.name, column]));
  const expectedNames = new Set(expected.map((column) => column.name));
  for (const column of expected) {
    const existing = byName.get(column.name);
    if (existing && !database.accepts(column.type, existing, existing.dataType.toLowerCase())) {
      const wanted = `${formatColumnType(column.type)}, e.g. ${columnSqlType(dialect, column.type)}`;
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

/** The result's columns an existing table lacks, in result order: what a load adds to it. */
export function missingColumns(
  expected: readonly ResultColumn[],
  actual: readonly ExistingColumn[],
): ResultColumn[] {
  const present = new Set(actual.map((column) => column.name));
  return expected.filter((column) => !present.has(column.name));
}

/**
 * The statements adding `columns` to `table` as nullable columns of the types a created table
 * would have (existing rows read NULL in them). Never NOT NULL, so rows already there stay valid.
 */
export function addColumnsSql(dialect: Dialect, table: string, columns: readonly ResultColumn[]): string[] {
  const database = databaseOf(dialect);
  return database.addColumns(
    quoteIdentifier(dialect, table, 'table'),
    columns.map(
      (column) => `${quoteIdentifier(dialect, column.name)} ${columnSqlType(dialect, column.type)}`,
    ),
  );
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
