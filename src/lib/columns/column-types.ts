import { type AthenaResultType, type ColumnKind, ColumnTypeError } from './column-kind';
import { type BigintColumn, bigintKind } from './kinds/bigint';
import { type BooleanColumn, booleanKind } from './kinds/boolean';
import { type DateColumn, dateKind } from './kinds/date';
import { type DecimalColumn, decimalKind } from './kinds/decimal';
import { type DoubleColumn, doubleKind } from './kinds/double';
import { type IntColumn, intKind } from './kinds/int';
import { type StringColumn, stringKind } from './kinds/string';
import { type TimestampColumn, timestampKind } from './kinds/timestamp';

export { ColumnTypeError } from './column-kind';

/**
 * Column types a table may declare. Each is one module under `kinds/` that says everything about
 * it (Glue, Parquet, DuckDB and Athena names, conversion, checks, samples); registering one is a
 * line here and a line in COLUMN_KINDS.
 */
export type ColumnType =
  | StringColumn
  | BigintColumn
  | IntColumn
  | DoubleColumn
  | BooleanColumn
  | TimestampColumn
  | DateColumn
  | DecimalColumn;

export type ColumnKindName = ColumnType['kind'];

/** Every column type's module, by kind; in the order error messages list them. */
export const COLUMN_KINDS: { readonly [K in ColumnKindName]: ColumnKind<Extract<ColumnType, { kind: K }>> } =
  {
    string: stringKind,
    bigint: bigintKind,
    int: intKind,
    double: doubleKind,
    boolean: booleanKind,
    timestamp: timestampKind,
    date: dateKind,
    decimal: decimalKind,
  };

const KINDS: ReadonlyArray<ColumnKind<ColumnType>> = Object.values(COLUMN_KINDS) as ReadonlyArray<
  ColumnKind<ColumnType>
>;

/** The module of a column's type. */
export function columnKind<T extends ColumnType>(type: T): ColumnKind<T> {
  // TypeScript cannot relate COLUMN_KINDS[type.kind] to T itself; the mapped type above holds them together
  return COLUMN_KINDS[type.kind as ColumnKindName] as unknown as ColumnKind<T>;
}

/**
 * One entry per column type, for code outside the type modules that must say something of every
 * type (a database's column types, say): a table that leaves a type out does not compile.
 */
export type PerColumnKind<V> = {
  readonly [K in ColumnKindName]: (type: Extract<ColumnType, { kind: K }>) => V;
};

/** The entry of `table` for the column's type, given the type. */
export function forColumnType<V>(table: PerColumnKind<V>, type: ColumnType): V {
  // as in columnKind: the mapped type relates each entry to its own type
  return (table[type.kind] as (type: ColumnType) => V)(type);
}

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly comment?: string | undefined;
}

/** Parses `string`, `bigint`, `decimal(38,9)` and so on, as written in the pipeline description. */
export function parseColumnType(text: string): ColumnType {
  const normalized = text.trim().toLowerCase();
  for (const kind of KINDS) {
    const type = kind.parse(normalized);
    if (type !== undefined) return type;
  }
  const spellings = KINDS.map((kind) => kind.spelling);
  throw new ColumnTypeError(
    `unknown column type ${JSON.stringify(text)} (use ${spellings.slice(0, -1).join(', ')} or ${spellings.at(-1)})`,
  );
}

/** The type as the pipeline description spells it. */
export function formatColumnType(type: ColumnType): string {
  return columnKind(type).format(type);
}

/** The type a Glue table declares for the column, which Athena DDL reads. */
export function glueColumnType(type: ColumnType): string {
  return columnKind(type).glueType(type);
}

/** The DuckDB type the local stand-in for Athena reads the column as. */
export function duckDbColumnType(type: ColumnType): string {
  return columnKind(type).duckDbType(type);
}

/** The column type for a DuckDB type name, or undefined when no column type is read so. */
export function columnTypeOfDuckDb(duckType: string): ColumnType | undefined {
  for (const kind of KINDS) {
    const type = kind.fromDuckDbType(duckType);
    if (type !== undefined) return type;
  }
  return undefined;
}

/** What Athena's GetQueryResults reports for a result column of the type. */
export function athenaResultOf(type: ColumnType): AthenaResultType {
  return columnKind(type).athenaResult(type);
}

const BY_ATHENA_RESULT_NAME = new Map(
  KINDS.flatMap((kind) => kind.athenaResultNames.map((name) => [name, kind])),
);

/**
 * The column type for an Athena result column, from GetQueryResults' ColumnInfo (`decimal` with
 * Precision and Scale beside it) or a full type text (`decimal(38,10)`, `array(varchar)`).
 */
export function columnTypeOfAthenaResult(type: string, precision?: number, scale?: number): ColumnType {
  const base = type
    .trim()
    .toLowerCase()
    .replace(/\(.*\)/s, '')
    .replace(/\s+/g, ' ')
    .trim();
  const kind = BY_ATHENA_RESULT_NAME.get(base);
  if (kind === undefined) throw new ColumnTypeError(`unsupported Athena result type ${JSON.stringify(type)}`);
  return kind.fromAthenaResult(type, precision, scale);
}
