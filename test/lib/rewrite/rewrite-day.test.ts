import { mkdir, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cleanupDay } from '../../../src/lib/rewrite/cleanup';
import { readDayState, visibleFiles } from '../../../src/lib/rewrite/day-state';
import { RewriteLayout } from '../../../src/lib/rewrite/layout';
import {
  objectStorePointers,
  PointerConflictError,
  type PointerStore,
} from '../../../src/lib/rewrite/pointer-store';
import { type GenerationBuilder, rewriteDay } from '../../../src/lib/rewrite/rewrite-day';
import { DuckDb, sqlString } from '../../../src/lib/standins/athena/duckdb';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { killedAfter } from '../../../src/lib/storage/killed-store';
import { listKeys, type ObjectStore } from '../../../src/lib/storage/object-store';
import { localCompactionBuilder } from '../../support/local-compaction';

const BUCKET = 'tributary-test-lake';
const TABLE = 'clicks';
const DT = '2026-11-20';
const HOUR = 3_600_000;

let root: string;
let store: LocalObjectStore;
let duck: DuckDb;
let clock: number;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-rewrite-'));
  store = new LocalObjectStore(root);
  duck = await DuckDb.open();
  // the local store stamps LastModified with the machine's clock; the grace period is measured from it
  clock = Date.now();
});
afterEach(async () => {
  duck.close();
  await rm(root, { recursive: true, force: true });
});

/** A Firehose-like live file: rows (event_id, n) in `dt=DT/hour=HH/`. */
async function landLiveFile(
  hour: string,
  rows: Array<[string | null, number]>,
  name: string,
): Promise<string> {
  const key = `${RewriteLayout.liveDay(TABLE, DT)}hour=${hour}/${name}.parquet`;
  const path = store.pathFor(BUCKET, key);
  await mkdir(dirname(path), { recursive: true });
  const values = rows.map(([id, n]) => `(${id === null ? 'NULL' : sqlString(id)}, ${n})`).join(', ');
  await duck.run(
    `COPY (SELECT * FROM (VALUES ${values}) AS t(event_id, n)) TO ${sqlString(path)} (FORMAT parquet)`,
  );
  return key;
}

/** What a reader of the day sees, as sorted `event_id:n@hour` strings. */
async function readDay(pointers: PointerStore): Promise<string[]> {
  const visible = visibleFiles(await readDayState(store, pointers, BUCKET, TABLE, DT));
  const parts: string[] = [];
  const list = (keys: string[]) => keys.map((k) => sqlString(store.pathFor(BUCKET, k))).join(', ');
  if (visible.live.length > 0)
    parts.push(
      `SELECT event_id, n, hour FROM read_parquet([${list(visible.live)}], hive_partitioning = true, hive_types = {'dt': 'VARCHAR', 'hour': 'VARCHAR'})`,
    );
  if (visible.compacted.length > 0)
    parts.push(
      `SELECT event_id, n, hour FROM read_parquet([${list(visible.compacted)}], hive_partitioning = false)`,
    );
  if (parts.length === 0) return [];
  const { rows } = await duck.query(parts.join(' UNION ALL '));
  return rows.map((r) => `${r.event_id ?? 'null'}:${r.n}@${r.hour}`).sort();
}

const builder = () =>
  localCompactionBuilder(store, BUCKET, { keys: ['event_id'], columns: ['event_id', 'n'] });
const dependencies = (pointers: PointerStore, target: ObjectStore = store) => ({
  store: target,
  pointers,
  lakeBucket: BUCKET,
  now: () => new Date(clock),
});

async function landDay(): Promise<string[]> {
  return [
    await landLiveFile(
      '01',
      [
        ['a', 1],
        ['b', 2],
      ],
      'f1',
    ),
    await landLiveFile(
      '02',
      [
        ['b', 2],
        ['c', 3],
        [null, 9],
      ],
      'f2',
    ),
    await landLiveFile(
      '07',
      [
        ['d', 4],
        [null, 9],
      ],
      'f3',
    ),
  ];
}

const OLD = ['a:1@01', 'b:2@01', 'b:2@02', 'c:3@02', 'd:4@07', 'null:9@02', 'null:9@07'];
const NEW = ['a:1@01', 'b:2@01', 'c:3@02', 'd:4@07', 'null:9@02', 'null:9@07'];

