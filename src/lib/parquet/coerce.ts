import type { ColumnSpec, ColumnType } from '../columns/column-types';
import { columnTimestampMillis, TimestampProblem, TimestampReading, timestampMillis } from '../columns/time';
import { JsonNumber } from '../flattening/json-value';

/** A value ready for the Parquet writer: string, number, bigint (int64 and unscaled decimals) or boolean. */
export type ParquetValue = string | number | bigint | boolean | null;

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

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const DAY_MS = 86_400_000;

/** The text of a number as written, so conversions never go through a lossy double. */
function numberText(value: unknown): string | undefined {
  if (value instanceof JsonNumber) return value.raw;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '' && DECIMAL_TEXT.test(value.trim()))
    return value.trim();
  return undefined;
}

/**
 * Exact decimal: `123.456e1` with scale 2 → 123456n. Fractional digits past the scale must be
 * zeros (`2.50` fits scale 1); a value the scale cannot hold exactly, or with more integer digits
 * than the precision allows, is an error, never silently rounded or nulled.
 */
export function toUnscaledDecimal(text: string, precision: number, scale: number): bigint | undefined {
  const match = DECIMAL_TEXT.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return undefined;
  const [, sign, whole = '', fraction = '', exponentText] = match;
  const exponent = exponentText ? Number(exponentText) : 0;
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) return undefined;
  let digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '');
  let fractionDigits = fraction.length - exponent;
  if (fractionDigits < 0) {
    digits += '0'.repeat(-fractionDigits);
    fractionDigits = 0;
  }
  let unscaled: bigint;
  if (fractionDigits <= scale) {
    unscaled = BigInt(digits || '0') * 10n ** BigInt(scale - fractionDigits);
  } else {
    const divisor = 10n ** BigInt(fractionDigits - scale);
    const value = BigInt(digits || '0');
    if (value % divisor !== 0n) return undefined;
    unscaled = value / divisor;
  }
  if (unscaled >= 10n ** BigInt(precision)) return undefined;
  return sign === '-' ? -unscaled : unscaled;
}

export type Converter = (value: unknown) => ParquetValue;

export interface ConversionOptions {
  /** How timestamp columns read values: the lake writer's exact milliseconds (default) or Firehose's reader. */
  readonly timestamps?: TimestampReading;
}

/** The smallest positive normal double: below it a double keeps fewer than 53 significant bits. */
const MIN_NORMAL_DOUBLE = 2.2250738585072014e-308;
const NONZERO_MANTISSA = /^[^eE]*[1-9]/;

/** Text that is well-formed UTF-16; a lone surrogate has no UTF-8 encoding (ES2024's isWellFormed). */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Converts one value to the column's type; throws ValueConversionError when it cannot, or when
 * the column would hold it only altered: a string with a lone surrogate (UTF-8 has no encoding for
 * it), a number a double holds only as infinity, zero or a subnormal, a timestamp finer than the
 * column's milliseconds.
 */
export function converterFor(column: ColumnSpec, options: ConversionOptions = {}): Converter {
  const fail =
    (expected: string) =>
    (value: unknown): never => {
      throw new ValueConversionError(column.name, expected, value);
    };
  const problem = (expected: string, what: string): never => {
    throw new ValueConversionError(column.name, expected, undefined, what);
  };
  const type: ColumnType = column.type;
  switch (type.kind) {
    case 'string': {
      return (value) => {
        if (typeof value === 'string')
          return isWellFormed(value)
            ? value
            : problem('string', 'holds a lone surrogate, which UTF-8 cannot encode');
        if (value instanceof JsonNumber) return value.raw;
        if (typeof value === 'number' || typeof value === 'boolean') return String(value);
        return fail('string')(value);
      };
    }
    case 'bigint':
    case 'int': {
      const bad = fail(type.kind);
      return (value) => {
        if (typeof value === 'number' && Number.isSafeInteger(value)) {
          if (type.kind === 'int' && (value < -(2 ** 31) || value >= 2 ** 31)) return bad(value);
          return type.kind === 'int' ? value : BigInt(value);
        }
        const text = numberText(value);
        if (text === undefined || !INTEGER_TEXT.test(text)) return bad(value);
        const integer = BigInt(text);
        if (type.kind === 'int') {
          if (integer < -(2n ** 31n) || integer >= 2n ** 31n) return bad(value);
          return Number(integer);
        }
        return integer < INT64_MIN || integer > INT64_MAX ? bad(value) : integer;
      };
    }
    case 'double': {
      const bad = fail('double');
      return (value) => {
        if (typeof value === 'number') return value;
        const text = numberText(value);
        if (text === undefined) return bad(value);
        const double = Number(text);
        const magnitude = Math.abs(double);
        // the common case is one comparison; the rest only for values at the ends of the range
        if (magnitude >= MIN_NORMAL_DOUBLE && magnitude !== Number.POSITIVE_INFINITY) return double;
        if (magnitude === Number.POSITIVE_INFINITY) return problem('double', 'overflows a double');
        if (magnitude === 0 && !NONZERO_MANTISSA.test(text)) return double;
        return problem('double', 'underflows a double (to zero or a subnormal)');
      };
    }
    case 'boolean': {
      const bad = fail('boolean');
      return (value) => {
        if (typeof value === 'boolean') return value;
        if (value === 'true' || value === 'false') return value === 'true';
        return bad(value);
      };
    }
    case 'timestamp': {
      const bad = fail('timestamp');
      const reading = options.timestamps ?? TimestampReading.exact;
      return (value) => {
        if (typeof value !== 'string' && typeof value !== 'number' && !(value instanceof JsonNumber))
          return bad(value);
        const ms = columnTimestampMillis(
          typeof value === 'number' ? new JsonNumber(String(value)) : value,
          reading,
        );
        if (typeof ms === 'number') return BigInt(ms);
        return ms === TimestampProblem.unreadable ? bad(value) : problem('timestamp', ms);
      };
    }
    case 'date': {
      const bad = fail('date');
      return (value) => {
        const ms = typeof value === 'string' ? timestampMillis(value) : undefined;
        return ms === undefined ? bad(value) : Math.floor(ms / DAY_MS);
      };
    }
    case 'decimal': {
      const bad = fail(`decimal(${type.precision},${type.scale})`);
      return (value) => {
        const text = numberText(value);
        const unscaled = text === undefined ? undefined : toUnscaledDecimal(text, type.precision, type.scale);
        return unscaled === undefined ? bad(value) : unscaled;
      };
    }
  }
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
  const kind = column.type.kind;
  if (kind === 'string') {
    const convert = converterFor(column);
    return (value) => {
      if (typeof value === 'string') convert(value);
    };
  }
  if (kind === 'double' || kind === 'int' || kind === 'bigint' || kind === 'decimal') {
    const convert = converterFor(column);
    return (value) => {
      if (value instanceof JsonNumber) convert(value);
    };
  }
  return undefined;
}

/**
 * The digits a JSON number may have before and after its point (no exponent) to be certain to fit
 * its column, so the flattener's fast path can pass it without converting; undefined for types
 * that are not numbers. A double overflows or underflows only past 300 digits on either side.
 */
export function plainNumberLimit(
  type: ColumnType,
): { readonly integer: number; readonly fraction: number } | undefined {
  switch (type.kind) {
    case 'double':
      return { integer: 300, fraction: 300 };
    case 'int':
      return { integer: 9, fraction: 0 };
    case 'bigint':
      return { integer: 18, fraction: 0 };
    case 'decimal':
      return { integer: type.precision - type.scale, fraction: type.scale };
    default:
      return undefined;
  }
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
