import type { ConversionContext, Converter, LoaderValueCheck, SampleContext } from '../column-kind';
import { numberText, skipDigits } from '../value-text';

// What the two integer types (bigint, int) share: only their range and Parquet width differ.

const INTEGER_TEXT = /^-?\d+$/;
const MINUS = 0x2d;

/** Whole numbers in [min, max]: int columns take JS numbers, bigint columns bigints. */
export function integerConverter(
  kind: 'bigint' | 'int',
  [min, max]: readonly [bigint, bigint],
  { fail }: ConversionContext,
): Converter {
  const bad = fail(kind);
  const small = kind === 'int';
  const minNumber = Number(min);
  const maxNumber = Number(max);
  return (value) => {
    if (typeof value === 'number' && Number.isSafeInteger(value)) {
      if (small && (value < minNumber || value > maxNumber)) return bad(value);
      return small ? value : BigInt(value);
    }
    const text = numberText(value);
    if (text === undefined || !INTEGER_TEXT.test(text)) return bad(value);
    const integer = BigInt(text);
    if (integer < min || integer > max) return bad(value);
    return small ? Number(integer) : integer;
  };
}

/** `digits` is how many digits always fit (18 for bigint, 9 for int); longer ones are compared exactly. */
export function integerLoaderCheck(
  kind: 'bigint' | 'int',
  [min, max]: readonly [bigint, bigint],
  digits: number,
): LoaderValueCheck {
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

/** An id counts records, a count is small, anything else up to a thousand. */
export function integerSample({ last, index, random }: SampleContext): number {
  if (/(^|_)id$/.test(last)) return index + 1;
  if (/(count|quantity|seats|items)/.test(last)) return random.int(1, 20);
  return random.int(0, 1000);
}
