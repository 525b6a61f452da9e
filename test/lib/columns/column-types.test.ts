import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ColumnKind, SampleValue } from '../../../src/lib/columns/column-kind';
import {
  COLUMN_KINDS,
  type ColumnKindName,
  type ColumnSpec,
  type ColumnType,
  columnKind,
  columnTypeOfAthenaResult,
  columnTypeOfDuckDb,
  duckDbColumnType,
  forColumnType,
  formatColumnType,
  glueColumnType,
  parseColumnType,
} from '../../../src/lib/columns/column-types';
import { readAthenaCsv } from '../../../src/lib/loading/athena-csv';
import { valueCheck } from '../../../src/lib/loading/exact-values';
import type { Dialect } from '../../../src/lib/loading/types';
import { RowCoercer } from '../../../src/lib/parquet/coerce';
import { parseFlatLine } from '../../../src/lib/parquet/flat-line';
import { ParquetRowWriter } from '../../../src/lib/parquet/parquet-writer';
import { SeededRandom } from '../../../src/lib/samples/random';
import { DuckDb, sqlString } from '../../../src/lib/standins/athena/duckdb';
import { athenaResultType, hiveType } from '../../../src/lib/standins/athena/type-maps';

/** Types of every registered kind; a kind added to the registry without examples here does not compile. */
const EXAMPLES: { readonly [K in ColumnKindName]: ReadonlyArray<Extract<ColumnType, { kind: K }>> } = {
  string: [{ kind: 'string' }],
  bigint: [{ kind: 'bigint' }],
  int: [{ kind: 'int' }],
  double: [{ kind: 'double' }],
  boolean: [{ kind: 'boolean' }],
  timestamp: [{ kind: 'timestamp' }],
  date: [{ kind: 'date' }],
  decimal: [
    { kind: 'decimal', precision: 18, scale: 2 },
    { kind: 'decimal', precision: 38, scale: 9 },
    { kind: 'decimal', precision: 3, scale: 3 },
    { kind: 'decimal', precision: 38, scale: 0 },
  ],
};
const TYPES: ColumnType[] = Object.values(EXAMPLES).flat();
const named = TYPES.map((type) => [formatColumnType(type), type] as const);
const DIALECTS: Dialect[] = ['mysql', 'postgres', 'duckdb'];

/**
 * The column types a Glue table (and Athena's CREATE TABLE) may declare: Hive's names, per
 * "Data types in Amazon Athena" (docs/aws-rules.md).
 */
const ATHENA_DDL_TYPE =
  /^(boolean|tinyint|smallint|int|integer|bigint|float|double|decimal\(\d+,\d+\)|char\(\d+\)|string|varchar\(\d+\)|binary|date|timestamp)$/;

