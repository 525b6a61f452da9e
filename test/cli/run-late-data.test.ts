import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { LOCAL_WAREHOUSE_FILE } from '../../src/lib/loading/config';
import { DuckDb } from '../../src/lib/standins/athena/duckdb';
import { captureIo } from '../support/cli';

const DAY_MS = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
const earlier = daysAgo(2);
const later = daysAgo(1);

let root: string;
let firstRun: ReturnType<typeof captureIo>;
let secondRun: ReturnType<typeof captureIo>;
const codes: number[] = [];

async function eventsPerDay(): Promise<Record<string, number>> {
  const duck = await DuckDb.open(join(root, LOCAL_WAREHOUSE_FILE));
  try {
    const { rows } = await duck.query(
      'SELECT CAST(dt AS varchar) AS dt, CAST(sum(events) AS integer) AS events FROM daily_event_counts GROUP BY dt ORDER BY dt',
    );
    return Object.fromEntries(rows.map((r) => [r.dt as string, r.events as number]));
  } finally {
    duck.close();
  }
}

let afterFirst: Record<string, number>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-run-late-'));
  firstRun = captureIo();
  codes.push(await main(['run', '--root', root, '--date', earlier, '--events', '20'], firstRun));
  afterFirst = await eventsPerDay();
  secondRun = captureIo();
  codes.push(
    await main(
      ['run', '--root', root, '--keep', '--date', later, '--events', '10', '--late', '3'],
      secondRun,
    ),
  );
}, 240_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('tributary run --keep --late N (late events for the day an earlier run computed)', () => {
  it('recomputes that day, says why, and counts the late events in the loaded table', async () => {
    expect({ codes, out: secondRun.out() }).toEqual({ codes: [0, 0], out: expect.any(String) });
    expect(firstRun.out()).not.toContain('recomputed');
    expect(secondRun.out()).toMatch(
      new RegExp(
        `recomputed daily_event_counts dt=${earlier}: \\d+ new files? in clickstream dt=${earlier} since `,
      ),
    );
    expect(afterFirst).toEqual({ [earlier]: 20 });
    expect(await eventsPerDay()).toEqual({ [earlier]: 23, [later]: 10 });
  });

  it('refuses a --late that is not a whole number', async () => {
    const io = captureIo();
    expect(await main(['run', '--root', root, '--late', 'many'], io)).not.toBe(0);
    expect(io.err()).toContain('--late must be a whole number, got many');
  });
});
