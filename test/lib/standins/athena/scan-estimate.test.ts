import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledPipeline } from '../../../../src/lib/pipeline/bundled';
import { stageWorkGroups, workGroupName } from '../../../../src/lib/query/workgroups';
import { ingestedLakeTables } from '../../../../src/lib/sources/registry';
import { DuckDb } from '../../../../src/lib/standins/athena/duckdb';
import { LocalAthena } from '../../../../src/lib/standins/athena/local-athena';
import {
  type ColumnChunk,
  coveredChunkBytes,
  type FileRead,
} from '../../../../src/lib/standins/athena/scan-estimate';
import { LocalCatalog } from '../../../../src/lib/standins/glue/local-catalog';
import { LocalObjectStore } from '../../../../src/lib/standins/s3/local-object-store';

const chunk = (column: string, start: number, compressedBytes: number): ColumnChunk => ({
  path: 'f.parquet',
  column,
  rowGroup: 0,
  start,
  compressedBytes,
});
const read = (pos: number, bytes: number): FileRead => ({ path: 'f.parquet', pos, bytes });

describe('coveredChunkBytes', () => {
  const chunks = [chunk('a', 4, 1000), chunk('b', 1004, 2000), chunk('c', 3004, 500)];
  it.each<[string, FileRead[], number]>([
    ['nothing read', [], 0],
    ['one chunk read whole', [read(1004, 2000)], 2000],
    ['a chunk read in pieces', [read(1004, 700), read(1704, 1300)], 2000],
    [
      'a header read that reaches a few bytes into the chunk before',
      [read(990, 256), read(1004, 2000)],
      2000,
    ],
    ['the footer only', [read(3504, 300)], 0],
    ['every chunk', [read(4, 3500)], 3500],
    ['the same chunk read twice', [read(3004, 500), read(3004, 500)], 500],
  ])('counts the chunks reads cover: %s', (_case, reads, bytes) => {
    expect(coveredChunkBytes(chunks, reads)).toBe(bytes);
  });

  it('counts no chunk of another file', () => {
    expect(coveredChunkBytes(chunks, [{ path: 'other.parquet', pos: 4, bytes: 3500 }])).toBe(0);
  });
});

describe('the local engine’s scanned bytes', () => {
  const DATABASE = 'tributary_local';
  const LAKE = 'tributary-local-lake';
  const TRANSFORMS = workGroupName('tributary-local', 'transforms');
  const PEOPLE = workGroupName('tributary-local', 'queries');
  let root: string;
  let athena: LocalAthena;
  let reader: DuckDb;
  let store: LocalObjectStore;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tributary-scan-estimate-'));
    store = new LocalObjectStore(root);
    athena = await LocalAthena.open({
      store,
      catalog: new LocalCatalog(root),
      database: DATABASE,
      lakeBucket: LAKE,
      resultsBucket: 'tributary-local-results',
      ingestedTables: ingestedLakeTables(bundledPipeline()),
      lakeStartDate: '2026-01-01',
      workGroups: stageWorkGroups('tributary-local'),
      now: () => new Date(Date.UTC(2026, 10, 21, 12)),
    });
    reader = await DuckDb.open();
    // three day partitions of 20,000 rows each: a small id, a wide text column
    await athena.execute(
      `CREATE TABLE "${DATABASE}"."wide" WITH (format = 'PARQUET', write_compression = 'ZSTD', ` +
        `external_location = 's3://${LAKE}/lake/wide/runs/r1/', partitioned_by = ARRAY['dt']) AS ` +
        `SELECT i AS id, md5(CAST(i AS VARCHAR)) || md5(CAST(i * 7 AS VARCHAR)) AS payload, ` +
        `'2026-01-0' || CAST(1 + i % 3 AS VARCHAR) AS dt FROM range(60000) AS t(i)`,
      TRANSFORMS,
    );
  });

  afterAll(async () => {
    athena.close();
    reader.close();
    await rm(root, { recursive: true, force: true });
  });

  /** By the rule: every chunk of the named columns in the named day partitions, from the footers. */
  async function chunkBytes(columns: readonly string[], days: readonly string[]): Promise<number> {
    const files = days.map((day) => `${store.pathForPrefix(LAKE, `lake/wide/runs/r1/dt=${day}`)}/*.parquet`);
    const { rows } = await reader.query(
      `SELECT coalesce(sum(total_compressed_size), 0) AS bytes FROM parquet_metadata([${files
        .map((f) => `'${f}'`)
        .join(', ')}]) WHERE path_in_schema IN (${columns.map((c) => `'${c}'`).join(', ')})`,
    );
    return Number(rows[0]?.bytes);
  }

  it('counts only the columns a query touches, in the partitions it reads', async () => {
    const execution = await athena.execute(
      `SELECT count(DISTINCT payload) AS n FROM wide WHERE dt BETWEEN '2026-01-02' AND '2026-01-03'`,
      PEOPLE,
    );
    const expected = await chunkBytes(['payload'], ['2026-01-02', '2026-01-03']);
    expect(expected).toBeGreaterThan(100_000);
    expect(execution.scannedBytes).toBe(expected);
  });

  it('counts every column and partition a query reads, for a CTAS as for a SELECT', async () => {
    const execution = await athena.execute(
      `CREATE TABLE "${DATABASE}"."copied" WITH (format = 'PARQUET', ` +
        `external_location = 's3://${LAKE}/lake/copied/runs/r1/') AS SELECT id, payload FROM wide`,
      TRANSFORMS,
    );
    const days = ['2026-01-01', '2026-01-02', '2026-01-03'];
    expect(execution.scannedBytes).toBe(await chunkBytes(['id', 'payload'], days));
  });

  it('reports nothing scanned for a query that reads no table', async () => {
    expect((await athena.execute('SELECT 1 AS n', PEOPLE)).scannedBytes).toBe(0);
  });
});
