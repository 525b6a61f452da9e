import type { ColumnType } from '../../../src/lib/columns/column-types';
import {
  addColumnsSql,
  columnDefinitions,
  columnSqlType,
  describeMismatch,
  describeMissingUniqueKey,
  type ExistingColumn,
  findUniqueKey,
  missingColumns,
} from '../../../src/lib/loading/sql-types';
import type { Dialect, ResultColumn } from '../../../src/lib/loading/types';

const decimal = (precision: number, scale: number): ColumnType => ({ kind: 'decimal', precision, scale });

describe('columnSqlType', () => {
  it.each<[ColumnType, string, string, string, string]>([
    [{ kind: 'string' }, 'LONGTEXT', 'VARCHAR(255)', 'TEXT', 'VARCHAR'],
    [{ kind: 'bigint' }, 'BIGINT', 'BIGINT', 'BIGINT', 'BIGINT'],
    [{ kind: 'int' }, 'INT', 'INT', 'INTEGER', 'INTEGER'],
    [{ kind: 'double' }, 'DOUBLE', 'DOUBLE', 'DOUBLE PRECISION', 'DOUBLE'],
    [{ kind: 'boolean' }, 'BOOLEAN', 'BOOLEAN', 'BOOLEAN', 'BOOLEAN'],
    [{ kind: 'timestamp' }, 'DATETIME(3)', 'DATETIME(3)', 'TIMESTAMP(3)', 'TIMESTAMP'],
    [{ kind: 'date' }, 'DATE', 'DATE', 'DATE', 'DATE'],
    [decimal(38, 10), 'DECIMAL(38,10)', 'DECIMAL(38,10)', 'NUMERIC(38,10)', 'DECIMAL(38,10)'],
  ])('maps %o: MySQL %s (key %s), PostgreSQL %s, DuckDB %s', (type, mysql, mysqlKey, postgres, duckdb) => {
    expect(columnSqlType('mysql', type)).toBe(mysql);
    expect(columnSqlType('mysql', type, 'key')).toBe(mysqlKey);
    expect(columnSqlType('postgres', type)).toBe(postgres);
    expect(columnSqlType('duckdb', type)).toBe(duckdb);
  });

  it('declares key columns NOT NULL', () => {
    const columns: ResultColumn[] = [
      { name: 'id', type: { kind: 'string' } },
      { name: 'note', type: { kind: 'string' } },
    ];
    expect(columnDefinitions('mysql', columns, ['id'])).toBe('`id` VARCHAR(255) NOT NULL, `note` LONGTEXT');
    expect(columnDefinitions('postgres', columns, ['id'])).toBe('"id" TEXT NOT NULL, "note" TEXT');
  });
});

describe('describeMismatch', () => {
  const expected: ResultColumn[] = [
    { name: 'id', type: { kind: 'bigint' } },
    { name: 'name', type: { kind: 'string' } },
    { name: 'amount', type: decimal(18, 2) },
    { name: 'at', type: { kind: 'timestamp' } },
    { name: 'quantity', type: { kind: 'int' } },
    { name: 'active', type: { kind: 'boolean' } },
  ];
  const column = (name: string, dataType: string, more: Partial<ExistingColumn> = {}): ExistingColumn => ({
    name,
    dataType,
    ...more,
  });

  it.each<[Dialect, ExistingColumn[]]>([
    [
      'mysql',
      [
        column('id', 'bigint'),
        column('name', 'varchar', { display: 'varchar(100)' }),
        column('amount', 'decimal', { numericPrecision: 20, numericScale: 2 }),
        column('at', 'datetime', { datetimePrecision: 3 }),
        column('quantity', 'bigint'),
        column('active', 'tinyint', { display: 'tinyint(1)' }),
      ],
    ],
    [
      'postgres',
      [
        column('active', 'boolean'),
        column('id', 'bigint'),
        column('name', 'character varying'),
        column('amount', 'numeric', { numericPrecision: null }),
        column('at', 'timestamp with time zone', { datetimePrecision: 6 }),
        column('quantity', 'integer'),
      ],
    ],
    [
      'duckdb',
      [
        column('id', 'BIGINT'),
        column('name', 'VARCHAR'),
        column('amount', 'DECIMAL', { numericPrecision: 18, numericScale: 2 }),
        column('at', 'TIMESTAMP'),
        column('quantity', 'INTEGER'),
        column('active', 'BOOLEAN'),
      ],
    ],
  ])('accepts a %s table whose columns hold every value, in any order', (dialect, actual) => {
    expect(describeMismatch(dialect, expected, actual)).toEqual([]);
  });

  it('names each extra and mistyped column, but not a column the load adds', () => {
    const actual = [
      column('id', 'varchar', { display: 'varchar(20)' }),
      column('name', 'longtext'),
      column('amount', 'decimal', { numericPrecision: 18, numericScale: 4, display: 'decimal(18,4)' }),
      column('at', 'datetime', { datetimePrecision: 0, display: 'datetime' }),
      column('active', 'tinyint'),
      column('legacy', 'int'),
    ];
    expect(describeMismatch('mysql', expected, actual)).toEqual([
      'column id is varchar(20) in the table but the result has bigint, e.g. BIGINT',
      'column amount is decimal(18,4) in the table but the result has decimal(18,2), e.g. DECIMAL(18,2)',
      'column at is datetime in the table but the result has timestamp, e.g. DATETIME(3)',
      'column legacy is not in the result',
    ]);
  });

  it.each<[Dialect, ColumnType, ExistingColumn]>([
    ['mysql', { kind: 'bigint' }, column('x', 'int')],
    ['mysql', { kind: 'double' }, column('x', 'float')],
    ['mysql', decimal(18, 2), column('x', 'decimal', { numericPrecision: 10, numericScale: 2 })],
    ['postgres', { kind: 'string' }, column('x', 'integer')],
    ['postgres', { kind: 'timestamp' }, column('x', 'timestamp without time zone', { datetimePrecision: 0 })],
    ['postgres', { kind: 'date' }, column('x', 'timestamp without time zone')],
    ['duckdb', decimal(38, 10), column('x', 'DECIMAL', { numericPrecision: 38, numericScale: 2 })],
    ['duckdb', { kind: 'boolean' }, column('x', 'VARCHAR')],
  ])('refuses, in %s, a column that would lose %o values: %o', (dialect, type, existing) => {
    expect(describeMismatch(dialect, [{ name: 'x', type }], [existing])).toHaveLength(1);
  });
});

