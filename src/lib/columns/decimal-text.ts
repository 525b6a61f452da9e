import { onlyZeros, skipDigits, ZERO } from './digits';
import { JsonNumber } from './json-number';

/**
 * Where the parts of a decimal number's text lie: `[+-] digits [. digits] [(e|E) [+-] digits]`,
 * each part possibly empty except the exponent's digits. The one reader of decimal text, for the
 * lake writer (which takes JSON numbers, exponents included) and the loader (Athena's text, which
 * has none).
 */
export interface DecimalText {
  readonly negative: boolean;
  readonly integerStart: number;
  readonly integerEnd: number;
  readonly fractionStart: number;
  readonly fractionEnd: number;
  /** Where the exponent's sign or first digit is, or -1 without one. */
  readonly exponentStart: number;
}

const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const LETTER_E = 0x65;
const CAPITAL_E = 0x45;

/** The parts of `text`, or undefined when it is not decimal text (with an exponent only if `exponent`). */
export function scanDecimalText(text: string, exponent: boolean): DecimalText | undefined {
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
  return { negative: sign === MINUS, integerStart, integerEnd, fractionStart, fractionEnd, exponentStart };
}

/** Whether the text has a digit before or after its point (`.` and `-e5` have none). */
export function hasDigits(parts: DecimalText): boolean {
  return parts.integerEnd > parts.integerStart || parts.fractionEnd > parts.fractionStart;
}

/**
 * Why decimal text without an exponent does not fit decimal(precision, scale) exactly: digits
 * past the scale that are not zeros, or more integer digits than the precision leaves; else undefined.
 */
export function decimalFitProblem(
  text: string,
  parts: DecimalText,
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
