import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { main } from '../../src/cli/main';
import { LOCAL_BUCKETS } from '../../src/lib/config/storage';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { LakeLayout } from '../../src/lib/pipeline/lake-layout';
import { CLICKSTREAM_DEFAULTS, clickstreamEventJson } from '../../src/lib/samples/clickstream';
import { LocalObjectStore } from '../../src/lib/standins/s3/local-object-store';
import { captureIo } from '../support/cli';
import { writeClickstream } from '../support/lake-fixtures';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-backfill-cli-'));
  // lake files with no raw copies behind them
  const events = Array.from({ length: 4 }, (_, i) =>
    clickstreamEventJson(i, { ...CLICKSTREAM_DEFAULTS, eventsPerDay: 4 }),
  );
  await writeClickstream(new LocalObjectStore(root), LOCAL_BUCKETS.lake, bundledPipeline(), events);
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('tributary backfill', () => {
  it.each([
    [['--from', '2026-11-20'], 'give --stream, one of: clickstream'],
    [['--stream', 'nope', '--from', '2026-11-20'], '(not nope)'],
    [['--stream', 'clickstream'], 'give --from'],
    [['--stream', 'clickstream', '--from', '2026-02-30'], '--from must be a day'],
    [['--stream', 'clickstream', '--from', '2026-11-20', '--to', '2026-11-19'], '--to is before --from'],
  ])('refuses %j', async (args, message) => {
    const io = captureIo();
    expect(await main(['backfill', '--root', root, ...args], io)).toBe(2);
    expect(io.err()).toContain(message);
  });

  it('leaves a day alone and says why when no raw copy is there to rebuild it from', async () => {
    const io = captureIo();
    expect(
      await main(
        ['backfill', '--root', root, '--stream', 'clickstream', '--from', '2026-11-20', '--to', '2026-11-20'],
        io,
      ),
    ).toBe(1);
    expect(io.err()).toContain('No raw copy of a clickstream record filed under dt=2026-11-20');
    const count = captureIo();
    expect(
      await main(
        [
          'query',
          '--root',
          root,
          '--format',
          'csv',
          "SELECT count(*) AS n FROM clickstream WHERE dt = '2026-11-20'",
        ],
        count,
      ),
    ).toBe(0);
    expect(count.out()).toBe('n\n4\n');
  });

  it('rebuilds a day whose raw copies are kept, one copy per key, and names the command that brings the transforms and BI tables up to date', async () => {
    const day = await mkdtemp(join(tmpdir(), 'tributary-backfill-cli-ok-'));
    try {
      const store = new LocalObjectStore(day);
      const events = Array.from({ length: 6 }, (_, i) =>
        clickstreamEventJson(i, { ...CLICKSTREAM_DEFAULTS, eventsPerDay: 6 }),
      );
      await writeClickstream(store, LOCAL_BUCKETS.lake, bundledPipeline(), events);
      // the raw copy Firehose kept of the same records, and of one sent twice, under their arrival hour
      const arrival = events.map((e) => JSON.parse(e).event_time as string).sort()[0]!;
      const hourPath = arrival.slice(0, 13).replace(/[-T]/g, '/');
      await store.put(
        LOCAL_BUCKETS.raw,
        `${LakeLayout.firehoseBackup('clickstream')}${hourPath}/delivery-1.gz`,
        gzipSync(`${[...events, events[0]!].join('\n')}\n`),
      );
      const dt = arrival.slice(0, 10);
      const io = captureIo();
      expect(
        await main(['backfill', '--root', day, '--stream', 'clickstream', '--from', dt, '--to', dt], io),
      ).toBe(0);
      const row = io
        .out()
        .split('\n')
        .find((l) => l.startsWith(dt))!
        .split(/\s{2,}/);
      expect(row).toEqual([dt, 'rebuilt', '7', '6', '1', '0']);
      expect(io.out()).toContain(`next: tributary run --keep --events 0 --date ${dt}`);
    } finally {
      await rm(day, { recursive: true, force: true });
    }
  }, 60_000);
});