describe('describeMissingUniqueKey', () => {
  it.each<[string[], string[][], string | undefined]>([
    [['id'], [['id']], undefined],
    [['tenant', 'id'], [['email'], ['id', 'tenant']], undefined],
    [['id'], [], 'merge needs a primary key or unique index on exactly (id); it has none'],
    [
      ['id'],
      [['id', 'tenant']],
      'merge needs a primary key or unique index on exactly (id); its unique keys are (id, tenant)',
    ],
  ])('keys %j with unique keys %j', (keys, unique, problem) => {
    expect(describeMissingUniqueKey(keys, unique)).toBe(problem);
  });
});

describe('findUniqueKey', () => {
  it('returns the matching unique key in its own column order', () => {
    expect(findUniqueKey(['id', 'tenant'], [['email'], ['tenant', 'id']])).toEqual(['tenant', 'id']);
    expect(findUniqueKey(['id'], [['tenant', 'id']])).toBeUndefined();
  });
});

describe('missingColumns', () => {
  it('lists the result columns the table lacks, in result order, whatever else differs', () => {
    const result: ResultColumn[] = [
      { name: 'id', type: { kind: 'bigint' } },
      { name: 'zone', type: { kind: 'string' } },
      { name: 'day', type: { kind: 'date' } },
    ];
    const table: ExistingColumn[] = [
      { name: 'legacy', dataType: 'text' },
      { name: 'id', dataType: 'varchar' },
    ];
    expect(missingColumns(result, table).map((column) => column.name)).toEqual(['zone', 'day']);
    expect(
      missingColumns(result, [
        ...table,
        { name: 'zone', dataType: 'text' },
        { name: 'day', dataType: 'date' },
      ]),
    ).toEqual([]);
  });
});

describe('addColumnsSql', () => {
  const added: ResultColumn[] = [
    { name: 'zone', type: { kind: 'string' } },
    { name: 'amount', type: decimal(18, 2) },
  ];
  it.each<[Dialect, string[]]>([
    ['mysql', ['ALTER TABLE `orders` ADD COLUMN `zone` LONGTEXT, ADD COLUMN `amount` DECIMAL(18,2)']],
    ['postgres', ['ALTER TABLE "orders" ADD COLUMN "zone" TEXT, ADD COLUMN "amount" NUMERIC(18,2)']],
    [
      'duckdb',
      [
        'ALTER TABLE "orders" ADD COLUMN "zone" VARCHAR',
        'ALTER TABLE "orders" ADD COLUMN "amount" DECIMAL(18,2)',
      ],
    ],
  ])('adds nullable columns of the types a created table has, in %s', (dialect, statements) => {
    expect(addColumnsSql(dialect, 'orders', added)).toEqual(statements);
  });

  it('checks every name it quotes', () => {
    expect(() => addColumnsSql('mysql', 'orders', [{ name: 'bad name', type: { kind: 'date' } }])).toThrow(
      /Invalid column name/,
    );
  });
});