describe('the column-type table', () => {
  it('registers each kind module under its own kind', () => {
    for (const [name, kind] of Object.entries(COLUMN_KINDS)) expect(kind.kind).toBe(name);
  });

  it('registers every kind module under src/lib/columns/kinds', async () => {
    const directory = join(__dirname, '../../../src/lib/columns/kinds');
    const registered = new Set<unknown>(Object.values(COLUMN_KINDS));
    const modules = (await readdir(directory)).filter((file) => file.endsWith('.ts'));
    let found = 0;
    for (const file of modules) {
      const exports = (await import(join(directory, file))) as Record<string, unknown>;
      for (const value of Object.values(exports)) {
        if (typeof value !== 'object' || value === null || !('parquetElement' in value)) continue;
        found++;
        expect([file, registered.has(value)]).toEqual([file, true]);
      }
    }
    expect(found).toBe(Object.keys(COLUMN_KINDS).length);
  });

  it('looks up the entry of a per-type table by the type, passing the type', () => {
    const spelled = {
      string: () => 'text',
      bigint: () => 'int64',
      int: () => 'int32',
      double: () => 'float64',
      boolean: () => 'bool',
      timestamp: () => 'instant',
      date: () => 'day',
      decimal: ({ precision, scale }: { precision: number; scale: number }) => `fixed ${precision}.${scale}`,
    };
    expect(TYPES.map((type) => forColumnType(spelled, type))).toEqual([
      'text',
      'int64',
      'int32',
      'float64',
      'bool',
      'instant',
      'day',
      'fixed 18.2',
      'fixed 38.9',
      'fixed 3.3',
      'fixed 38.0',
    ]);
  });

  it.each(named)('reads %s back from how the pipeline description writes it', (text, type) => {
    expect(parseColumnType(text)).toEqual(type);
    expect(parseColumnType(` ${text.toUpperCase()} `)).toEqual(type);
  });

  it('names every type in an unknown-type error', () => {
    expect(() => parseColumnType('uuid')).toThrow(
      'unknown column type "uuid" (use string, bigint, int, double, boolean, timestamp, date or decimal(p,s) with p <= 38)',
    );
  });

  it.each(named)('declares %s in Glue with a type Athena DDL knows', (_, type) => {
    expect(glueColumnType(type)).toMatch(ATHENA_DDL_TYPE);
  });

  it('gives each Athena result type name to one kind only', () => {
    const names = Object.values(COLUMN_KINDS).flatMap((kind) => kind.athenaResultNames);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it.each(named)('reads %s from what Athena reports for it and from its DuckDB type', (_, type) => {
    const kind = columnKind(type) as ColumnKind<ColumnType>;
    const reported = kind.athenaResult(type);
    expect(kind.athenaResultNames).toContain(reported.type);
    expect(columnTypeOfAthenaResult(reported.type, reported.precision, reported.scale)).toEqual(type);
    expect(columnTypeOfDuckDb(duckDbColumnType(type))).toEqual(type);
  });
});

describe('each column type, from sample to loaded value', () => {
  let directory: string;
  let duck: DuckDb;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tributary-column-types-'));
    duck = await DuckDb.open();
  });
  afterAll(async () => {
    duck.close();
    await rm(directory, { recursive: true, force: true });
  });

  const SAMPLES = 40;
  const samples = (column: ColumnSpec): SampleValue[] => {
    const random = new SeededRandom(7);
    const dayStart = Date.parse('2026-11-20T00:00:00Z');
    return Array.from({ length: SAMPLES }, (_, index) =>
      columnKind(column.type).sample(column.type, {
        column: column.name,
        last: column.name,
        key: 'things',
        index,
        count: SAMPLES,
        dayStart,
        random,
      }),
    );
  };

  it.each(named)(
    '%s: samples convert, DuckDB reads the Parquet as the type, Athena names it, the loader takes every value',
    async (text, type) => {
      // `value` suggests nothing about values, `amount_id` an id: both kinds of sample
      for (const name of ['value', 'thing_id']) {
        const column: ColumnSpec = { name, type };
        const values = samples(column);
        const path = join(directory, `${text.replace(/\W/g, '_')}-${name}.parquet`);
        const coercer = new RowCoercer([column]);
        const writer = new ParquetRowWriter([column], createWriteStream(path), {
          codec: 'snappy',
          rowGroupRows: 50_000,
        });
        for (const value of values)
          await writer.append(coercer.coerce(parseFlatLine(JSON.stringify({ [name]: value }))));
        await writer.close();

        const described = await duck.query(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
        const duckType = String(described.rows[0]?.column_type);
        expect(duckType).toBe(duckDbColumnType(type));
        expect(hiveType(duckType)).toBe(glueColumnType(type));
        const reported = athenaResultType(duckType);
        expect(columnTypeOfAthenaResult(reported.type, reported.precision, reported.scale)).toEqual(type);

        // the result CSV as the local engine writes it for Athena, read as the loader reads it
        const csv = join(directory, `${text.replace(/\W/g, '_')}-${name}.csv`);
        await duck.run(
          `COPY (SELECT * FROM read_parquet(${sqlString(path)})) TO ${sqlString(csv)} (FORMAT csv, HEADER true, FORCE_QUOTE *)`,
        );
        const loaded: string[] = [];
        for await (const row of readAthenaCsv(Readable.from([await readFile(csv)]))) loaded.push(row[0]!);
        expect(loaded).toHaveLength(SAMPLES);
        for (const dialect of DIALECTS) {
          const check = valueCheck(dialect, type);
          expect(loaded.filter((value) => check?.(value) !== undefined)).toEqual([]);
        }
      }
    },
  );
});
