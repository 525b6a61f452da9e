import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printRunSummary } from '../../../src/cli/commands/run';
import { localEnvironment } from '../../../src/lib/local/local-environment';
import { loadLocalHandlers } from '../../../src/lib/local/local-handlers';
import { type LocalRunSummary, runLocalPipeline } from '../../../src/lib/local/local-pipeline';
import { generatedClickstream } from '../../../src/lib/local/sources';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { renderRunReport } from '../../../src/lib/run-report/run-report';
import { dailyPipelineDefinition } from '../../../src/lib/standins/stepfunctions/local-state-machine';
import { captureIo } from '../../support/cli';

const DAY = '2026-11-20';
/** Every query that reads a file is billed at least 10 MB: this budget is spent by the third. */
const BUDGET = 25_000_000;
const QUERIES = new Set(['Run CTAS', 'Run check query', 'Run load query']);
const RECORDS = new Set(['Record CTAS scan', 'Record check scan', 'Record load scan']);

let root: string;
let summary: LocalRunSummary;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-scan-budget-'));
  const pipeline = bundledPipeline();
  const environment = localEnvironment(root, pipeline.database);
  const handlers = await loadLocalHandlers(environment, pipeline, { scanBudgetBytes: BUDGET });
  summary = await runLocalPipeline(environment, pipeline, handlers, {
    date: DAY,
    streams: [
      { stream: 'clickstream', records: generatedClickstream(2_000, Date.parse(`${DAY}T00:00:00Z`)) },
    ],
    dynamodb: [],
  });
}, 180_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('a local run with a scan budget', () => {
  it('stops before its next query once its queries have billed the budget, and alerts', () => {
    expect(summary.execution.status).toBe('FAILED');
    const steps = summary.execution.steps;
    const spent = steps.find((s) => RECORDS.has(s.state) && s.outcome === 'failed');
    expect(spent?.error).toMatch(/^ScanBudgetExceededError: The run's Athena queries billed/);
    // queries already running beside the one that spent it finish; none starts after
    const startedAfter = steps.filter((s) => QUERIES.has(s.state) && s.startedAt > spent!.endedAt);
    expect(startedAfter).toEqual([]);
    expect(summary.notifications).toHaveLength(1);
    expect(summary.notifications[0]).toContain('ScanBudgetExceededError');
    expect(summary.notifications[0]).toContain('reaching its scan budget of 25.0 MB');
  });

  it('names the queries that spent it, with their bytes and dollars', () => {
    expect(summary.scans.budgetBytes).toBe(BUDGET);
    expect(summary.scans.billedBytes).toBeGreaterThanOrEqual(BUDGET);
    const spenders = [...summary.scans.transforms, ...summary.scans.checks, ...summary.scans.loads];
    expect(spenders.length).toBeGreaterThan(0);
    for (const spender of spenders) expect(summary.notifications[0]).toContain(spender.name);
    // no more queries ran than the budget let start, and those running beside the last
    const queries = summary.execution.steps.filter((s) => QUERIES.has(s.state)).length;
    expect(summary.scans.queries).toBe(queries);
    expect(summary.scans.dollars).toBeCloseTo((summary.scans.billedBytes / 1e12) * 5, 12);
    // a local run has no region: its dollars are at us-east-1's $5 per TB, and it says so
    expect(summary.scans.price).toEqual({ region: 'us-east-1', queryRegion: null, usdPerTB: 5 });
  });

  it('shows the scans in the printed summary and the report', async () => {
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
    expect(io.out()).toContain('of a 25.0 MB budget per run');
    expect(io.out()).toContain(
      "at us-east-1's $5 per TB; a local run has no region) of a 25.0 MB budget per run",
    );
    expect(io.out()).toMatch(/total\s+\d+\s+[\d.]+ [KMG]?B\s+[\d.]+ MB\s+\$0\.\d{6}/);
    const report = await renderRunReport(summary, {
      definition: dailyPipelineDefinition(),
      pipeline: bundledPipeline(),
      root,
      lakeBucket: 'tributary-local-lake',
      rawBucket: 'tributary-local-raw',
    });
    expect(report).toContain('<section id="scans"><h2>Athena scans</h2>');
    expect(report).toContain('of a 25.0 MB budget per run');
  });
});
