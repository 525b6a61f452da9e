import fc from 'fast-check';
import type { ColumnType } from '../../../src/lib/columns/column-types';
import { valueCheck } from '../../../src/lib/loading/exact-values';
import type { Dialect } from '../../../src/lib/loading/types';

const decimal = (precision: number, scale: number): ColumnType => ({ kind: 'decimal', precision, scale });
const bigint: ColumnType = { kind: 'bigint' };
const int: ColumnType = { kind: 'int' };
const double: ColumnType = { kind: 'double' };
const timestamp: ColumnType = { kind: 'timestamp' };
const date: ColumnType = { kind: 'date' };
const boolean: ColumnType = { kind: 'boolean' };

const judge = (type: ColumnType, value: string, dialect: Dialect = 'postgres') =>
  valueCheck(dialect, type)?.(value);

describe('valueCheck', () => {
  it.each([
    [decimal(18, 2), '1.00'],
    [decimal(18, 2), '-1.5'],
    [decimal(18, 2), '1.50000'],
    [decimal(18, 2), '0000001.25'],
    [decimal(18, 2), '9999999999999999.99'],
    [decimal(38, 10), '-9999999999999999999999999999.9999999999'],
    [bigint, '9223372036854775807'],
    [bigint, '-9223372036854775808'],
    [int, '2147483647'],
    [double, '0.1'],
    [double, '-1.7976931348623157E308'],
    [double, '1.0E-5'],
    [double, '0'],
    [double, '0.0e10'],
    [double, '4.9E-324'],
    [double, 'NaN'],
    [timestamp, '2026-11-20 09:15:02.120'],
    [timestamp, '2026-11-20 09:15:02'],
    [timestamp, '2026-11-20 09:15:02.120000000'],
    [timestamp, '2024-02-29 23:59:59.999'],
    [date, '2024-02-29'],
    [boolean, 'true'],
    [boolean, 'false'],
  ])('accepts %j %s', (type, value) => {
    expect(judge(type, value)).toBeUndefined();
  });

  it.each([
    [decimal(18, 2), '1.005', 'more than the 2 decimal places'],
    [decimal(18, 2), '12345678901234567.00', 'too many digits'],
    [decimal(18, 2), '1e3', 'not a decimal'],
    [decimal(18, 2), '.', 'not a decimal'],
    [bigint, '1.5', 'not a whole number'],
    [bigint, '1e3', 'not a whole number'],
    [bigint, '9223372036854775808', 'outside the range'],
    [int, '-2147483649', 'outside the range'],
    [double, '1e-400', 'would become 0'],
    [double, '1e400', 'too large'],
    [double, 'one', 'not a number'],
    [timestamp, '2026-11-20 24:00:00.000', 'not a time of day'],
    [timestamp, '2026-11-20 09:15:60', 'not a time of day'],
    [timestamp, '2026-11-20 09:15:02.1234', 'more precise than milliseconds'],
    [timestamp, '2026-13-01 00:00:00', 'not a day'],
    [timestamp, '2026-11-20', 'not a timestamp'],
    [date, '2023-02-29', 'not a day'],
    [date, '2026-11-20 00:00:00', 'not a date'],
    [boolean, '1', 'not true or false'],
  ])('refuses %j %s', (type, value, reason) => {
    expect(judge(type, value)).toContain(reason);
  });

  it('refuses what only MySQL would alter: -0, NaN and Infinity', () => {
    for (const value of ['-0', '-0.0', 'NaN', 'Infinity']) {
      expect(judge(double, value, 'mysql')).toBeDefined();
      expect(judge(double, value, 'postgres')).toBeUndefined();
    }
  });

  it('leaves strings alone', () => {
    expect(valueCheck('mysql', { kind: 'string' })).toBeUndefined();
  });
});

/**
 * The checks as first written, with regular expressions: the character scans that replaced them
 * for speed must judge every text the same way, reason included.
 */
