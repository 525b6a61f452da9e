import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refuseUnreadableTypeChanges } from '../../../src/lib/local/lake-types';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import { SchemaChangeRefusedError } from '../../../src/lib/schema/type-change';
import { DuckDb } from '../../../src/lib/standins/athena/duckdb';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-lake-types-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const environment = () => ({ root, lakeBucket: 'lake-bucket' });

function pipeline(types: Record<string, string>) {
  return parsePipeline({
    database: 'lake',
    streams: [
      {
        name: 'clicks',
        eventTime: 'at',
        keys: ['id'],
        columns: [
          { name: 'id', type: types.id ?? 'int' },
          { name: 'at', type: 'timestamp' },
          { name: 'price', type: types.price ?? 'decimal(12,2)' },
        ],
      },
    ],
  });
}

async function writePartition(dt: string, select: string): Promise<void> {
  const directory = join(root, 'lake-bucket', 'lake', 'clicks', `dt=${dt}`, 'hour=00');
  await mkdir(directory, { recursive: true });
  const duck = await DuckDb.open();
  try {
    await duck.run(`COPY (${select}) TO '${join(directory, 'part-0.parquet')}' (FORMAT parquet)`);
  } finally {
    duck.close();
  }
}

describe('refuseUnreadableTypeChanges', () => {
  beforeAll(async () => {
    await writePartition(
      '2026-11-01',
      "SELECT 1::INTEGER AS id, TIMESTAMP '2026-11-01 00:00:00' AS at, 9.99::DECIMAL(12,2) AS price",
    );
    await writePartition(
      '2026-11-02',
      "SELECT 2::INTEGER AS id, TIMESTAMP '2026-11-02 00:00:00' AS at, 1.50::DECIMAL(12,2) AS price",
    );
  });

  it('lets pass the types the lake holds, and int widened to bigint', async () => {
    await expect(refuseUnreadableTypeChanges(environment(), pipeline({}))).resolves.toBeUndefined();
    await expect(
      refuseUnreadableTypeChanges(environment(), pipeline({ id: 'bigint' })),
    ).resolves.toBeUndefined();
  });

  it('refuses a decimal turned double and an int narrowed to a string, naming the file that holds the old type', async () => {
    const refusal = refuseUnreadableTypeChanges(environment(), pipeline({ price: 'double', id: 'string' }));
    await expect(refusal).rejects.toThrow(SchemaChangeRefusedError);
    const error = (await refusal.catch((e: unknown) => e)) as SchemaChangeRefusedError;
    expect(error.changes.map((c) => c.column)).toEqual(['id', 'price']);
    expect(error.message).toMatch(
      /clicks\.price: the lake holds decimal\(12,2\) \(lake-bucket\/lake\/clicks\/dt=2026-11-01\/hour=00\/part-0\.parquet\), pipeline\.yml now says double/,
    );
    expect(error.message).toContain('What to do:');
  });

  it('has nothing to compare in a lake without files', async () => {
    await expect(
      refuseUnreadableTypeChanges({ root, lakeBucket: 'empty-bucket' }, pipeline({ price: 'double' })),
    ).resolves.toBeUndefined();
  });
});
