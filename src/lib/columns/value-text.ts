import { JsonNumber } from './json-number';

// How values' text is read, once for every reader: the calendar (lake writer, loader checks) and
// decimal text (JSON numbers, Athena's decimals and doubles). Every loaded or converted value passes
// through here, so the readers look at char codes instead of running regular expressions, allocate
// nothing, and stay in one module, so a value costs one call from outside.

const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;
const SPACE = 0x20;
const LETTER_T = 0x54;

const ZERO = 0x30;
const NINE = 0x39;

const isDigit = (code: number): boolean => code >= ZERO && code <= NINE;

/** Index of the first character at or after `from` that is not an ASCII digit. */
export function skipDigits(text: string, from: number): number {
  let i = from;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

/** Whether every character in [from, to) is `0`. */
function onlyZeros(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) !== ZERO) return false;
  return true;
}

/** The number written by the `count` ASCII digits at `at`, or -1 if one of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let number = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    number = number * 10 + code - ZERO;
  }
  return number;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Whether `year-month-day` is a day of the proleptic Gregorian calendar. Years 0-99 count as
 * 1900-1999, as JavaScript's Date.UTC reads them: so year 0 is no leap year, which is also what
 * MySQL says of it.
 */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (month !== 2) return day <= DAYS_IN_MONTH[month - 1]!;
  const fullYear = year < 100 ? year + 1900 : year;
  const leap = (fullYear % 4 === 0 && fullYear % 100 !== 0) || fullYear % 400 === 0;
  return day <= (leap ? 29 : 28);
}

/** What is wrong with the `YYYY-MM-DD` at the start of `text`: its writing, the day itself, or nothing. */
export function dayProblemAt(text: string): 'format' | 'day' | undefined {
  if (text.charCodeAt(4) !== MINUS || text.charCodeAt(7) !== MINUS) return 'format';
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 0 || day < 0) return 'format';
  return isCalendarDay(year, month, day) ? undefined : 'day';
}

/** Athena's timestamps have millisecond precision, and so do the columns the loader declares. */
const FRACTION_DIGITS = 3;

/**
 * What keeps Athena's text of a timestamp, `YYYY-MM-DD HH:MM:SS[.fff]`, from being stored as it
 * is: its writing, a day not in the calendar, a time not of a day, or digits past the millisecond.
 */
