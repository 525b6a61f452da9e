import type { ColumnType } from '../columns/column-types';
import type { Dialect, ResultColumn } from './types';

/**
 * Why a result value cannot be stored exactly in the column its type declares, or undefined when
 * it can. Databases round or truncate such values without an error (PostgreSQL rounds NUMERIC and
 * fractional seconds, MySQL rounds a BIGINT given `1.5`, both turn `1e-400` into 0), so the loader
 * refuses them before the database sees them. Values are Athena's text for them.
 */
export type ValueCheck = (value: string) => string | undefined;

/** Athena's timestamps have millisecond precision, and so do the columns the loader declares. */
const FRACTION_DIGITS = 3;

// Every value of a load passes through one of these, so they scan characters instead of running
// regular expressions and allocate nothing on the way to `undefined` (test/lib/loading/exact-values
// checks them against the regular-expression forms they replace).
const ZERO = 0x30;
const NINE = 0x39;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;
const SPACE = 0x20;
const LETTER_T = 0x54;
const LETTER_E = 0x65;
const CAPITAL_E = 0x45;

const isDigit = (code: number) => code >= ZERO && code <= NINE;

/** Index of the first character at or after `from` that is not an ASCII digit. */
function skipDigits(value: string, from: number): number {
  let i = from;
  while (i < value.length && isDigit(value.charCodeAt(i))) i++;
  return i;
}

/** Whether every character in [from, to) is `0`. */
function onlyZeros(value: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (value.charCodeAt(i) !== ZERO) return false;
  return true;
}

/** The number written by the `count` ASCII digits at `at`, or -1 if one of them is not a digit. */
function digitsAt(value: string, at: number, count: number): number {
  let number = 0;
  for (let i = at; i < at + count; i++) {
    const code = value.charCodeAt(i);
    if (!isDigit(code)) return -1;
    number = number * 10 + code - ZERO;
  }
  return number;
}

const BIGINT_RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const INT_RANGE = [-(2n ** 31n), 2n ** 31n - 1n] as const;

/** `digits` is how many digits always fit (18 for bigint, 9 for int); longer ones are compared exactly. */
function integerCheck(kind: string, [min, max]: readonly [bigint, bigint], digits: number): ValueCheck {
  return (value) => {
    const first = value.charCodeAt(0) === MINUS ? 1 : 0;
    if (value.length === first || skipDigits(value, first) !== value.length)
      return `not a whole number, which a ${kind} column needs`;
    if (value.length - first > digits) {
      const number = BigInt(value);
      if (number < min || number > max) return `outside the range of ${kind}`;
    }
    return undefined;
  };
}

function decimalCheck(precision: number, scale: number): ValueCheck {
  return (value) => {
    const code = value.charCodeAt(0);
    const integerStart = code === PLUS || code === MINUS ? 1 : 0;
    const integerEnd = skipDigits(value, integerStart);
    let fractionStart = integerEnd;
    let fractionEnd = integerEnd;
    if (value.charCodeAt(integerEnd) === DOT) {
      fractionStart = integerEnd + 1;
      fractionEnd = skipDigits(value, fractionStart);
    }
    if (fractionEnd !== value.length || (integerEnd === integerStart && fractionEnd === fractionStart))
      return 'not a decimal number';
    if (fractionEnd - fractionStart > scale && !onlyZeros(value, fractionStart + scale, fractionEnd)) {
      return `more than the ${scale} decimal places of decimal(${precision},${scale}); it would be rounded`;
    }
    let significant = integerStart;
    while (significant < integerEnd && value.charCodeAt(significant) === ZERO) significant++;
    if (integerEnd - significant > precision - scale)
      return `too many digits for decimal(${precision},${scale})`;
    return undefined;
  };
}

