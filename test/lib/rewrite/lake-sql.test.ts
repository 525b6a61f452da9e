import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseColumnType } from '../../../src/lib/columns/column-types';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { stageWorkGroups } from '../../../src/lib/query/workgroups';
import { compactionOptions } from '../../../src/lib/rewrite/compaction-policy';
import { compactionQuery, streamLakeRelation } from '../../../src/lib/rewrite/lake-sql';
import { objectStorePointers } from '../../../src/lib/rewrite/pointer-store';
import { rewriteDay } from '../../../src/lib/rewrite/rewrite-day';
import type { LocalAthena } from '../../../src/lib/standins/athena/local-athena';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { listKeys } from '../../../src/lib/storage/object-store';
import { deduplicatedRelation } from '../../../src/lib/transforms/deduplicate';
import { writeClickstream } from '../../support/lake-fixtures';
import { openTestAthena, TEST_ATHENA } from '../../support/local-athena';
import { localCompactionBuilder } from '../../support/local-compaction';

const pipeline = bundledPipeline();
const stream = pipeline.streams.find((s) => s.name === 'clickstream')!;
const DATABASE = TEST_ATHENA.database;
const LAKE = TEST_ATHENA.lakeBucket;
const DAY = "dt = '2026-11-20'";
const WORKGROUP = stageWorkGroups('tributary-local').find((w) => w.purpose === 'transforms')!.name;

const event = (id: string, minute: number) =>
  JSON.stringify({
    event_id: id,
    event_type: 'click',
    event_time: `2026-11-20T05:${String(minute).padStart(2, '0')}:00Z`,
  });

let root: string;
let store: LocalObjectStore;
let athena: LocalAthena;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-lake-sql-'));
  store = new LocalObjectStore(root);
  athena = await openTestAthena(root, store, () => new Date(Date.UTC(2026, 10, 22, 12)));
  // two deliveries, and a retry that sends e1 again
  await writeClickstream(store, LAKE, pipeline, [event('e1', 1), event('e2', 2)], 'a.parquet');
  await writeClickstream(store, LAKE, pipeline, [event('e3', 3)], 'b.parquet');
  await writeClickstream(store, LAKE, pipeline, [event('e1', 1)], 'retry.parquet');
});

afterEach(async () => {
  athena.close();
  await rm(root, { recursive: true, force: true });
});

const count = async (from: string) =>
  Number((await athena.query(`SELECT count(*) AS n FROM ${from} WHERE ${DAY}`)).rows[0]?.n);
const ids = async (from: string) =>
  (await athena.query(`SELECT event_id FROM ${from} WHERE ${DAY} ORDER BY 1`)).rows.map((r) => r.event_id);

const compact = async () => ({
  outcome: await rewriteDay(
    { table: stream.name, dt: '2026-11-20', reason: 'compact' },
    localCompactionBuilder(store, LAKE, compactionOptions(stream)),
    {
      store,
      pointers: objectStorePointers(store),
      lakeBucket: LAKE,
      now: () => new Date(Date.UTC(2026, 10, 22, 3)),
    },
  ),
});

describe("a stream's lake days as readers see them", () => {
  it('reads the live files while no day is rewritten, copies included', async () => {
    expect(await ids(streamLakeRelation(DATABASE, stream))).toEqual(['e1', 'e1', 'e2', 'e3']);
    expect(await ids(deduplicatedRelation(DATABASE, stream))).toEqual(['e1', 'e2', 'e3']);
  });

  it('reads a compacted day from its generation, with a file that landed afterwards, and never a consumed file twice', async () => {
    const compacted = await compact();
    expect(compacted.outcome).toMatchObject({ status: 'rewritten', filesBefore: 3, filesAfter: 1 });
    await writeClickstream(store, LAKE, pipeline, [event('e4', 4), event('e2', 2)], 'late.parquet');
    // the live table is what Athena's projection serves: every live file, replaced or not
    expect(await count(`"${DATABASE}"."clickstream"`)).toBe(6);
    // the generation holds one copy of each record; the late file is read beside it
    expect(await ids(streamLakeRelation(DATABASE, stream))).toEqual(['e1', 'e2', 'e2', 'e3', 'e4']);
    expect(await ids(deduplicatedRelation(DATABASE, stream))).toEqual(['e1', 'e2', 'e3', 'e4']);
  });

  it('leaves "$path" out of SELECT * and gives the s3:// URI of each file when named, as Athena does', async () => {
    const all = await athena.query(`SELECT * FROM "${DATABASE}"."clickstream" WHERE ${DAY}`);
    expect(all.columns.map((c) => c.name)).not.toContain('$path');
    const paths = await athena.query(
      `SELECT DISTINCT "$path" AS path FROM "${DATABASE}"."clickstream" WHERE ${DAY} ORDER BY 1`,
    );
    expect(paths.rows.map((r) => r.path)).toEqual([
      `s3://${LAKE}/lake/clickstream/dt=2026-11-20/hour=05/a.parquet`,
      `s3://${LAKE}/lake/clickstream/dt=2026-11-20/hour=05/b.parquet`,
      `s3://${LAKE}/lake/clickstream/dt=2026-11-20/hour=05/retry.parquet`,
    ]);
  });

  it("compacts with one CTAS over the listed live files and the day's current generation, one copy per keys", async () => {
    await compact();
    await writeClickstream(store, LAKE, pipeline, [event('e4', 4), event('e3', 3)], 'late.parquet');
    await writeClickstream(store, LAKE, pipeline, [event('e5', 5)], 'not-listed.parquet');
    const query = compactionQuery({
      database: DATABASE,
      stream,
      dt: '2026-11-20',
      lakeBucket: LAKE,
      generation: '1795000000000-abcd0123',
      liveInputs: ['lake/clickstream/dt=2026-11-20/hour=05/late.parquet'],
      fileCount: 1,
    });
    await athena.execute(query.sql, WORKGROUP);
    // the unlisted file is not taken in: it stays visible beside the new generation
    const rows = await athena.query(`SELECT event_id, hour FROM "${DATABASE}"."${query.table}" ORDER BY 1`);
    expect(rows.rows).toEqual(['e1', 'e2', 'e3', 'e4'].map((id) => ({ event_id: id, hour: '05' })));
    const written = await listKeys(
      store,
      LAKE,
      'lake/clickstream/compacted/dt=2026-11-20/gen=1795000000000-abcd0123/data/',
    );
    expect(written.length).toBeGreaterThan(0);
  });

  it('reads a column declared since the files were written as NULL, as Athena reads Parquet by name', async () => {
    const declared = {
      ...pipeline,
      streams: pipeline.streams.map((s) =>
        s.name === 'clickstream'
          ? { ...s, columns: [...s.columns, { name: 'campaign__name', type: parseColumnType('string') }] }
          : s,
      ),
    };
    const later = await openTestAthena(root, store, () => new Date(Date.UTC(2026, 10, 22, 12)), declared);
    try {
      const { rows } = await later.query(
        `SELECT count(*) AS n, count(campaign__name) AS named FROM "${DATABASE}"."clickstream" WHERE ${DAY}`,
      );
      expect(rows).toEqual([{ n: '4', named: '0' }]);
    } finally {
      later.close();
    }
  });
});