export function timestampTextProblem(value: string): 'format' | 'day' | 'time' | 'precision' | undefined {
  const length = value.length;
  const separator = value.charCodeAt(10);
  let problem =
    length < 19 ||
    (separator !== SPACE && separator !== LETTER_T) ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON
      ? 'format'
      : dayProblemAt(value);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if (hour < 0 || minute < 0 || second < 0) problem = 'format';
  if (length > 19 && (value.charCodeAt(19) !== DOT || length === 20 || skipDigits(value, 20) !== length))
    problem = 'format';
  if (problem !== undefined) return problem;
  if (hour > 23 || minute > 59 || second > 59) return 'time';
  if (length - 20 > FRACTION_DIGITS && !onlyZeros(value, 20 + FRACTION_DIGITS, length)) return 'precision';
  return undefined;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` (what toISOString writes, and most producers send) read without
 * regular expressions or Date.parse; undefined for any other text, which then takes the general
 * path. Only dates from 1970 whose every field is in range are read here, where both agree.
 */
export function canonicalIsoToMillis(text: string): number | undefined {
  if (
    text.length !== 24 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 || // .
    text.charCodeAt(23) !== 90 // Z
  )
    return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const ms = digitsAt(text, 20, 3);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59)
    return undefined;
  if (second < 0 || second > 59 || ms < 0) return undefined;
  if (!isCalendarDay(year, month, day)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/**
 * Where the parts of a decimal number's text lie: `[+-] digits [. digits] [(e|E) [+-] digits]`,
 * each part possibly empty except the exponent's digits. The one reader of decimal text, for the
 * lake writer (which takes JSON numbers, exponents included) and the loader (Athena's text, which
 * has none).
 */
export interface DecimalText {
  negative: boolean;
  integerStart: number;
  integerEnd: number;
  fractionStart: number;
  fractionEnd: number;
  /** Where the exponent's sign or first digit is, or -1 without one. */
  exponentStart: number;
}

const LETTER_E = 0x65;
const CAPITAL_E = 0x45;

/** Filled by each scan and returned: reading a value's parts allocates nothing. */
const scanned: DecimalText = {
  negative: false,
  integerStart: 0,
  integerEnd: 0,
  fractionStart: 0,
  fractionEnd: 0,
  exponentStart: -1,
};

/**
 * The parts of `text`, or undefined when it is not decimal text (with an exponent only if
 * `exponent`). The same object comes back from every call: read it before the next.
 */
export function scanDecimalText(text: string, exponent: boolean): Readonly<DecimalText> | undefined {
  const sign = text.charCodeAt(0);
  const integerStart = sign === PLUS || sign === MINUS ? 1 : 0;
  const integerEnd = skipDigits(text, integerStart);
  let fractionStart = integerEnd;
  let fractionEnd = integerEnd;
  if (text.charCodeAt(integerEnd) === DOT) {
    fractionStart = integerEnd + 1;
    fractionEnd = skipDigits(text, fractionStart);
  }
  let exponentStart = -1;
  const marker = text.charCodeAt(fractionEnd);
  if (exponent && (marker === LETTER_E || marker === CAPITAL_E)) {
    exponentStart = fractionEnd + 1;
    const exponentSign = text.charCodeAt(exponentStart);
    const digitsStart = exponentSign === PLUS || exponentSign === MINUS ? exponentStart + 1 : exponentStart;
    const end = skipDigits(text, digitsStart);
    if (end === digitsStart || end !== text.length) return undefined;
  } else if (fractionEnd !== text.length) {
    return undefined;
  }
  scanned.negative = sign === MINUS;
  scanned.integerStart = integerStart;
  scanned.integerEnd = integerEnd;
  scanned.fractionStart = fractionStart;
  scanned.fractionEnd = fractionEnd;
  scanned.exponentStart = exponentStart;
  return scanned;
}

/** Whether the text has a digit before or after its point (`.` and `-e5` have none). */
export function hasDigits(parts: Readonly<DecimalText>): boolean {
  return parts.integerEnd > parts.integerStart || parts.fractionEnd > parts.fractionStart;
}

/**
 * Why decimal text without an exponent does not fit decimal(precision, scale) exactly: digits
 * past the scale that are not zeros, or more integer digits than the precision leaves; else undefined.
 */
function decimalFitProblem(
  text: string,
  parts: Readonly<DecimalText>,
  precision: number,
  scale: number,
): 'scale' | 'precision' | undefined {
  const { integerStart, integerEnd, fractionStart, fractionEnd } = parts;
  if (fractionEnd - fractionStart > scale && !onlyZeros(text, fractionStart + scale, fractionEnd))
    return 'scale';
  let significant = integerStart;
  while (significant < integerEnd && text.charCodeAt(significant) === ZERO) significant++;
  return integerEnd - significant > precision - scale ? 'precision' : undefined;
}

/**
 * Why Athena's text of a decimal (no exponent) does not go into decimal(precision, scale)
 * exactly: it is not decimal text, it has non-zero digits past the scale, or too many integer digits.
 */
export function decimalTextProblem(
  text: string,
  precision: number,
  scale: number,
): 'syntax' | 'scale' | 'precision' | undefined {
  const parts = scanDecimalText(text, false);
  if (parts === undefined || !hasDigits(parts)) return 'syntax';
  return decimalFitProblem(text, parts, precision, scale);
}

/**
 * Exact decimal: `123.456e1` with scale 2 → 123456n. Fractional digits past the scale must be
 * zeros (`2.50` fits scale 1); a value the scale cannot hold exactly, or with more integer digits
 * than the precision allows, is undefined, never silently rounded.
 */
export function toUnscaledDecimal(text: string, precision: number, scale: number): bigint | undefined {
  const parts = scanDecimalText(text, true);
  if (!parts || !hasDigits(parts)) return undefined;
  const exponent = parts.exponentStart < 0 ? 0 : Number(text.slice(parts.exponentStart));
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) return undefined;
  const fraction = text.slice(parts.fractionStart, parts.fractionEnd);
  let digits = `${text.slice(parts.integerStart, parts.integerEnd)}${fraction}`.replace(/^0+(?=\d)/, '');
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
  return parts.negative ? -unscaled : unscaled;
}

/** The text of a number as written (a JSON number's own digits), so conversions never go through a lossy double. */
export function numberText(value: unknown): string | undefined {
  if (value instanceof JsonNumber) return value.raw;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') {
    const text = value.trim();
    if (text !== '' && scanDecimalText(text, true) !== undefined) return text;
  }
  return undefined;
}
