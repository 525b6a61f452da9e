import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { main } from '../../src/cli/main';
import { LOCAL_WAREHOUSE_FILE } from '../../src/lib/loading/config';
import { DuckDb } from '../../src/lib/standins/athena/duckdb';
import { captureIo } from '../support/cli';

// the shipped pipeline with one more error check: a day with more than 30 clickstream events is
// a bad day (say, a bot), and its counts must not reach the BI table
jest.mock('../../src/lib/pipeline/bundled', () =>
  jest.requireActual('../support/bundled-pipeline').bundledPipelineWith((shipped: Record<string, any>) => ({
    ...shipped,
    checks: [
      ...shipped.checks,
      { name: 'no_bot_days', table: 'clickstream', severity: 'error', row_count: { max: 30 } },
    ],
  })),
);

const DAY_MS = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
const goodDay = daysAgo(2);
const badDay = daysAgo(1);

let root: string;
const runs: Array<{ code: number; io: ReturnType<typeof captureIo> }> = [];

async function loadedCounts(): Promise<ReadonlyArray<Record<string, unknown>>> {
  const duck = await DuckDb.open(join(root, LOCAL_WAREHOUSE_FILE));
  try {
    const { rows } = await duck.query('SELECT * FROM daily_event_counts ORDER BY ALL');
    return rows;
  } finally {
    duck.close();
  }
}

let afterGoodDay: ReadonlyArray<Record<string, unknown>>;

async function tributary(...args: string[]) {
  const io = captureIo();
  const code = await main(args, io);
  return { code, io, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-check-'));
  const first = await tributary('run', '--root', root, '--date', goodDay, '--events', '20');
  runs.push(first);
  afterGoodDay = await loadedCounts();
  // 40 events on the bad day, and 3 late events for the good day that the run recomputes
  runs.push(
    await tributary('run', '--root', root, '--keep', '--date', badDay, '--events', '40', '--late', '3'),
  );
}, 240_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  jest.restoreAllMocks();
});

describe('an error check failing on a later run', () => {
  it('holds back the load, alerts and fails the run', () => {
    const [first, second] = runs;
    expect({ code: first!.code, out: first!.io.out() }).toEqual({ code: 0, out: expect.any(String) });
    expect(second!.code).toBe(1);
    const out = second!.io.out();
    expect(out).toContain('check no_bot_days on clickstream (error): FAILED, 1 failing row');
    expect(out).toContain('load event_counts_to_mysql skipped: failed check no_bot_days');
    expect(out).toMatch(/alert: .*DataCheckFailed: Failed checks \(error\): no_bot_days/);
  });

  it('leaves the rows loaded by the earlier run exactly as they were', async () => {
    expect(afterGoodDay.length).toBeGreaterThan(0);
    expect(afterGoodDay.every((row) => String(row.dt) === goodDay)).toBe(true);
    // neither the bad day nor the good day's recomputed (late) counts reached the table
    expect(await loadedCounts()).toEqual(afterGoodDay);
    expect(runs[1]!.io.out()).toContain(`recomputed daily_event_counts dt=${goodDay}`);
  });

  it('notifies through the alerts topic once', async () => {
    expect(await readdir(join(root, '_notifications'))).toHaveLength(1);
  });
});

