import type { DatabaseValueRules, LoaderValueCheck } from '../columns/column-kind';
import { type ColumnType, columnKind } from '../columns/column-types';
import type { Dialect, ResultColumn } from './types';

/**
 * Why a result value cannot be stored exactly in the column its type declares, or undefined when
 * it can. Databases round or truncate such values without an error (PostgreSQL rounds NUMERIC and
 * fractional seconds, MySQL rounds a BIGINT given `1.5`, both turn `1e-400` into 0), so the loader
 * refuses them before the database sees them. Values are Athena's text for them. Each column
 * type's module holds its check (`src/lib/columns/kinds/`); what differs between databases is below.
 */
export type ValueCheck = LoaderValueCheck;

/** What each database stores of the values a type's text admits. */
export const DATABASE_VALUE_RULES = {
  mysql: {
    displayName: 'MySQL',
    textHoldsNul: true,
    doubleHoldsNonFinite: false,
    doubleKeepsNegativeZero: false,
  },
  postgres: {
    displayName: 'PostgreSQL',
    textHoldsNul: false,
    doubleHoldsNonFinite: true,
    doubleKeepsNegativeZero: true,
  },
  duckdb: {
    displayName: 'DuckDB',
    textHoldsNul: true,
    doubleHoldsNonFinite: true,
    doubleKeepsNegativeZero: true,
  },
} as const satisfies Record<Dialect, DatabaseValueRules>;

/** The check for one column type, or undefined for types whose every text is stored as it is. */
export function valueCheck(dialect: Dialect, type: ColumnType): ValueCheck | undefined {
  return columnKind(type).loaderCheck(type, DATABASE_VALUE_RULES[dialect]);
}

export function valueChecks(
  dialect: Dialect,
  columns: readonly ResultColumn[],
): Array<ValueCheck | undefined> {
  return columns.map((column) => valueCheck(dialect, column.type));
}
