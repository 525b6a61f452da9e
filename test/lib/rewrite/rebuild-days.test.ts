import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flattenerForStream } from '../../../src/lib/firehose/stream-resolver';
import { LakeLayout } from '../../../src/lib/pipeline/lake-layout';
import { readDayState, rewrittenContentAt, visibleFiles } from '../../../src/lib/rewrite/day-state';
import { objectStorePointers } from '../../../src/lib/rewrite/pointer-store';
import { rebuildDays } from '../../../src/lib/rewrite/rebuild-days';
import { DuckDb, sqlString } from '../../../src/lib/standins/athena/duckdb';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { killedAfter } from '../../../src/lib/storage/killed-store';
import { getBytes, type ObjectStore } from '../../../src/lib/storage/object-store';
import { S3ObjectStore } from '../../../src/lib/storage/s3-object-store';
import { AFTER, producersSentCampaignForThreeDays } from '../../support/raw-deliveries';
import { startS3Server } from '../../support/s3-server';

const LAKE = 'tributary-test-lake';
const RAW = 'tributary-test-raw';
const DAYS = ['2026-11-18', '2026-11-19', '2026-11-20'];

let root: string;
let store: LocalObjectStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-backfill-'));
  store = new LocalObjectStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function readDays(target: ObjectStore = store): Promise<string[]> {
  const pointers = objectStorePointers(target);
  const duck = await DuckDb.open();
  try {
    const rows: string[] = [];
    for (const dt of DAYS) {
      const visible = visibleFiles(await readDayState(store, pointers, LAKE, 'clicks', dt));
      const list = (keys: string[]) => keys.map((k) => sqlString(store.pathFor(LAKE, k))).join(', ');
      const parts = [
        ...(visible.live.length
          ? [`SELECT * FROM read_parquet([${list(visible.live)}], union_by_name = true)`]
          : []),
        ...(visible.compacted.length
          ? [`SELECT * FROM read_parquet([${list(visible.compacted)}], union_by_name = true)`]
          : []),
      ];
      if (parts.length === 0) continue;
      const result = await duck.query(
        `SELECT * FROM (${parts.join(' UNION ALL BY NAME ')}) ORDER BY event_id`,
      );
      for (const r of result.rows) rows.push(`${dt} ${r.event_id} ${r.n} ${r.campaign__name ?? '-'}`);
    }
    return rows;
  } finally {
    duck.close();
  }
}

const dependencies = () => ({
  store,
  pointers: objectStorePointers(store),
  lakeBucket: LAKE,
  rawBucket: RAW,
  lakeStartDate: '2026-01-01',
  flattener: flattenerForStream(AFTER, undefined),
});

const FILLED = [
  '2026-11-18 a 1 spring-a',
  '2026-11-18 b 2 spring-b',
  '2026-11-18 late 4 spring-late',
  '2026-11-19 c 3 spring-c',
  // the retry of c is a copy: the compaction round that follows a rebuild keeps one
  '2026-11-19 c 3 spring-c',
  '2026-11-20 d 5 spring-d',
];

describe('rebuildDays', () => {
  it('fills a newly declared column for the days its values were sent, late events in their own day', async () => {
    await producersSentCampaignForThreeDays(store, { lake: LAKE, raw: RAW });
    expect(await readDays()).toEqual([
      '2026-11-18 a 1 -',
      '2026-11-18 b 2 -',
      '2026-11-18 late 4 -',
      '2026-11-19 c 3 -',
      '2026-11-19 c 3 -',
      '2026-11-20 d 5 -',
    ]);
    const rebuilt = await rebuildDays(AFTER, DAYS, dependencies());
    expect(rebuilt.map((o) => [o.dt, o.outcome.status, o.records, o.outcome.rowsOut])).toEqual([
      ['2026-11-18', 'rewritten', 3, 3],
      ['2026-11-19', 'rewritten', 2, 2],
      ['2026-11-20', 'rewritten', 1, 1],
    ]);
    expect(await readDays()).toEqual(FILLED);
    // one file per hour under the generation's data/ folder, the hour as a column
    const state = await readDayState(store, objectStorePointers(store), LAKE, 'clicks', '2026-11-18');
    expect(state.current?.files.map((k) => k.replace(/^.*\/gen=[^/]+\//, ''))).toEqual([
      'data/part-09.parquet',
      'data/part-23.parquet',
    ]);
    // the transforms that read these days compute them again on the next run
    const changed = await rewrittenContentAt(store, objectStorePointers(store), LAKE, 'clicks', '2026-11-18');
    expect(Date.parse(changed ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses a day whose live files have no raw copy behind them, saying what to do', async () => {
    await producersSentCampaignForThreeDays(store, { lake: LAKE, raw: RAW });
    // the raw copy of the delivery that carried d (and the day's only record) has expired
    for await (const object of store.list(RAW, LakeLayout.firehoseBackup('clicks')))
      if (object.key.includes('/2026/11/20/')) await store.delete(RAW, object.key);
    await expect(rebuildDays(AFTER, ['2026-11-20'], dependencies())).rejects.toThrow(
      /No raw copy of a clicks record filed under dt=2026-11-20.*rawRetentionDays/,
    );
    expect(await readDays()).toContain('2026-11-20 d 5 -');
  });

  it('leaves readers on the old days when killed before a flip, and converges when run again', async () => {
    await producersSentCampaignForThreeDays(store, { lake: LAKE, raw: RAW });
    const before = await readDays();
    // the rebuilt rows and the summary are written by the store; the flip's process dies
    const killing = killedAfter(store, 0);
    await expect(
      rebuildDays(AFTER, DAYS, { ...dependencies(), pointers: objectStorePointers(killing) }),
    ).rejects.toThrow(/killed/);
    expect(await readDays()).toEqual(before);
    await rebuildDays(AFTER, DAYS, dependencies());
    await rebuildDays(AFTER, DAYS, dependencies());
    expect(await readDays()).toEqual(FILLED);
  });

  it('runs the same against S3 over HTTP, as it does in the rewrite Lambda', async () => {
    await producersSentCampaignForThreeDays(store, { lake: LAKE, raw: RAW });
    const s3 = await startS3Server([LAKE, RAW]);
    try {
      const remote = new S3ObjectStore(s3.client);
      for (const bucket of [LAKE, RAW]) await copyAll(store, remote, bucket);
      await rebuildDays(AFTER, DAYS, {
        ...dependencies(),
        store: remote,
        pointers: objectStorePointers(remote),
      });
      // read back what S3 holds now
      await rm(root, { recursive: true, force: true });
      for (const bucket of [LAKE, RAW]) await copyAll(remote, store, bucket);
      expect(await readDays()).toEqual(FILLED);
    } finally {
      await s3.stop();
    }
  });
});

async function copyAll(from: ObjectStore, to: ObjectStore, bucket: string): Promise<void> {
  for await (const object of from.list(bucket, '')) {
    await to.put(bucket, object.key, await getBytes(from, bucket, object.key));
  }
}
