import type { ColumnType } from '../columns/column-types';
import type { Dialect, ResultColumn } from './types';

/**
 * Why a result value cannot be stored exactly in the column its type declares, or undefined when
 * it can. Databases round or truncate such values without an error (PostgreSQL rounds NUMERIC and
 * fractional seconds, MySQL rounds a BIGINT given `1.5`, both turn `1e-400` into 0), so the loader
 * refuses them before the database sees them. Values are Athena's text for them.
 */
export type ValueCheck = (value: string) => string | undefined;

const INTEGER = /^-?\d+$/;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NONZERO_DIGIT = /[1-9]/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;
/** Athena's timestamps have millisecond precision, and so do the columns the loader declares. */
const FRACTION_DIGITS = 3;

const BIGINT_RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const INT_RANGE = [-(2n ** 31n), 2n ** 31n - 1n] as const;

function integerCheck(kind: string, [min, max]: readonly [bigint, bigint]): ValueCheck {
  return (value) => {
    if (!INTEGER.test(value)) return `not a whole number, which a ${kind} column needs`;
    // up to 9 digits always fits; longer ones are compared exactly
    if (value.length > 9) {
      const number = BigInt(value);
      if (number < min || number > max) return `outside the range of ${kind}`;
    }
    return undefined;
  };
}

function decimalCheck(precision: number, scale: number): ValueCheck {
  return (value) => {
    const match = DECIMAL.exec(value);
    if (!match || (match[2] === '' && (match[3] ?? '') === '')) return 'not a decimal number';
    const fraction = match[3] ?? '';
    if (fraction.length > scale && NONZERO_DIGIT.test(fraction.slice(scale))) {
      return `more than the ${scale} decimal places of decimal(${precision},${scale}); it would be rounded`;
    }
    const integer = match[2]!.replace(/^0+/, '');
    if (integer.length > precision - scale) return `too many digits for decimal(${precision},${scale})`;
    return undefined;
  };
}

function doubleCheck(dialect: Dialect): ValueCheck {
  return (value) => {
    if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') {
      return dialect === 'mysql' ? 'MySQL cannot store NaN or Infinity' : undefined;
    }
    if (!NUMBER.test(value)) return 'not a number';
    const number = Number(value);
    if (!Number.isFinite(number)) return 'too large for a double';
    const mantissa = value.replace(/[eE].*$/, '');
    if (number === 0 && NONZERO_DIGIT.test(mantissa)) return 'too small for a double: it would become 0';
    if (Object.is(number, -0) && dialect === 'mysql') return 'MySQL stores -0 as 0';
    return undefined;
  };
}

function validDay(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const dateCheck: ValueCheck = (value) => {
  const match = DATE.exec(value);
  if (!match) return 'not a date (YYYY-MM-DD)';
  return validDay(match[1]!, match[2]!, match[3]!) ? undefined : 'not a day of the calendar';
};

const timestampCheck: ValueCheck = (value) => {
  const match = TIMESTAMP.exec(value);
  if (!match) return 'not a timestamp (YYYY-MM-DD HH:MM:SS.fff)';
  if (!validDay(match[1]!, match[2]!, match[3]!)) return 'not a day of the calendar';
  if (Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6]) > 59) {
    return 'not a time of day (a database would move it to another time)';
  }
  const fraction = match[7] ?? '';
  if (fraction.length > FRACTION_DIGITS && NONZERO_DIGIT.test(fraction.slice(FRACTION_DIGITS))) {
    return 'more precise than milliseconds; it would be rounded';
  }
  return undefined;
};

const booleanCheck: ValueCheck = (value) =>
  value === 'true' || value === 'false' ? undefined : 'not true or false';

/** The check for one column type, or undefined for types whose every text is stored as it is. */
export function valueCheck(dialect: Dialect, type: ColumnType): ValueCheck | undefined {
  switch (type.kind) {
    case 'string':
      return undefined;
    case 'bigint':
      return integerCheck('bigint', BIGINT_RANGE);
    case 'int':
      return integerCheck('int', INT_RANGE);
    case 'double':
      return doubleCheck(dialect);
    case 'boolean':
      return booleanCheck;
    case 'timestamp':
      return timestampCheck;
    case 'date':
      return dateCheck;
    case 'decimal':
      return decimalCheck(type.precision, type.scale);
  }
}

export function valueChecks(
  dialect: Dialect,
  columns: readonly ResultColumn[],
): Array<ValueCheck | undefined> {
  return columns.map((column) => valueCheck(dialect, column.type));
}
