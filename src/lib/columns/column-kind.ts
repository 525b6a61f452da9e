import type { SchemaElement } from 'hyparquet';
import { JsonNumber } from './json-number';
import type { TimestampReading } from './time';

/**
 * What one column type is in every place that stores, reads, checks or invents its values. Each
 * type is one module under `kinds/` exporting one of these, registered in `column-types.ts`; the
 * functions that the rest of the code calls (`glueColumnType`, `parquetElement`, `converterFor`,
 * `valueCheck`, ...) ask the registered module, so a new type that leaves a member out does not
 * compile.
 */
export interface ColumnKind<T extends { readonly kind: string }> {
  readonly kind: T['kind'];
  /** How the error for an unknown type names this one (`decimal(p,s) with p <= 38`). */
  readonly spelling: string;
  /** The type written in a pipeline description (already trimmed and lowercased), or undefined. */
  parse(text: string): T | undefined;
  /** The type as a pipeline description writes it (and `schema` prints it). */
  format(type: T): string;
  /** The type a Glue table (and so Athena DDL) declares for the column: Hive's names, not ours. */
  glueType(type: T): string;
  /** The DuckDB type the local stand-in for Athena reads the column as. */
  duckDbType(type: T): string;
  /** This type when DuckDB names a column's type so (`DECIMAL(18,2)`), else undefined. */
  fromDuckDbType(duckType: string): T | undefined;
  /** What Athena's GetQueryResults (ColumnInfo) reports for a result column of this type. */
  athenaResult(type: T): AthenaResultType;
  /**
   * The type names (ColumnInfo.Type, parameters dropped) of Athena result columns whose CSV text
   * the loader reads as this type: this type's own, and Trino's that only this one holds.
   */
  readonly athenaResultNames: readonly string[];
  /** The type of a result column whose name is one of `athenaResultNames`, from ColumnInfo's Type, Precision and Scale. */
  fromAthenaResult(type: string, precision?: number, scale?: number): T;
  /** The Parquet element of the column (physical, converted and logical type), without name or repetition. */
  parquetElement(type: T): ParquetElement;
  /** Turns a flattened JSON value into the Parquet value, or throws ValueConversionError. */
  converter(type: T, context: ConversionContext): Converter;
  /**
   * Which flat values the Firehose transform checks before Firehose's own conversion would store
   * them altered: text values, JSON numbers, or none (Firehose refuses or reads them itself).
   */
  readonly firehoseChecks: 'text' | 'numbers' | 'none';
  /**
   * The digits a JSON number may have before and after its point (no exponent) to be certain to
   * fit, so the flattener may pass it without converting; undefined for types that are not numbers.
   */
  plainNumberLimit(type: T): PlainNumberLimit | undefined;
  /**
   * The loader's check of a result value (Athena's text for it) before a database stores it, or
   * undefined when the database stores every text of the type as it is.
   */
  loaderCheck(type: T, database: DatabaseValueRules): LoaderValueCheck | undefined;
  /** A sample value, in JSON, for a column of this type: what `run` sends when a table has no sample file. */
  sample(type: T, context: SampleContext): SampleValue;
}

export interface AthenaResultType {
  readonly type: string;
  readonly precision: number;
  readonly scale: number;
}

export type ParquetElement = Omit<SchemaElement, 'name' | 'repetition_type' | 'num_children'>;

/** A value ready for the Parquet writer: string, number, bigint (int64 and unscaled decimals) or boolean. */
export type ParquetValue = string | number | bigint | boolean | null;

export type Converter = (value: unknown) => ParquetValue;

export interface PlainNumberLimit {
  readonly integer: number;
  readonly fraction: number;
}

/** A value that cannot be stored in its declared column type; the whole record fails with it. */
export class ValueConversionError extends Error {
  override readonly name = 'ValueConversionError';
  constructor(
    readonly column: string,
    readonly expected: string,
    readonly value: unknown,
    /** What is wrong with the value, when the value itself should not be repeated. */
    readonly problem?: string,
  ) {
    super(
      problem === undefined
        ? `Column ${column}: cannot store ${describe(value)} as ${expected}`
        : `Column ${column}: ${expected} value ${problem}`,
    );
  }
}

function describe(value: unknown): string {
  const text =
    value instanceof JsonNumber
      ? value.raw
      : typeof value === 'string'
        ? JSON.stringify(value)
        : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A type written in a pipeline description or reported by Athena that no column type reads. */
export class ColumnTypeError extends Error {
  override readonly name = 'ColumnTypeError';
}

/** What a converter is given: how to fail for its column, and how timestamps are read. */
export interface ConversionContext {
  /** Throws ValueConversionError naming the column, the expected type and the value. */
  readonly fail: (expected: string) => (value: unknown) => never;
  /** Throws ValueConversionError naming what is wrong, without repeating the value. */
  readonly problem: (expected: string, what: string) => never;
  readonly timestamps: TimestampReading;
}

/**
 * Why a result value cannot be stored exactly in the column its type declares, or undefined when
 * it can. Values are Athena's text for them.
 */
export type LoaderValueCheck = (value: string) => string | undefined;

/**
 * What a target database does with values whose text a column type admits, where databases
 * differ; the loader refuses what the database would store altered or not at all.
 */
export interface DatabaseValueRules {
  /** The database as messages name it (`MySQL`). */
  readonly displayName: string;
  /** Whether text columns hold U+0000. */
  readonly textHoldsNul: boolean;
  /** Whether double columns hold NaN, Infinity and -Infinity. */
  readonly doubleHoldsNonFinite: boolean;
  /** Whether double columns keep -0 apart from 0. */
  readonly doubleKeepsNegativeZero: boolean;
}

/** The few draws a sample generator needs (`SeededRandom` gives them). */
export interface SampleRandom {
  next(): number;
  int(min: number, max: number): number;
  pick<V>(items: readonly V[]): V;
  chance(probability: number): boolean;
}

export interface SampleContext {
  /** The column's full flat name (`address__city`). */
  readonly column: string;
  /** Its last `__` segment (`city`), which suggests what values look like. */
  readonly last: string;
  /** The stream or table the record is for. */
  readonly key: string;
  /** The record's position, and how many records the run makes. */
  readonly index: number;
  readonly count: number;
  /** Epoch milliseconds of the start of the run's day, on which every time falls. */
  readonly dayStart: number;
  readonly random: SampleRandom;
}

export type SampleValue = string | number | boolean;
