import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { install } from '@sinonjs/fake-timers';
import { COMPACTION_DEFAULTS } from '../../../../src/lib/local/rewrite/compact';
import { compactStreamDay } from '../../../../src/lib/local/rewrite/compaction';
import { digestDay } from '../../../../src/lib/local/rewrite/day-digest';
import { bundledPipeline } from '../../../../src/lib/pipeline/bundled';
import { RewriteLayout } from '../../../../src/lib/rewrite/layout';
import { objectStorePointers } from '../../../../src/lib/rewrite/pointer-store';
import { CLICKSTREAM_DEFAULTS, clickstreamEventJson } from '../../../../src/lib/samples/clickstream';
import { LocalObjectStore } from '../../../../src/lib/standins/s3/local-object-store';
import { killedAfter, StoreKilledError } from '../../../../src/lib/storage/killed-store';
import { writeClickstream } from '../../../support/lake-fixtures';

const LAKE = 'tributary-test-lake';
const DT = '2026-11-20';
const pipeline = bundledPipeline();
const stream = pipeline.streams.find((s) => s.name === 'clickstream')!;
const options = { keys: stream.keys, columns: stream.columns.map((c) => c.name) };
const event = (i: number) => clickstreamEventJson(i, { ...CLICKSTREAM_DEFAULTS, eventsPerDay: 24 });

let root: string;
let store: LocalObjectStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-compaction-'));
  store = new LocalObjectStore(root);
  for (const delivery of [0, 1]) {
    const events = Array.from({ length: 24 }, (_, i) => i).filter((i) => i % 2 === delivery);
    await writeClickstream(store, LAKE, pipeline, events.map(event), `delivery-${delivery}.parquet`);
  }
});
afterEach(() => rm(root, { recursive: true, force: true }));

const digest = () => digestDay(store, objectStorePointers(store), LAKE, 'clickstream', DT, options);

describe('compactStreamDay', () => {
  it.each([
    [0, 'before its summary'],
    [1, 'before the flip'],
  ])(
    'writes through `writes`: killed at mutating call %i (%s), readers keep the old day, and a rerun converges',
    async (n) => {
      const before = await digest();
      const writes = killedAfter(store, n);
      await expect(
        compactStreamDay(stream, DT, {
          store,
          writes,
          pointers: objectStorePointers(writes),
          lakeBucket: LAKE,
        }),
      ).rejects.toBeInstanceOf(StoreKilledError);
      expect(await digest()).toEqual(before);
      const rerun = await compactStreamDay(stream, DT, {
        store,
        pointers: objectStorePointers(store),
        lakeBucket: LAKE,
      });
      expect(rerun.outcome.status).toBe('rewritten');
      expect(rerun.after).toMatchObject({
        files: 1,
        distinctRows: before.distinctRows,
        checksum: before.checksum,
      });
    },
  );

  it("stamps every file of a generation with the store's clock, as S3 stamps LastModified, so the grace period counts from the simulated time", async () => {
    const at = Date.parse('2026-10-03T03:00:00Z');
    const clock = install({ now: at, toFake: ['Date'] });
    try {
      await compactStreamDay(
        stream,
        DT,
        { store, pointers: objectStorePointers(store), lakeBucket: LAKE },
        { targetFileBytes: COMPACTION_DEFAULTS.targetFileBytes },
      );
    } finally {
      clock.uninstall();
    }
    const written: Array<[string, number | undefined]> = [];
    for await (const object of store.list(LAKE, RewriteLayout.day('clickstream', DT)))
      written.push([object.key.replace(/^.*\/gen=[^/]+\//, ''), object.lastModified]);
    expect(written.map(([name]) => name).sort()).toEqual([
      'consumed.parquet',
      'part-0.parquet',
      'summary.json',
    ]);
    // to the second: a file system may keep modification times coarser than milliseconds
    const second = (ms: number | undefined) => new Date(Math.floor((ms ?? 0) / 1000) * 1000).toISOString();
    expect(written.map(([name, lastModified]) => [name, second(lastModified)])).toEqual(
      written.map(([name]) => [name, second(at)]),
    );
  });
});
