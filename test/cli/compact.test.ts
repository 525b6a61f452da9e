import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { LOCAL_BUCKETS } from '../../src/lib/config/storage';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { CLICKSTREAM_DEFAULTS, clickstreamEventJson } from '../../src/lib/samples/clickstream';
import { LocalObjectStore } from '../../src/lib/standins/s3/local-object-store';
import { listKeys } from '../../src/lib/storage/object-store';
import { captureIo } from '../support/cli';
import { writeClickstream } from '../support/lake-fixtures';

/** Two events an hour on 2026-11-20, delivered in three files (two of them in each hour), and ten of them twice. */
const OPTIONS = { ...CLICKSTREAM_DEFAULTS, eventsPerDay: 48 };
const event = (i: number) => clickstreamEventJson(i, OPTIONS);

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-compact-'));
  const store = new LocalObjectStore(root);
  const pipeline = bundledPipeline();
  for (const delivery of [0, 1, 2]) {
    const events = Array.from({ length: 48 }, (_, i) => i).filter((i) => i % 3 === delivery);
    await writeClickstream(
      store,
      LOCAL_BUCKETS.lake,
      pipeline,
      events.map(event),
      `delivery-${delivery}.parquet`,
    );
  }
  const resent = Array.from({ length: 10 }, (_, i) => event(i));
  await writeClickstream(store, LOCAL_BUCKETS.lake, pipeline, resent, 'retry.parquet');
}, 60_000);
afterEach(() => rm(root, { recursive: true, force: true }));

async function query(sql: string): Promise<string> {
  const io = captureIo();
  const status = await main(['query', '--root', root, '--format', 'csv', sql], io);
  expect([status, io.err()]).toEqual([0, '']);
  return io.out();
}

describe('tributary compact', () => {
  it('turns a day of small files into one, drops the copies it counts, and keeps the content checksum', async () => {
    const before = await query(
      "SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM clickstream WHERE dt = '2026-11-20'",
    );
    expect(before).toBe('n,d\n58,48\n');
    const io = captureIo();
    expect(await main(['compact', '--root', root, '--date', '2026-11-20'], io)).toBe(0);
    const line = io
      .out()
      .split('\n')
      .find((l) => l.startsWith('clickstream'))!;
    expect(line.split(/\s{2,}/)).toEqual([
      'clickstream',
      '2026-11-20',
      'rewritten',
      '53 → 1',
      '58 → 48',
      '10',
      expect.stringMatching(/^[0-9a-f]{12} \(same\)$/),
      '0',
    ]);
    // the day's readers now take the generation, which holds one copy of each record
    const reading = "FROM {{table:clickstream}} WHERE dt = '2026-11-20'";
    expect(await query(`SELECT count(*) AS n, count(DISTINCT event_id) AS d ${reading}`)).toBe(
      'n,d\n48,48\n',
    );
    expect(
      await query(
        "SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM clickstream__compacted WHERE dt = '2026-11-20' AND _consumed IS NULL",
      ),
    ).toBe('n,d\n48,48\n');
    // the live table still lists the replaced files until clean-up, as in Athena
    expect(await query("SELECT count(*) AS n FROM clickstream WHERE dt = '2026-11-20'")).toBe('n\n58\n');
  });

  it('changes nothing when run again, and keeps the replaced files until the grace period has passed', async () => {
    expect(await main(['compact', '--root', root, '--date', '2026-11-20'], captureIo())).toBe(0);
    const again = captureIo();
    expect(await main(['compact', '--root', root, '--date', '2026-11-20'], again)).toBe(0);
    expect(again.out()).toContain('unchanged');
    const live = await listKeys(
      new LocalObjectStore(root),
      LOCAL_BUCKETS.lake,
      'lake/clickstream/dt=2026-11-20/',
    );
    expect(live).toHaveLength(53);
    const late = captureIo();
    expect(await main(['compact', '--root', root, '--date', '2026-11-20', '--grace-hours', '0'], late)).toBe(
      0,
    );
    expect(
      await listKeys(new LocalObjectStore(root), LOCAL_BUCKETS.lake, 'lake/clickstream/dt=2026-11-20/'),
    ).toEqual([]);
    expect(await query("SELECT count(*) AS n FROM {{table:clickstream}} WHERE dt = '2026-11-20'")).toBe(
      'n\n48\n',
    );
    expect(await query("SELECT count(*) AS n FROM clickstream WHERE dt = '2026-11-20'")).toBe('n\n0\n');
  });

  it('refuses a day that is not a date', async () => {
    const io = captureIo();
    expect(await main(['compact', '--root', root, '--date', '2026-13-45'], io)).toBe(2);
    expect(io.err()).toContain('--date must be a day');
  });
});
