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