function doubleCheck(dialect: Dialect): ValueCheck {
  return (value) => {
    if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') {
      return dialect === 'mysql' ? 'MySQL cannot store NaN or Infinity' : undefined;
    }
    // [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
    const sign = value.charCodeAt(0);
    const integerStart = sign === PLUS || sign === MINUS ? 1 : 0;
    let i = skipDigits(value, integerStart);
    let digits = i - integerStart;
    if (value.charCodeAt(i) === DOT) {
      const fractionStart = i + 1;
      i = skipDigits(value, fractionStart);
      digits += i - fractionStart;
    }
    if (digits === 0) return 'not a number';
    const mantissaEnd = i;
    const e = value.charCodeAt(i);
    if (e === LETTER_E || e === CAPITAL_E) {
      const exponentSign = value.charCodeAt(i + 1);
      const exponentStart = exponentSign === PLUS || exponentSign === MINUS ? i + 2 : i + 1;
      i = skipDigits(value, exponentStart);
      if (i === exponentStart) return 'not a number';
    }
    if (i !== value.length) return 'not a number';
    const number = Number(value);
    if (!Number.isFinite(number)) return 'too large for a double';
    if (number === 0) {
      for (let j = integerStart; j < mantissaEnd; j++) {
        const code = value.charCodeAt(j);
        if (code > ZERO && code <= NINE) return 'too small for a double: it would become 0';
      }
      if (Object.is(number, -0) && dialect === 'mysql') return 'MySQL stores -0 as 0';
    }
    return undefined;
  };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (month !== 2) return day <= DAYS_IN_MONTH[month - 1]!;
  // years 0-99 count as 1900-1999, as JavaScript's Date.UTC reads them: so year 0 is no leap year,
  // which is also what MySQL says of it
  const fullYear = year < 100 ? year + 1900 : year;
  const leap = (fullYear % 4 === 0 && fullYear % 100 !== 0) || fullYear % 400 === 0;
  return day <= (leap ? 29 : 28);
}

/** What is wrong with the `YYYY-MM-DD` at the start of `value`: its writing, the day itself, or nothing. */
function dayAt(value: string): 'format' | 'day' | undefined {
  if (value.charCodeAt(4) !== MINUS || value.charCodeAt(7) !== MINUS) return 'format';
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  if (year < 0 || month < 0 || day < 0) return 'format';
  return validDay(year, month, day) ? undefined : 'day';
}

const dateCheck: ValueCheck = (value) => {
  const problem = value.length === 10 ? dayAt(value) : 'format';
  if (problem === 'format') return 'not a date (YYYY-MM-DD)';
  return problem === 'day' ? 'not a day of the calendar' : undefined;
};

const timestampCheck: ValueCheck = (value) => {
  const length = value.length;
  const separator = value.charCodeAt(10);
  let problem =
    length < 19 ||
    (separator !== SPACE && separator !== LETTER_T) ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON
      ? 'format'
      : dayAt(value);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if (hour < 0 || minute < 0 || second < 0) problem = 'format';
  if (length > 19 && (value.charCodeAt(19) !== DOT || length === 20 || skipDigits(value, 20) !== length))
    problem = 'format';
  if (problem === 'format') return 'not a timestamp (YYYY-MM-DD HH:MM:SS.fff)';
  if (problem === 'day') return 'not a day of the calendar';
  if (hour > 23 || minute > 59 || second > 59) {
    return 'not a time of day (a database would move it to another time)';
  }
  if (length - 20 > FRACTION_DIGITS && !onlyZeros(value, 20 + FRACTION_DIGITS, length)) {
    return 'more precise than milliseconds; it would be rounded';
  }
  return undefined;
};

const booleanCheck: ValueCheck = (value) =>
  value === 'true' || value === 'false' ? undefined : 'not true or false';

/** PostgreSQL text cannot hold U+0000: COPY would fail on it without naming row or column. */
const nulFreeCheck: ValueCheck = (value) =>
  value.includes('\u0000') ? 'holds a NUL character (U+0000), which PostgreSQL text cannot store' : undefined;

/** The check for one column type, or undefined for types whose every text is stored as it is. */
export function valueCheck(dialect: Dialect, type: ColumnType): ValueCheck | undefined {
  switch (type.kind) {
    case 'string':
      return dialect === 'postgres' ? nulFreeCheck : undefined;
    case 'bigint':
      return integerCheck('bigint', BIGINT_RANGE, 18);
    case 'int':
      return integerCheck('int', INT_RANGE, 9);
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