describe('rewriteDay with compaction', () => {
  it('replaces many live files by one generation, keeping one copy per key and counting the copies dropped', async () => {
    await landDay();
    const pointers = objectStorePointers(store);
    expect(await readDay(pointers)).toEqual(OLD);
    const outcome = await rewriteDay(
      { table: TABLE, dt: DT, reason: 'compact' },
      builder(),
      dependencies(pointers),
    );
    expect(outcome).toMatchObject({
      status: 'rewritten',
      filesBefore: 3,
      filesAfter: 1,
      rowsIn: 7,
      rowsOut: 6,
      duplicatesDropped: 1,
    });
    expect(await readDay(pointers)).toEqual(NEW);
  });

  it('leaves a day whose generation consumed every live file unchanged when run again', async () => {
    await landDay();
    const pointers = objectStorePointers(store);
    await rewriteDay({ table: TABLE, dt: DT, reason: 'compact' }, builder(), dependencies(pointers));
    const again = await rewriteDay(
      { table: TABLE, dt: DT, reason: 'compact' },
      builder(),
      dependencies(pointers),
    );
    expect(again.status).toBe('unchanged');
    expect(await readDay(pointers)).toEqual(NEW);
  });

  it('keeps a file that lands during the rewrite visible, and never deletes it', async () => {
    await landDay();
    const pointers = objectStorePointers(store);
    let late = '';
    const landingDuringBuild: GenerationBuilder = async (request) => {
      const built = await builder()(request);
      late = await landLiveFile(
        '05',
        [
          ['e', 5],
          ['a', 1],
        ],
        'late',
      );
      return built;
    };
    await rewriteDay({ table: TABLE, dt: DT, reason: 'compact' }, landingDuringBuild, dependencies(pointers));
    expect(await readDay(pointers)).toEqual([...NEW, 'a:1@05', 'e:5@05'].sort());
    clock += 25 * HOUR;
    const cleaned = await cleanupDay(TABLE, DT, dependencies(pointers));
    expect(cleaned.liveDeleted).toBe(3);
    expect(await listKeys(store, BUCKET, RewriteLayout.liveDay(TABLE, DT))).toEqual([late]);
    expect(await readDay(pointers)).toEqual([...NEW, 'a:1@05', 'e:5@05'].sort());
    // the next compaction takes it in, and drops its copy of a
    const next = await rewriteDay(
      { table: TABLE, dt: DT, reason: 'compact' },
      builder(),
      dependencies(pointers),
    );
    expect(next).toMatchObject({ status: 'rewritten', filesBefore: 2, filesAfter: 1, duplicatesDropped: 1 });
    expect(await readDay(pointers)).toEqual([...NEW, 'e:5@05'].sort());
  });

  it.each([
    [0, 'before its summary'],
    [1, 'before the flip'],
  ])(
    'shows readers the old day when killed at mutating call %i (%s), and converges when run again',
    async (killAt, _where) => {
      await landDay();
      const killed = killedAfter(store, killAt);
      await expect(
        rewriteDay(
          { table: TABLE, dt: DT, reason: 'compact' },
          builder(),
          dependencies(objectStorePointers(killed), killed),
        ),
      ).rejects.toThrow(/killed/);
      const healthy = objectStorePointers(store);
      expect(await readDay(healthy)).toEqual(OLD);
      const rerun = await rewriteDay(
        { table: TABLE, dt: DT, reason: 'compact' },
        builder(),
        dependencies(healthy),
      );
      expect(rerun.status).toBe('rewritten');
      expect(await readDay(healthy)).toEqual(NEW);
      // the killed attempt's folder is removed once the grace period has passed
      clock += 25 * HOUR;
      await cleanupDay(TABLE, DT, dependencies(healthy));
      const folders = new Set(
        (await listKeys(store, BUCKET, RewriteLayout.day(TABLE, DT))).map((k) => /gen=[^/]+/.exec(k)?.[0]),
      );
      expect(folders.size).toBe(1);
      expect(await readDay(healthy)).toEqual(NEW);
    },
  );

  it('shows readers the old day when killed after writing the new files, before the flip', async () => {
    await landDay();
    const pointers = objectStorePointers(store);
    const killedAfterBuild: GenerationBuilder = async (request) => {
      await builder()(request);
      throw new Error('killed after writing the generation');
    };
    await expect(
      rewriteDay({ table: TABLE, dt: DT, reason: 'compact' }, killedAfterBuild, dependencies(pointers)),
    ).rejects.toThrow(/killed/);
    expect(await readDay(pointers)).toEqual(OLD);
    await rewriteDay({ table: TABLE, dt: DT, reason: 'compact' }, builder(), dependencies(pointers));
    expect(await readDay(pointers)).toEqual(NEW);
  });

  it.each([0, 1, 2])(
    'shows readers the new day when the clean-up is killed after %i deletions, and the next clean-up finishes',
    async (killAt) => {
      await landDay();
      const pointers = objectStorePointers(store);
      await rewriteDay({ table: TABLE, dt: DT, reason: 'compact' }, builder(), dependencies(pointers));
      clock += 25 * HOUR;
      await expect(cleanupDay(TABLE, DT, dependencies(pointers, killedAfter(store, killAt)))).rejects.toThrow(
        /killed/,
      );
      expect(await readDay(pointers)).toEqual(NEW);
      await cleanupDay(TABLE, DT, dependencies(pointers));
      expect(await listKeys(store, BUCKET, RewriteLayout.liveDay(TABLE, DT))).toEqual([]);
      expect(await readDay(pointers)).toEqual(NEW);
    },
  );

  it('removes what an earlier rewrite replaced once its own grace has passed, though the day was rewritten again since', async () => {
    const first = await landDay();
    const pointers = objectStorePointers(store);
    await rewriteDay({ table: TABLE, dt: DT, reason: 'compact' }, builder(), dependencies(pointers));
    const generations = async () =>
      new Set(
        (await listKeys(store, BUCKET, RewriteLayout.day(TABLE, DT))).map((k) => /gen=[^/]+/.exec(k)?.[0]),
      );
    const [firstGeneration] = await generations();
    // a late file a day later, and the nightly compaction takes it in
    clock += 23 * HOUR;
    const late = await landLiveFile('09', [['e', 5]], 'late');
    await rewriteDay({ table: TABLE, dt: DT, reason: 'compact' }, builder(), dependencies(pointers));
    const pointer = store.pathFor(BUCKET, RewriteLayout.pointer(TABLE, DT));
    await utimes(pointer, new Date(clock), new Date(clock));
    // the first flip was 25 hours ago: its files go; the second was 2 hours ago: its files stay
    clock += 2 * HOUR;
    expect(await cleanupDay(TABLE, DT, dependencies(pointers))).toEqual({
      liveDeleted: 3,
      generationFilesDeleted: 0,
    });
    expect(await listKeys(store, BUCKET, RewriteLayout.liveDay(TABLE, DT))).toEqual([late]);
    expect(first).not.toContain(late);
    expect(await readDay(pointers)).toEqual([...NEW, 'e:5@09'].sort());
    clock += 23 * HOUR;
    const cleaned = await cleanupDay(TABLE, DT, dependencies(pointers));
    expect(cleaned.liveDeleted).toBe(1);
    expect(cleaned.generationFilesDeleted).toBeGreaterThan(0);
    expect(await generations()).not.toContain(firstGeneration);
    expect(await readDay(pointers)).toEqual([...NEW, 'e:5@09'].sort());
  });

  it('deletes nothing a reader may still be reading: replaced files stay for the grace period after the flip', async () => {
    const live = await landDay();
    const pointers = objectStorePointers(store);
    await rewriteDay({ table: TABLE, dt: DT, reason: 'compact' }, builder(), dependencies(pointers));
    clock += 23 * HOUR;
    expect(await cleanupDay(TABLE, DT, dependencies(pointers))).toEqual({
      liveDeleted: 0,
      generationFilesDeleted: 0,
    });
    expect(await listKeys(store, BUCKET, RewriteLayout.liveDay(TABLE, DT))).toEqual(live);
  });

  it('lets only one of two rewrites racing on a day flip; the other fails and changes nothing readers see', async () => {
    await landDay();
    const pointers = objectStorePointers(store);
    let second: Promise<unknown> = Promise.resolve();
    const racing: GenerationBuilder = async (request) => {
      // the other rewrite reads the same pointer and flips while this one builds
      second = rewriteDay({ table: TABLE, dt: DT, reason: 'compact' }, builder(), dependencies(pointers));
      await second;
      return builder()(request);
    };
    await expect(
      rewriteDay({ table: TABLE, dt: DT, reason: 'compact' }, racing, dependencies(pointers)),
    ).rejects.toBeInstanceOf(PointerConflictError);
    await expect(second).resolves.toMatchObject({ status: 'rewritten' });
    expect(await readDay(pointers)).toEqual(NEW);
  });
});
