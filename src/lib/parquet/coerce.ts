import {
  type ConversionContext,
  type Converter,
  type ParquetValue,
  type PlainNumberLimit,
  ValueConversionError,
} from '../columns/column-kind';
import type { ColumnSpec, ColumnType } from '../columns/column-types';
import { columnKind } from '../columns/column-types';
import { TimestampReading } from '../columns/time';
import { JsonNumber } from '../flattening/json-value';

export { type Converter, type ParquetValue, ValueConversionError } from '../columns/column-kind';
export { toUnscaledDecimal } from '../columns/value-text';

export interface ConversionOptions {
  /** How timestamp columns read values: the lake writer's exact milliseconds (default) or Firehose's reader. */
  readonly timestamps?: TimestampReading;
}

/**
 * Converts one value to the column's type; throws ValueConversionError when it cannot, or when
 * the column would hold it only altered: a string with a lone surrogate (UTF-8 has no encoding for
 * it), a number a double holds only as infinity, zero or a subnormal, a timestamp finer than the
 * column's milliseconds.
 */
export function converterFor(column: ColumnSpec, options: ConversionOptions = {}): Converter {
  const context: ConversionContext = {
    fail:
      (expected) =>
      (value): never => {
        throw new ValueConversionError(column.name, expected, value);
      },
    problem: (expected, what): never => {
      throw new ValueConversionError(column.name, expected, undefined, what);
    },
    timestamps: options.timestamps ?? TimestampReading.exact,
  };
  return columnKind(column.type).converter(column.type, context);
}

/** Checks one flat value; throws ValueConversionError when its column would hold it only altered. */
export type ValueCheck = (value: string | boolean | null | JsonNumber) => void;

/**
 * What the Firehose transform refuses before Firehose's own conversion, which would store it
 * altered: a string with a lone surrogate in a string column, and a JSON number that a double,
 * int, bigint or decimal column cannot hold exactly (the same rules as the lake writer's). Text
 * in a number column, and timestamps, are left to Firehose, which refuses or reads them itself.
 * Undefined for types with nothing to check.
 */
export function exactValueCheck(column: ColumnSpec): ValueCheck | undefined {
  const checks = columnKind(column.type).firehoseChecks;
  switch (checks) {
    case 'none':
      return undefined;
    case 'text': {
      const convert = converterFor(column);
      return (value) => {
        if (typeof value === 'string') convert(value);
      };
    }
    case 'numbers': {
      const convert = converterFor(column);
      return (value) => {
        if (value instanceof JsonNumber) convert(value);
      };
    }
    default:
      return checks satisfies never;
  }
}

/**
 * The digits a JSON number may have before and after its point (no exponent) to be certain to fit
 * its column, so the flattener's fast path can pass it without converting; undefined for types
 * that are not numbers.
 */
export function plainNumberLimit(type: ColumnType): PlainNumberLimit | undefined {
  return columnKind(type).plainNumberLimit(type);
}

/** Converts flat records into rows of the declared columns; nulls and absent columns stay null. */
export class RowCoercer {
  private readonly converters: Converter[];

  constructor(
    readonly columns: readonly ColumnSpec[],
    options: ConversionOptions = {},
  ) {
    this.converters = columns.map((column) => converterFor(column, options));
  }

  /** Values in declared column order. Throws ValueConversionError naming the first bad column. */
  coerce(record: Readonly<Record<string, unknown>>): ParquetValue[] {
    // own properties only: a column called `constructor` must not find Object.prototype's
    return this.coerceValues(
      this.columns.map((column) => (Object.hasOwn(record, column.name) ? record[column.name] : undefined)),
    );
  }

  /** Converts values already in declared column order, in place. */
  coerceValues(values: unknown[]): ParquetValue[] {
    for (let i = 0; i < this.converters.length; i++) {
      const value = values[i];
      values[i] = value === undefined || value === null ? null : this.converters[i]!(value);
    }
    return values as ParquetValue[];
  }
}
