import {
  checkIdentifier,
  IdentifierError,
  isValidIdentifier,
  quoteIdentifier,
  scratchTableName,
} from '../../../src/lib/loading/identifiers';
import type { Dialect } from '../../../src/lib/loading/types';

describe('identifiers', () => {
  it.each(['orders', '_extra', 'user__address__city', 'c0', 'a'.repeat(63), 'select'])(
    'accepts %s',
    (name) => {
      expect(isValidIdentifier(name)).toBe(true);
      expect(checkIdentifier(name, 'table')).toBe(name);
    },
  );

  it.each([
    '',
    'Orders',
    '1st',
    'order-items',
    'a b',
    'a'.repeat(64),
    'x`; DROP TABLE users; --',
    'x"',
    'naïve',
    'dbo.orders',
  ])('refuses %j', (name) => {
    expect(isValidIdentifier(name)).toBe(false);
    expect(() => checkIdentifier(name, 'column')).toThrow(IdentifierError);
    expect(() => checkIdentifier(name, 'column')).toThrow(/^Invalid column name /);
  });

  it.each<[Dialect, string]>([
    ['mysql', '`order`'],
    ['postgres', '"order"'],
    ['duckdb', '"order"'],
  ])('quotes for %s', (dialect, quoted) => {
    expect(quoteIdentifier(dialect, 'order')).toBe(quoted);
  });

  it('never quotes a name it has not checked', () => {
    expect(() => quoteIdentifier('mysql', 'a`b')).toThrow(IdentifierError);
    expect(() => quoteIdentifier('postgres', 'a"b', 'table')).toThrow('Invalid table name "a\\"b"');
  });

  it('keeps scratch table names valid and apart, shortening long table names', () => {
    expect(scratchTableName('orders', 'stage', 'a1b2c3d4e5')).toBe('orders__stage_a1b2c3d4e5');
    const long = scratchTableName('t'.repeat(63), 'new', 'a1b2c3d4e5');
    expect(long).toHaveLength(63);
    expect(long.endsWith('__new_a1b2c3d4e5')).toBe(true);
  });
});
