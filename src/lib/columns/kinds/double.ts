import type { ColumnKind, DatabaseValueRules, LoaderValueCheck } from '../column-kind';
import { hasDigits, numberText, scanDecimalText } from '../value-text';

export interface DoubleColumn {
  readonly kind: 'double';
}

const DOUBLE: DoubleColumn = { kind: 'double' };

/** The smallest positive normal double: below it a double keeps fewer than 53 significant bits. */
const MIN_NORMAL_DOUBLE = 2.2250738585072014e-308;
const NONZERO_MANTISSA = /^[^eE]*[1-9]/;

const ZERO = 0x30;
const NINE = 0x39;

function loaderCheck(database: DatabaseValueRules): LoaderValueCheck {
  return (value) => {
    if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') {
      return database.doubleHoldsNonFinite
        ? undefined
        : `${database.displayName} cannot store NaN or Infinity`;
    }
    const parts = scanDecimalText(value, true);
    if (parts === undefined || !hasDigits(parts)) return 'not a number';
    const number = Number(value);
    if (!Number.isFinite(number)) return 'too large for a double';
    if (number === 0) {
      for (let j = parts.integerStart; j < parts.fractionEnd; j++) {
        const code = value.charCodeAt(j);
        if (code > ZERO && code <= NINE) return 'too small for a double: it would become 0';
      }
      if (Object.is(number, -0) && !database.doubleKeepsNegativeZero)
        return `${database.displayName} stores -0 as 0`;
    }
    return undefined;
  };
}

export const doubleKind: ColumnKind<DoubleColumn> = {
  kind: 'double',
  spelling: 'double',
  parse: (text) => (text === 'double' ? DOUBLE : undefined),
  format: () => 'double',
  glueType: () => 'double',
  duckDbType: () => 'DOUBLE',
  fromDuckDbType: (duckType) => (duckType === 'DOUBLE' ? DOUBLE : undefined),
  athenaResult: () => ({ type: 'double', precision: 0, scale: 0 }),
  athenaResultNames: ['double', 'real', 'float'],
  fromAthenaResult: () => DOUBLE,
  parquetElement: () => ({ type: 'DOUBLE' }),
  converter: (_, { fail, problem }) => {
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
  },
  firehoseChecks: 'numbers',
  // a double overflows or underflows only past 300 digits on either side
  plainNumberLimit: () => ({ integer: 300, fraction: 300 }),
  loaderCheck: (_, database) => loaderCheck(database),
  sample: (_, { last, random }) => {
    if (/lat/.test(last)) return Number((random.next() * 180 - 90).toFixed(6));
    if (/lon/.test(last)) return Number((random.next() * 360 - 180).toFixed(6));
    return Number((random.next() * 1000).toFixed(2));
  },
};
