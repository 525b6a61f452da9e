import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_WAREHOUSE_FILE } from '../../../src/lib/loading/config';
import { localEnvironment } from '../../../src/lib/local/local-environment';
import { loadLocalHandlers } from '../../../src/lib/local/local-handlers';
import { type LocalRunSummary, runLocalPipeline } from '../../../src/lib/local/local-pipeline';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { DuckDb } from '../../../src/lib/standins/athena/duckdb';

// one `error` check on the merged transform: only page views may be counted
jest.mock('../../../src/lib/pipeline/bundled', () =>
  jest
    .requireActual('../../support/bundled-pipeline')
    .bundledPipelineWith((shipped: Record<string, any>) => ({
      ...shipped,
      checks: [
        {
          name: 'only_page_views_counted',
          table: 'daily_event_counts',
          severity: 'error',
          accepted_values: { column: 'event_type', values: ['page_view'] },
        },
      ],
    })),
);

const DAY_MS = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
/** Computed and loaded by the first run; the second run recomputes it for a late event. */
const lateDay = daysAgo(2);
/** The second run's own day, whose rows pass the check. */
const runDay = daysAgo(1);

const pipeline = bundledPipeline();
let root: string;
let first: LocalRunSummary;
let second: LocalRunSummary;

function event(id: string, day: string, type = 'page_view') {
  return Buffer.from(JSON.stringify({ event_id: id, event_type: type, event_time: `${day}T12:00:00Z` }));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-late-checks-'));
  const environment = localEnvironment(root, pipeline.database);
  const handlers = await loadLocalHandlers(environment, pipeline);
  first = await runLocalPipeline(environment, pipeline, handlers, {
    date: lateDay,
    streams: [{ stream: 'clickstream', records: [event('a1', lateDay), event('a2', lateDay)] }],
    dynamodb: [],
  });
  // the late event is one the check refuses; the run's own day is clean
  second = await runLocalPipeline(environment, pipeline, handlers, {
    date: runDay,
    streams: [{ stream: 'clickstream', records: [event('b1', runDay), event('late-1', lateDay, 'signup')] }],
    dynamodb: [],
  });
}, 240_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a failed error check on a day recomputed for late data', () => {
  it('fails the check on the recomputed day, though the run’s own day passes', () => {
    expect(first.execution.status).toBe('SUCCEEDED');
    expect(second.recomputed.map((r) => [r.transform, r.day])).toEqual([['daily_event_counts', lateDay]]);
    expect(second.checks.map((c) => [c.check, c.passed, c.failures])).toEqual([
      ['only_page_views_counted', false, 1],
    ]);
    expect(second.checks[0]!.sample).toEqual([
      expect.objectContaining({ dt: lateDay, event_type: 'signup' }),
    ]);
    expect(second.blockedLoads).toEqual([
      { load: 'event_counts_to_mysql', checks: ['only_page_views_counted'] },
    ]);
    expect(second.execution.status).toBe('FAILED');
  });

  it('loads nothing of the recomputed day into the BI table', async () => {
    const warehouse = await DuckDb.open(join(root, LOCAL_WAREHOUSE_FILE));
    try {
      const { rows } = await warehouse.query(
        'SELECT CAST(dt AS varchar) AS dt, event_type, CAST(events AS integer) AS events FROM daily_event_counts ORDER BY dt, event_type',
      );
      expect(rows).toEqual([{ dt: lateDay, event_type: 'page_view', events: 2 }]);
    } finally {
      warehouse.close();
    }
  });
});
