import { XMLValidator } from 'fast-xml-parser';
import type { DeliveryStats } from '../../../src/lib/local/local-delivery-stream';
import type { LocalRunSummary } from '../../../src/lib/local/local-pipeline';
import { renderRunReport } from '../../../src/lib/local/run-report';
import { dailyPipelineDefinition, type StepEvent } from '../../../src/lib/orchestration/local-state-machine';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';

const context = {
  definition: dailyPipelineDefinition(),
  pipeline: bundledPipeline(),
  root: '/tmp/tributary-local',
  lakeBucket: 'tributary-local-lake',
};

let clock = 1_000;
/** One step event as the local interpreter reports it, each a tenth of a second after the last. */
function step(state: string, outcome: StepEvent['outcome'], error?: string): StepEvent {
  const startedAt = clock;
  clock += 100;
  return { state, outcome, startedAt, endedAt: clock, ...(error ? { error } : {}) };
}

function delivery(overrides: Partial<DeliveryStats> = {}): DeliveryStats {
  return {
    recordsIn: 405,
    reingested: 0,
    rowsWritten: 402,
    processingFailed: 2,
    conversionFailed: 1,
    parquetFiles: ['a.parquet', 'b.parquet'],
    errorFiles: [],
    backupFiles: [],
    undeclaredColumns: new Map([['context__feature_flags__dark_mode', 1]]),
    eventTimeOutOfRange: 0,
    failureReasons: new Map(),
    ...overrides,
  };
}

function summary(steps: StepEvent[], overrides: Partial<LocalRunSummary> = {}): LocalRunSummary {
  return {
    executionName: 'local-2026-11-20-1',
    date: '2026-11-20',
    lakeStartDate: '2024-01-01',
    skippedLoads: undefined,
    recomputed: [],
    checks: [],
    blockedLoads: [],
    streams: new Map([['clickstream', delivery()]]),
    captures: new Map([['users', { changes: 250, failedChanges: 0, changeFiles: 3, flattenedObjects: 4 }]]),
    quarantined: [{ key: 'lake/users_changes/dt=2026-11-20/_x.quarantine.ndjson', lines: 1 }],
    execution: {
      status: 'SUCCEEDED',
      output: {},
      error: undefined,
      steps,
      largestPayload: { where: 'execution input', bytes: 2 },
      historyEvents: 0,
    },
    published: [{ target: 'daily_event_counts', days: 1, files: 1, removed: 0 }],
    loads: [{ table: 'daily_event_counts', mode: 'merge', rows: 5, created: true }],
    notifications: [],
    tables: [
      { table: 'clickstream', rows: 402, partitions: 2 },
      { table: 'users_changes', rows: 249, partitions: 1 },
    ],
    timings: [
      ['ingest', 1.7],
      ['capture', 0.3],
      ['pipeline', 1.4],
    ],
    ...overrides,
  };
}

/** The attributes the report gives one state's box. */
function stateAttributes(html: string, state: string): Record<string, string> {
  const tag = html.match(new RegExp(`<g [^>]*data-state="${state}"[^>]*>`))?.[0];
  if (!tag) throw new Error(`no box for ${state}`);
  return Object.fromEntries([...tag.matchAll(/data-([a-z-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

describe('renderRunReport', () => {
  it('counts a state that failed, was retried and then succeeded as succeeded with one retry', async () => {
    const html = await renderRunReport(
      summary([
        step('Plan run', 'succeeded'),
        step('Load into database', 'failed', 'DatabaseUnavailableError: connect ECONNREFUSED'),
        step('Load into database', 'retried'),
        step('Load into database', 'succeeded'),
        step('Load tables', 'succeeded'),
      ]),
      context,
    );
    expect(stateAttributes(html, 'Load into database')).toMatchObject({ outcome: 'succeeded', retries: '1' });
  });

  it('shades a group whose states all did not run as not run, not as succeeded', async () => {
    // a Map over no items succeeds at once, and nothing inside it runs
    const html = await renderRunReport(
      summary([step('Plan run', 'succeeded'), step('Export Aurora cluster', 'succeeded')]),
      context,
    );
    expect(stateAttributes(html, 'Export Aurora cluster')).toMatchObject({ outcome: 'not run' });
  });

  it('is well-formed and names every undeclared column in the ingestion outcomes', async () => {
    const html = await renderRunReport(summary([step('Plan run', 'succeeded')]), context);
    expect(XMLValidator.validate(html.replace(/^<!DOCTYPE html>/, ''))).toBe(true);
    expect(html).toContain('context__feature_flags__dark_mode');
  });
});
