import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printRunSummary } from '../../../src/cli/commands/run';
import { LOCAL_WAREHOUSE_FILE } from '../../../src/lib/loading/config';
import {
  type LocalEnvironment,
  localEnvironment,
  openLocalAthena,
} from '../../../src/lib/local/local-environment';
import { type LocalHandlers, loadLocalHandlers } from '../../../src/lib/local/local-handlers';
import { type LocalRunSummary, runLocalPipeline } from '../../../src/lib/local/local-pipeline';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { renderRunReport } from '../../../src/lib/run-report/run-report';
import { DuckDb } from '../../../src/lib/standins/athena/duckdb';
import { dailyPipelineDefinition } from '../../../src/lib/standins/stepfunctions/local-state-machine';
import { computedMarkerKey, manifestKey } from '../../../src/lib/transforms/transform-run';
import { captureIo } from '../../support/cli';

const DAY_MS = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
/** Computed by the first run, then sent a late event. */
const lateDay = daysAgo(3);
/** Computed by the first run, and nothing arrives for it later. */
const untouchedDay = daysAgo(2);
/** The second run's own day. */
const runDay = daysAgo(1);

const pipeline = bundledPipeline();
let root: string;
let environment: LocalEnvironment;
let handlers: LocalHandlers;
let first: LocalRunSummary;
let second: LocalRunSummary;
const beforeSecond: Record<string, string> = {};

function event(id: string, day: string, type = 'page_view') {
  return Buffer.from(JSON.stringify({ event_id: id, event_type: type, event_time: `${day}T12:00:00Z` }));
}

async function lakeObject(key: string): Promise<string> {
  return readFile(join(root, environment.lakeBucket, key), 'utf8');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-late-data-'));
  environment = localEnvironment(root, pipeline.database);
  handlers = await loadLocalHandlers(environment, pipeline);
  first = await runLocalPipeline(environment, pipeline, handlers, {
    from: lateDay,
    date: untouchedDay,
    streams: [
      {
        stream: 'clickstream',
        records: [event('a1', lateDay), event('a2', lateDay), event('b1', untouchedDay)],
      },
    ],
    dynamodb: [],
  });
  for (const key of [
    manifestKey('daily_event_counts', untouchedDay),
    computedMarkerKey('daily_event_counts', untouchedDay),
  ])
    beforeSecond[key] = await lakeObject(key);
  second = await runLocalPipeline(environment, pipeline, handlers, {
    date: runDay,
    streams: [{ stream: 'clickstream', records: [event('c1', runDay), event('late-1', lateDay)] }],
    dynamodb: [],
  });
}, 240_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a late event for a day an earlier run computed', () => {
  it('recomputes that day on the next run, and says why', () => {
    expect(first.execution.status).toBe('SUCCEEDED');
    expect(second.execution.status).toBe('SUCCEEDED');
    expect(first.recomputed).toEqual([]);
    expect(second.recomputed).toEqual([
      {
        transform: 'daily_event_counts',
        day: lateDay,
        reason: expect.stringMatching(
          new RegExp(
            `^1 new file in clickstream dt=${lateDay} since \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$`,
          ),
        ),
      },
    ]);
    expect(second.published.find((p) => p.target === 'daily_event_counts')?.days).toBe(2);
  });

  it('changes that day in the transform output and leaves the untouched day as it was', async () => {
    const athena = await openLocalAthena(environment, pipeline);
    try {
      const { rows } = await athena.query(
        'SELECT CAST(dt AS varchar) AS dt, CAST(events AS integer) AS events FROM daily_event_counts ORDER BY dt',
      );
      expect(rows).toEqual([
        { dt: lateDay, events: 3 },
        { dt: untouchedDay, events: 1 },
        { dt: runDay, events: 1 },
      ]);
    } finally {
      athena.close();
    }
    for (const [key, text] of Object.entries(beforeSecond)) expect(await lakeObject(key)).toBe(text);
  });

  it('merges the recomputed row into the loaded table', async () => {
    const warehouse = await DuckDb.open(join(root, LOCAL_WAREHOUSE_FILE));
    try {
      const { rows } = await warehouse.query(
        'SELECT CAST(dt AS varchar) AS dt, CAST(events AS integer) AS events FROM daily_event_counts ORDER BY dt',
      );
      expect(rows).toEqual([
        { dt: lateDay, events: 3 },
        { dt: untouchedDay, events: 1 },
        { dt: runDay, events: 1 },
      ]);
    } finally {
      warehouse.close();
    }
  });

  it('names the recomputed day in the printed summary and the run report', async () => {
    const io = captureIo();
    printRunSummary(io, environment, second);
    expect(io.out()).toContain(
      `recomputed daily_event_counts dt=${lateDay}: 1 new file in clickstream dt=${lateDay} since`,
    );
    const report = await renderRunReport(second, {
      definition: dailyPipelineDefinition(),
      pipeline,
      root,
      lakeBucket: environment.lakeBucket,
      rawBucket: environment.rawBucket,
    });
    expect(report).toContain('Days recomputed for late data');
    expect(report).toContain(`1 new file in clickstream dt=${lateDay} since`);
  });
});