const reference = (() => {
  const INTEGER = /^-?\d+$/;
  const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;
  const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
  const NONZERO_DIGIT = /[1-9]/;
  const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
  const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;
  const validDay = (year: string, month: string, day: string) => {
    const [y, m, d] = [Number(year), Number(month), Number(day)];
    if (m < 1 || m > 12 || d < 1) return false;
    return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
  };
  const integer = (kind: string, min: bigint, max: bigint) => (value: string) => {
    if (!INTEGER.test(value)) return `not a whole number, which a ${kind} column needs`;
    const number = BigInt(value);
    return number < min || number > max ? `outside the range of ${kind}` : undefined;
  };
  return (dialect: Dialect, type: ColumnType, value: string): string | undefined => {
    switch (type.kind) {
      case 'string':
        return undefined;
      case 'bigint':
        return integer('bigint', -(2n ** 63n), 2n ** 63n - 1n)(value);
      case 'int':
        return integer('int', -(2n ** 31n), 2n ** 31n - 1n)(value);
      case 'boolean':
        return value === 'true' || value === 'false' ? undefined : 'not true or false';
      case 'decimal': {
        const { precision, scale } = type;
        const match = DECIMAL.exec(value);
        if (!match || (match[2] === '' && (match[3] ?? '') === '')) return 'not a decimal number';
        const fraction = match[3] ?? '';
        if (fraction.length > scale && NONZERO_DIGIT.test(fraction.slice(scale)))
          return `more than the ${scale} decimal places of decimal(${precision},${scale}); it would be rounded`;
        if (match[2]!.replace(/^0+/, '').length > precision - scale)
          return `too many digits for decimal(${precision},${scale})`;
        return undefined;
      }
      case 'double': {
        if (value === 'NaN' || value === 'Infinity' || value === '-Infinity')
          return dialect === 'mysql' ? 'MySQL cannot store NaN or Infinity' : undefined;
        if (!NUMBER.test(value)) return 'not a number';
        const number = Number(value);
        if (!Number.isFinite(number)) return 'too large for a double';
        if (number === 0 && NONZERO_DIGIT.test(value.replace(/[eE].*$/, '')))
          return 'too small for a double: it would become 0';
        if (Object.is(number, -0) && dialect === 'mysql') return 'MySQL stores -0 as 0';
        return undefined;
      }
      case 'date': {
        const match = DATE.exec(value);
        if (!match) return 'not a date (YYYY-MM-DD)';
        return validDay(match[1]!, match[2]!, match[3]!) ? undefined : 'not a day of the calendar';
      }
      case 'timestamp': {
        const match = TIMESTAMP.exec(value);
        if (!match) return 'not a timestamp (YYYY-MM-DD HH:MM:SS.fff)';
        if (!validDay(match[1]!, match[2]!, match[3]!)) return 'not a day of the calendar';
        if (Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6]) > 59)
          return 'not a time of day (a database would move it to another time)';
        const fraction = match[7] ?? '';
        if (fraction.length > 3 && NONZERO_DIGIT.test(fraction.slice(3)))
          return 'more precise than milliseconds; it would be rounded';
        return undefined;
      }
    }
  };
})();

describe('valueCheck against its regular-expression form', () => {
  const types: ColumnType[] = [
    bigint,
    int,
    double,
    timestamp,
    date,
    boolean,
    decimal(18, 2),
    decimal(5, 0),
    decimal(38, 10),
  ];
  const digit = fc.constantFrom(...'0123456789');
  const digits = (min: number, max: number) => fc.string({ unit: digit, minLength: min, maxLength: max });
  const near = (pieces: string) => fc.string({ unit: fc.constantFrom(...pieces), maxLength: 30 });
  const text = fc.oneof(
    near('0123456789-+.eE'),
    near('0123456789-: T.'),
    fc.string({ maxLength: 12 }),
    fc
      .tuple(fc.constantFrom('', '-', '+'), digits(0, 25), fc.constantFrom('', '.'), digits(0, 14))
      .map((parts) => parts.join('')),
    fc
      .tuple(
        fc.constantFrom('', '-', '+'),
        digits(0, 4),
        fc.constantFrom('', '.'),
        digits(0, 4),
        fc.constantFrom('', 'e', 'E-', 'e+'),
        digits(0, 4),
      )
      .map((parts) => parts.join('')),
    fc
      .tuple(
        digits(4, 4),
        digits(2, 2),
        digits(2, 2),
        fc.constantFrom(' ', 'T', 'x', ''),
        digits(2, 2),
        digits(2, 2),
        digits(2, 2),
        fc.constantFrom('', '.'),
        digits(0, 10),
      )
      .map(([y, m, d, t, h, mi, s, dot, f]) => `${y}-${m}-${d}${t}${h}:${mi}:${s}${dot}${f}`),
    fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
      )
      .map(
        ([y, m, d]) =>
          `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
      ),
  );

  it('judges any text alike, reason included, in both dialects', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.constantFrom<Dialect>('mysql', 'postgres'),
        text,
        (type, dialect, value) => {
          expect(judge(type, value, dialect)).toBe(reference(dialect, type, value));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it.each([
    '0000-02-29',
    '0004-02-29',
    '1900-02-29',
    '2000-02-29',
    '2100-02-29',
    '0000-02-29 00:00:00',
    '-0',
    '+0.0e5',
    '0.0000001e-400',
    '.5',
    '5.',
    '1.e5',
    '-',
    '+',
    '.',
    '',
    '00000000000000000009223372036854775807',
    '-000000000000000000001',
    '9223372036854775808',
  ])('judges %j alike', (value) => {
    for (const type of types)
      for (const dialect of ['mysql', 'postgres'] as const)
        expect(judge(type, value, dialect)).toBe(reference(dialect, type, value));
  });
});