describe('tributary check on the local lake', () => {
  it('fails on the bad day, naming the check, its failing rows and a sample', async () => {
    const result = await tributary('check', '--root', root, '--date', badDay);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`Data checks on the local lake in ${root}, ${badDay}:`);
    expect(result.out).toContain('check no_bot_days on clickstream (error): FAILED, 1 failing row');
    expect(result.out).toContain(`{"dt":"${badDay}","row_count":"40"}`);
    const [, csv] = /every failing row: (\S+\.csv)/.exec(result.out)!;
    expect(await readFile(csv!, 'utf8')).toBe(`"dt","row_count","check_failures"\n"${badDay}","40","1"\n`);
    expect(result.out).toMatch(/5 checks: 4 passed, 1 failed, 0 warnings/);
  });

  it('passes the good day: 20 events and 3 late ones stay under the limit', async () => {
    const result = await tributary('check', '--root', root, '--date', goodDay);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('check no_bot_days on clickstream (error): passed');
  });

  it('checks a range of days, each day counted', async () => {
    const result = await tributary(
      'check',
      '--root',
      root,
      '--from',
      goodDay,
      '--to',
      badDay,
      '--table',
      'clickstream',
    );
    expect(result.code).toBe(1);
    expect(result.out).toContain(`${goodDay} to ${badDay}`);
    expect(result.out).not.toContain('daily_event_counts');
    expect(result.out).toMatch(/3 checks: 2 passed, 1 failed, 0 warnings/);
  });

  it('runs only the checks on --table', async () => {
    const result = await tributary(
      'check',
      '--root',
      root,
      '--date',
      badDay,
      '--table',
      'daily_event_counts',
    );
    expect(result.code).toBe(0);
    expect(result.out).toContain('check event_counts_keyed on daily_event_counts (error): passed');
    expect(result.out).not.toContain('no_bot_days');
  });

  it('refuses a table without checks, a bad day and a half range, as usage errors', async () => {
    for (const [args, message] of [
      [
        ['--table', 'users'],
        'no checks on users in pipeline.yml; tables with checks: daily_event_counts, clickstream',
      ],
      [['--date', '2026-02-30'], '2026-02-30 is not a day'],
      [['--from', goodDay], 'a range needs both --from and --to'],
      [['--from', badDay, '--to', goodDay], `--from ${badDay} is after --to ${goodDay}`],
    ] as const) {
      const result = await tributary('check', '--root', root, ...args);
      expect({ code: result.code, err: result.err }).toEqual({
        code: 2,
        err: expect.stringContaining(message),
      });
    }
  });

  it('names a transform output that was never published there, instead of failing on its query', async () => {
    const unpublished = `${root}-unpublished`;
    await cp(root, unpublished, { recursive: true });
    try {
      await rm(join(unpublished, '_catalog', 'tributary_local', 'daily_event_counts.json'));
      const result = await tributary('check', '--root', unpublished, '--date', badDay);
      expect(result.code).toBe(1);
      expect(result.err).toContain(
        `daily_event_counts has no table in ${unpublished}: its transform has not been published there (tributary run publishes it); checks on it: event_counts_keyed, event_counts_typed`,
      );
    } finally {
      await rm(unpublished, { recursive: true, force: true });
    }
  });

  it('says how to get a local lake when there is none', async () => {
    const result = await tributary('check', '--root', join(root, 'nothing-here'));
    expect(result.code).toBe(1);
    expect(result.err).toContain('no local lake at');
  });
});

describe('tributary check --stage', () => {
  it("runs each check in the stage's enforced workgroup and database, over yesterday by default", async () => {
    const yesterday = daysAgo(1);
    const started: Array<Record<string, any>> = [];
    jest.spyOn(AthenaClient.prototype, 'send').mockImplementation(async (command: any) => {
      const name = command.constructor.name as string;
      if (name === 'StartQueryExecutionCommand') {
        started.push(command.input);
        return { QueryExecutionId: `q${started.length}` };
      }
      if (name === 'GetQueryExecutionCommand') return { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
      if (name === 'GetQueryResultsCommand') {
        expect(command.input.MaxResults).toBe(11);
        const failing = command.input.QueryExecutionId === 'q5';
        return {
          ResultSet: {
            Rows: [
              {
                Data: [
                  { VarCharValue: 'dt' },
                  { VarCharValue: 'row_count' },
                  { VarCharValue: 'check_failures' },
                ],
              },
              ...(failing
                ? [{ Data: [{ VarCharValue: yesterday }, { VarCharValue: '99' }, { VarCharValue: '1' }] }]
                : []),
            ],
          },
        };
      }
      throw new Error(`unexpected ${name}`);
    });
    const result = await tributary('check', '--stage', 'prod');
    expect(started).toHaveLength(5);
    for (const input of started) {
      expect(input).toMatchObject({
        WorkGroup: 'tributary-prod',
        QueryExecutionContext: { Database: 'tributary_prod' },
      });
      expect(input.QueryString).toContain(`BETWEEN '${yesterday}' AND '${yesterday}'`);
    }
    expect(result.code).toBe(1);
    expect(result.out).toContain('Data checks on stage prod (Athena workgroup tributary-prod)');
    expect(result.out).toContain('check no_bot_days on clickstream (error): FAILED, 1 failing row');
  });
});
