import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printRunSummary } from '../../../src/cli/commands/run';
import { localEnvironment } from '../../../src/lib/local/local-environment';
import { loadLocalHandlers } from '../../../src/lib/local/local-handlers';
import { type LocalRunSummary, runLocalPipeline } from '../../../src/lib/local/local-pipeline';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { renderRunReport } from '../../../src/lib/run-report/run-report';
import { DuckDb, sqlString } from '../../../src/lib/standins/athena/duckdb';
import { dailyPipelineDefinition } from '../../../src/lib/standins/stepfunctions/local-state-machine';
import { captureIo } from '../../support/cli';

const now = new Date();
const today = now.toISOString().slice(0, 10);
const nextYear = `${now.getUTCFullYear() + 1}-03-04T05:06:07Z`;
const events = [
  { event_id: 'in-range', event_type: 'page_view', event_time: `${today}T00:00:01Z` },
  { event_id: 'before-the-lake', event_type: 'page_view', event_time: '2019-06-01T10:00:00Z' },
  { event_id: 'clock-ahead', event_type: 'page_view', event_time: nextYear },
];

let root: string;
let summary: LocalRunSummary;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-local-pipeline-'));
  const pipeline = bundledPipeline();
  const environment = localEnvironment(root, pipeline.database);
  const handlers = await loadLocalHandlers(environment, pipeline);
  summary = await runLocalPipeline(environment, pipeline, handlers, {
    date: today,
    streams: [{ stream: 'clickstream', records: events.map((e) => Buffer.from(JSON.stringify(e))) }],
    dynamodb: [],
  });
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a local run with events outside the days the lake serves', () => {
  it('lands them as Parquet under a partition the lake serves, with their event time unchanged', async () => {
    const stats = summary.streams.get('clickstream')!;
    expect(stats.rowsWritten).toBe(3);
    for (const key of stats.parquetFiles)
      expect(key).toMatch(new RegExp(`^lake/clickstream/dt=${today}/hour=\\d{2}/`));
    const duck = await DuckDb.open();
    try {
      const files = stats.parquetFiles.map((key) => sqlString(join(root, 'tributary-local-lake', key)));
      const { rows } = await duck.query(
        `SELECT event_id, strftime(event_time, '%Y-%m-%dT%H:%M:%SZ') AS event_time FROM read_parquet([${files.join(', ')}]) ORDER BY event_id`,
      );
      expect(rows).toEqual(
        events
          .map((e) => ({ event_id: e.event_id, event_time: e.event_time }))
          .sort((a, b) => a.event_id.localeCompare(b.event_id)),
      );
    } finally {
      duck.close();
    }
  });

  it('counts them in the run summary, the printed summary and the report', async () => {
    expect(summary.streams.get('clickstream')!.eventTimeOutOfRange).toBe(2);
    const io = captureIo();
    printRunSummary(
      io,
      {
        root,
        lakeBucket: 'tributary-local-lake',
        rawBucket: 'tributary-local-raw',
        resultsBucket: 'tributary-local-results',
      },
      summary,
    );
    expect(io.out()).toContain(
      '2 records dated outside the days the lake serves (2024-01-01 to today, UTC), filed under their arrival time',
    );
    const report = renderRunReport(summary, {
      definition: dailyPipelineDefinition(),
      pipeline: bundledPipeline(),
      root,
      lakeBucket: 'tributary-local-lake',
      rawBucket: 'tributary-local-raw',
    });
    await expect(report).resolves.toContain('event time outside the lake</th>');
  });
});
