import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { type ColumnSpec, parseColumnType } from '../../../src/lib/columns/column-types';
import type { ParquetValue } from '../../../src/lib/parquet/coerce';
import { compareUtf8 } from '../../../src/lib/parquet/flat-column';
import { ParquetRowWriter } from '../../../src/lib/parquet/parquet-writer';
import { parquetSchema } from '../../../src/lib/parquet/schema';
import { DuckDb, sqlString } from '../../../src/lib/standins/athena/duckdb';

const columns: ColumnSpec[] = [
  ['text', 'string'],
  ['tag', 'string'],
  ['big', 'bigint'],
  ['small', 'int'],
  ['level', 'int'],
  ['ratio', 'double'],
  ['flag', 'boolean'],
  ['at', 'timestamp'],
  ['day', 'date'],
  ['amount', 'decimal(12,2)'],
  ['precise', 'decimal(38,9)'],
].map(([name, type]) => ({ name: name!, type: parseColumnType(type!) }));

const nullable = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null, freq: 4 });
/** Values as RowCoercer hands them to the writer, a few columns low-cardinality so dictionaries are built. */
const row: fc.Arbitrary<ParquetValue[]> = fc.tuple(
  nullable(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      // characters where UTF-16 order and UTF-8 (statistics) order disagree
      fc.string({
        unit: fc.constantFrom('a', 'é', '\uE000', '\uFFFF', '\u{10000}', '\u{1F600}'),
        maxLength: 4,
      }),
    ),
  ),
  nullable(fc.constantFrom('free', 'team', 'ünïcode', '😀', '', 'x'.repeat(40))),
  nullable(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  nullable(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  nullable(fc.integer({ min: 0, max: 3 })),
  nullable(fc.oneof(fc.double(), fc.constantFrom(0, -0, 1.5, Number.NaN))),
  nullable(fc.boolean()),
  nullable(fc.bigInt({ min: -62_135_596_800_000n, max: 253_402_300_799_999n })),
  nullable(fc.integer({ min: -719_162, max: 2_932_896 })),
  nullable(fc.oneof(fc.bigInt({ min: -(10n ** 12n) + 1n, max: 10n ** 12n - 1n }), fc.constantFrom(0n, 125n))),
  nullable(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n })),
);

async function writeOurs(rows: ParquetValue[][], rowGroupRows: number): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const writer = new ParquetRowWriter(columns, sink, { codec: 'snappy', rowGroupRows });
  for (const values of rows) await writer.append(values);
  await writer.close();
  return Buffer.concat(chunks);
}

/** What the writer wrote before: the same values through hyparquet-writer's own column encoder. */
function writeReference(rows: ParquetValue[][], rowGroupRows: number): Buffer {
  return Buffer.from(
    parquetWriteBuffer({
      schema: parquetSchema(columns),
      // PLAIN doubles: hyparquet-writer's dictionary folds -0 into 0 (ours does not)
      columnData: columns.map((column, i) => ({
        name: column.name,
        data: rows.map((r) => r[i]),
        ...(column.type.kind === 'double' ? { encoding: 'PLAIN' as const } : {}),
      })),
      rowGroupSize: rowGroupRows,
      createdBy: 'tributary',
    }),
  );
}

const asArrayBuffer = (bytes: Buffer) => new Uint8Array(bytes).buffer as ArrayBuffer;
/** Exact values of every column but the decimals, which hyparquet reads as doubles (DuckDB checks those). */
const readExact = (bytes: Buffer) =>
  parquetReadObjects({
    file: asArrayBuffer(bytes),
    columns: columns.filter((c) => c.type.kind !== 'decimal').map((c) => c.name),
  });
const statistics = (bytes: Buffer) =>
  parquetMetadata(asArrayBuffer(bytes)).row_groups.map((group) => ({
    rows: group.num_rows,
    columns: group.columns.map((chunk) => {
      const { min_value, max_value, null_count, nan_count } = chunk.meta_data!.statistics! as Record<
        string,
        unknown
      >;
      return { min_value, max_value, null_count, nan_count };
    }),
  }));

