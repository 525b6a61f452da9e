import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { DuckDb, sqlString } from '../../src/lib/query/duckdb';
import { formatColumnType } from '../../src/lib/schema/column-types';
import { captureIo } from '../support/cli';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-run-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const DUCKDB_TYPES: Record<string, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
};

describe('tributary run', () => {
  it('ingests the shipped samples into Parquet that DuckDB reads with the declared column types', async () => {
    const io = captureIo();
    expect(await main(['run', '--root', root], io)).toBe(0);
    expect(io.out()).toContain('clickstream: 405 records in, 402 rows');
    expect(io.out()).toContain('processing-failed: 2, format-conversion-failed: 1');
    expect(io.out()).toContain(
      'columns not in pipeline.yml, left out of Parquet: context__feature_flags__dark_mode (1)',
    );

    const stream = bundledPipeline().streams.find((s) => s.name === 'clickstream')!;
    const duck = await DuckDb.open();
    try {
      const files = sqlString(join(root, 'tributary-local-lake/lake/clickstream/*/*/*.parquet'));
      const described = await duck.query(
        `DESCRIBE SELECT * FROM read_parquet(${files}, hive_partitioning = false)`,
      );
      expect(described.rows.map((r) => [r.column_name, r.column_type])).toEqual(
        stream.columns.map((c) => [
          c.name,
          DUCKDB_TYPES[c.type.kind] ?? formatColumnType(c.type).toUpperCase(),
        ]),
      );
      const { rows } = await duck.query(
        `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, max(order_id) AS max_order FROM read_parquet(${files})`,
      );
      expect(rows[0]).toEqual({ n: '402', ids: '402', max_order: '9007199254741386' });
    } finally {
      duck.close();
    }
  }, 60_000);

  it('explains its options', async () => {
    const io = captureIo();
    expect(await main(['run', '--help'], io)).toBe(0);
    expect(io.out()).toContain('--events N');
  });

  it('rejects a bad option with usage and exit code 2', async () => {
    const io = captureIo();
    expect(await main(['run', '--events', 'lots'], io)).toBe(2);
    expect(io.err()).toContain('--events must be a whole number');
  });
});
