import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseColumnType } from '../../../../src/lib/columns/column-types';
import { joinLines } from '../../../../src/lib/firehose/joined-lines';
import { DuckDb, sqlString } from '../../../../src/lib/standins/athena/duckdb';
import { ConversionThread } from '../../../../src/lib/standins/firehose/conversion-thread';

let root: string;
let thread: ConversionThread;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-conversion-'));
  thread = new ConversionThread(root);
});
afterAll(async () => {
  await thread.close();
  await rm(root, { recursive: true, force: true });
});

const columns = [
  { name: 'id', type: parseColumnType('bigint') },
  { name: 'price', type: parseColumnType('decimal(6,2)') },
];
const conversion = (key: string, lines: string[], bucket = 'tributary-local-lake') => ({
  columns,
  lines: joinLines(lines),
  codec: 'snappy' as const,
  bucket,
  key,
  now: 1795167000000,
});

describe('ConversionThread', () => {
  it('converts in its own thread: rows to Parquet, bad values to error records, undeclared columns counted', async () => {
    const result = await thread.convert(
      conversion('lake/t/dt=2026-11-20/hour=00/a.parquet', [
        '{"id":9007199254740993,"price":12.5,"extra":true}',
        '{"id":"not a number","price":1}',
        '{"id":2,"price":null}',
      ]),
    );
    expect(result).toMatchObject({ rows: 2, undeclared: [['extra', 1]] });
    expect(result.errors).toHaveLength(1);
    expect(JSON.parse(result.errors[0]!)).toMatchObject({
      ErrorCode: 'DataFormatConversion.InvalidValue',
      rawData: Buffer.from('{"id":"not a number","price":1}').toString('base64'),
    });
    const duck = await DuckDb.open();
    try {
      const file = sqlString(join(root, 'tributary-local-lake/lake/t/dt=2026-11-20/hour=00/a.parquet'));
      const { rows } = await duck.query(
        `SELECT CAST(id AS VARCHAR) AS id, CAST(price AS VARCHAR) AS price FROM read_parquet(${file}) ORDER BY 1`,
      );
      expect(rows).toEqual([
        { id: '2', price: null },
        { id: '9007199254740993', price: '12.50' },
      ]);
    } finally {
      duck.close();
    }
  });

  it('passes a failure in the thread back to the caller', async () => {
    await expect(thread.convert(conversion('x.parquet', ['{"id":1}'], 'Not_A_Bucket'))).rejects.toMatchObject(
      {
        name: 'UnsafeObjectPathError',
        message: expect.stringContaining('Not a valid bucket name'),
      },
    );
  });
});
