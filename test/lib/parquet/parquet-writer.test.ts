import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ColumnSpec, parseColumnType } from '../../../src/lib/columns/column-types';
import { JsonNumber } from '../../../src/lib/flattening/json-value';
import { RowCoercer, toUnscaledDecimal, ValueConversionError } from '../../../src/lib/parquet/coerce';
import { parseFlatLine } from '../../../src/lib/parquet/flat-line';
import { ParquetRowWriter, zstdAvailable } from '../../../src/lib/parquet/parquet-writer';
import { DuckDb, sqlString } from '../../../src/lib/standins/athena/duckdb';

const columns: ColumnSpec[] = [
  ['id', 'string'],
  ['big', 'bigint'],
  ['small', 'int'],
  ['ratio', 'double'],
  ['flag', 'boolean'],
  ['at', 'timestamp'],
  ['day', 'date'],
  ['amount', 'decimal(12,2)'],
  ['huge', 'decimal(38,0)'],
  ['precise', 'decimal(38,9)'],
].map(([name, type]) => ({ name: name!, type: parseColumnType(type!) }));

let directory: string;
let duck: DuckDb;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tributary-parquet-'));
  duck = await DuckDb.open();
});
afterAll(async () => {
  duck.close();
  await rm(directory, { recursive: true, force: true });
});

async function writeFile(
  name: string,
  lines: string[],
  rowGroupRows = 50_000,
  codec: 'snappy' | 'zstd' = 'snappy',
) {
  const path = join(directory, name);
  const coercer = new RowCoercer(columns);
  const writer = new ParquetRowWriter(columns, createWriteStream(path), { codec, rowGroupRows });
  for (const line of lines) await writer.append(coercer.coerce(parseFlatLine(line)));
  await writer.close();
  return path;
}

describe('ParquetRowWriter', () => {
  it('writes every declared type so that DuckDB reads it back with those types and exact values', async () => {
    const path = await writeFile('types.parquet', [
      '{"id":"a","big":9007199254740993,"small":-7,"ratio":0.25,"flag":true,"at":"2026-11-20T09:15:02.120Z","day":"2026-11-20","amount":1299.5,"huge":12345678901234567890123456789012345678,"precise":"-1.123456789"}',
      '{"id":"b","big":"42","small":"8","ratio":"1e3","flag":"false","at":1795165200000,"amount":"0.010","huge":-1}',
      '{"id":"c"}',
    ]);
    const described = await duck.query(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
    expect(described.rows.map((r) => [r.column_name, r.column_type])).toEqual([
      ['id', 'VARCHAR'],
      ['big', 'BIGINT'],
      ['small', 'INTEGER'],
      ['ratio', 'DOUBLE'],
      ['flag', 'BOOLEAN'],
      ['at', 'TIMESTAMP'],
      ['day', 'DATE'],
      ['amount', 'DECIMAL(12,2)'],
      ['huge', 'DECIMAL(38,0)'],
      ['precise', 'DECIMAL(38,9)'],
    ]);
    const { rows } = await duck.query(`SELECT * FROM read_parquet(${sqlString(path)}) ORDER BY id`);
    expect(rows).toEqual([
      {
        id: 'a',
        big: '9007199254740993',
        small: -7,
        ratio: 0.25,
        flag: true,
        at: '2026-11-20 09:15:02.12',
        day: '2026-11-20',
        amount: '1299.50',
        huge: '12345678901234567890123456789012345678',
        precise: '-1.123456789',
      },
      {
        id: 'b',
        big: '42',
        small: 8,
        ratio: 1000,
        flag: false,
        at: '2026-11-20 09:00:00',
        day: null,
        amount: '0.01',
        huge: '-1',
        precise: null,
      },
      {
        id: 'c',
        big: null,
        small: null,
        ratio: null,
        flag: null,
        at: null,
        day: null,
        amount: null,
        huge: null,
        precise: null,
      },
    ]);
  });

  it('writes row group by row group', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ id: `r${i}`, big: i }));
    const path = await writeFile('groups.parquet', lines, 1000);
    const { rows } = await duck.query(
      `SELECT count(DISTINCT row_group_id) AS groups FROM parquet_metadata(${sqlString(path)})`,
    );
    expect(rows[0]!.groups).toBe('3');
    const total = await duck.query(
      `SELECT count(*) AS n, sum(big) AS s FROM read_parquet(${sqlString(path)})`,
    );
    expect(total.rows[0]).toEqual({ n: '2500', s: String((2499 * 2500) / 2) });
  });

  it('writes a valid empty file', async () => {
    const path = await writeFile('empty.parquet', []);
    expect((await stat(path)).size).toBeGreaterThan(0);
    expect((await duck.query(`SELECT count(*) AS n FROM read_parquet(${sqlString(path)})`)).rows[0]).toEqual({
      n: '0',
    });
  });

  it('compresses with zstd where Node has it, and says why not where it has not', async () => {
    if (!zstdAvailable()) {
      await expect(writeFile('zstd.parquet', [], 10, 'zstd')).rejects.toThrow(
        'zstd needs Node 22.15 or later',
      );
      return;
    }
    const path = await writeFile('zstd.parquet', ['{"id":"z","big":1}'], 10, 'zstd');
    const { rows } = await duck.query(`SELECT compression FROM parquet_metadata(${sqlString(path)}) LIMIT 1`);
    expect(rows[0]!.compression).toBe('ZSTD');
  });
});