let directory: string;
let duck: DuckDb;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tributary-flat-column-'));
  duck = await DuckDb.open();
});
afterAll(async () => {
  duck.close();
  await rm(directory, { recursive: true, force: true });
});

async function duckRows(bytes: Buffer, name: string) {
  const path = join(directory, name);
  await writeFile(path, bytes);
  const described = await duck.query(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
  const { rows } = await duck.query(
    `SELECT * EXCLUDE (ratio), CAST(ratio AS VARCHAR) AS ratio FROM read_parquet(${sqlString(path)})`,
  );
  return { types: described.rows.map((r) => [r.column_name, r.column_type]), rows };
}

describe('FlatColumn (through ParquetRowWriter)', () => {
  it('writes the same rows, types and statistics as hyparquet-writer did, whatever the values', async () => {
    let file = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 60 }),
        fc.integer({ min: 1, max: 25 }),
        async (rows, groupRows) => {
          const ours = await writeOurs(rows, groupRows);
          const reference = writeReference(rows, groupRows);
          expect(await readExact(ours)).toEqual(await readExact(reference));
          expect(statistics(ours)).toEqual(statistics(reference));
          file++;
          expect(await duckRows(ours, `ours-${file}.parquet`)).toEqual(
            await duckRows(reference, `reference-${file}.parquet`),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps the sign of a negative zero, which a dictionary would fold into zero', async () => {
    const rows = [0, -0, 0, -0, 0, -0].map((ratio) =>
      columns.map((c) => (c.name === 'ratio' ? ratio : null)),
    );
    const read = await readExact(await writeOurs(rows, 100));
    expect(read.map((r) => Object.is(r.ratio, -0))).toEqual([false, true, false, true, false, true]);
  });

  it('uses a dictionary for a low-cardinality column and PLAIN for a column of distinct values', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) =>
      columns.map((c) =>
        c.name === 'tag' ? `tier-${i % 3}` : c.name === 'text' ? `user-${i}@example.com` : null,
      ),
    );
    const metadata = parquetMetadata(asArrayBuffer(await writeOurs(rows, 5000)));
    const encodings = Object.fromEntries(
      metadata.row_groups[0]!.columns.map((c) => [c.meta_data!.path_in_schema[0], c.meta_data!.encodings]),
    );
    expect(encodings.tag).toEqual(['PLAIN', 'RLE_DICTIONARY']);
    expect(encodings.text).toEqual(['PLAIN']);
  });

  it('cuts pages of about 1 MiB and indexes them', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) =>
      columns.map((c) => (c.name === 'text' ? `${i}`.padEnd(1000, 'x') : null)),
    );
    const bytes = await writeOurs(rows, 3000);
    const chunk = parquetMetadata(asArrayBuffer(bytes)).row_groups[0]!.columns[0]!;
    expect(chunk.meta_data!.encoding_stats).toContainEqual({
      page_type: 'DATA_PAGE_V2',
      encoding: 'PLAIN',
      count: 3,
    });
    expect(chunk.offset_index_length).toBeGreaterThan(0);
    expect((await readExact(bytes)).map((r) => r.text)).toEqual(rows.map((r) => r[0]));
  });
});

describe('compareUtf8', () => {
  it.each([
    ['a', 'b', -1],
    ['ab', 'a', 1],
    ['same', 'same', 0],
    ['\u{1F600}', '\uFFFF', 1],
    ['\uE000', '\u{10000}', -1],
    ['\uD800', '\uFFFE', -1],
  ])('orders %j against %j as UTF-8 bytes do (%i)', (left, right, sign) => {
    expect(Math.sign(compareUtf8(left, right))).toBe(sign);
    expect(Math.sign(Buffer.compare(Buffer.from(left), Buffer.from(right)))).toBe(sign);
  });
});