describe('RowCoercer', () => {
  const coercer = new RowCoercer(columns);

  it.each([
    ['big', '"twelve"', 'bigint'],
    ['big', '9223372036854775808', 'bigint'],
    ['small', '2147483648', 'int'],
    ['small', '1.5', 'int'],
    ['flag', '"yes"', 'boolean'],
    ['at', '"yesterday"', 'timestamp'],
    ['amount', '12345678901', 'decimal(12,2)'],
    ['ratio', '"n/a"', 'double'],
  ])('refuses %s = %s instead of storing something else', (column, json, expected) => {
    expect(() => coercer.coerce(parseFlatLine(`{"${column}":${json}}`))).toThrow(ValueConversionError);
    expect(() => coercer.coerce(parseFlatLine(`{"${column}":${json}}`))).toThrow(
      `Column ${column}: cannot store`,
    );
    expect(() => coercer.coerce(parseFlatLine(`{"${column}":${json}}`))).toThrow(expected);
  });

  it('reads only own properties, so a column named constructor is not Object.prototype.constructor', () => {
    const ctor = new RowCoercer([{ name: 'constructor', type: parseColumnType('string') }]);
    expect(ctor.coerce(parseFlatLine('{"other":1}'))).toEqual([null]);
  });
});

describe('toUnscaledDecimal', () => {
  it.each([
    ['2.50', 12, 1, 25n],
    ['-1.0100', 12, 2, -101n],
    ['1e3', 12, 2, 100000n],
    ['12.5e-1', 12, 2, 125n],
    ['0', 38, 9, 0n],
    ['.5', 4, 1, 5n],
    ['99999999999999999999999999999999999999', 38, 0, 99999999999999999999999999999999999999n],
  ])('%s as decimal(%i,%i) is %p', (text, precision, scale, expected) => {
    expect(toUnscaledDecimal(text, precision, scale)).toBe(expected);
  });

  it.each([
    ['100000000000000000000000000000000000000', 38, 0],
    ['1e999', 38, 0],
    ['abc', 10, 0],
    ['.', 10, 0],
    ['1.005', 12, 2],
    ['-1.005', 12, 2],
    ['0.5', 12, 0],
  ])('rejects %s as decimal(%i,%i)', (text, precision, scale) => {
    expect(toUnscaledDecimal(text, precision, scale)).toBeUndefined();
  });
});

describe('parseFlatLine', () => {
  it('keeps numbers that a double would round as exact text', () => {
    expect(parseFlatLine('{"a":12345678901234567890,"b":1}')).toEqual({
      a: new JsonNumber('12345678901234567890'),
      b: new JsonNumber('1'),
    });
    expect(parseFlatLine('{"a":1.5}')).toEqual({ a: 1.5 });
  });
});
