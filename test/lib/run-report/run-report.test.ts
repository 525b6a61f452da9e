import { XMLValidator } from 'fast-xml-parser';
import { athenaScanPrice } from '../../../src/lib/cost/athena-price';
import type { LocalRunSummary } from '../../../src/lib/local/local-pipeline';
import { summariseScans } from '../../../src/lib/orchestration/scan-budget';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { renderRunReport } from '../../../src/lib/run-report/run-report';
import type { DeliveryStats } from '../../../src/lib/standins/firehose/local-delivery-stream';
import {
  dailyPipelineDefinition,
  type StepEvent,
} from '../../../src/lib/standins/stepfunctions/local-state-machine';

const context = {
  definition: dailyPipelineDefinition(),
  pipeline: bundledPipeline(),
  root: '/tmp/tributary-local',
  lakeBucket: 'tributary-local-lake',
  rawBucket: 'tributary-local-raw',
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
    activePartitionExceeded: 0,
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
    scans: summariseScans([], undefined, athenaScanPrice(null)),
    executionName: 'local-2026-11-20-1',
    date: '2026-11-20',
    lakeStartDate: '2024-01-01',
    skippedLoads: undefined,
    recomputed: [],
    checks: [],
    blockedLoads: [],
    heldBack: [],
    exports: [],
    streams: new Map([['clickstream', delivery()]]),
    captures: new Map([
      ['users', { changes: 250, failedChanges: 0, parked: [], changeFiles: 3, flattenedObjects: 4 }],
    ]),
    quarantined: [{ key: 'raw/dynamodb/users/dt=2026-11-20/_x.quarantine.ndjson', lines: 1 }],
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

  it('links quarantined lines to their file in the raw bucket and counts them against their lake table', async () => {
    const html = await renderRunReport(summary([step('Plan run', 'succeeded')]), context);
    expect(html).toContain(
      'href="../tributary-local-raw/raw/dynamodb/users/dt%3D2026-11-20/_x.quarantine.ndjson"',
    );
    expect(html).not.toContain('tributary-local-lake/raw/dynamodb');
    expect(html).toContain('1 line quarantined in');
  });

  it('is well-formed and names every undeclared column in the ingestion outcomes', async () => {
    const html = await renderRunReport(summary([step('Plan run', 'succeeded')]), context);
    expect(XMLValidator.validate(html.replace(/^<!DOCTYPE html>/, ''))).toBe(true);
    expect(html).toContain('context__feature_flags__dark_mode');
  });

  it('counts records over the active partition limit among the failed, and says so', async () => {
    const html = await renderRunReport(
      summary([step('Plan run', 'succeeded')], {
        streams: new Map([
          ['clickstream', delivery({ processingFailed: 0, conversionFailed: 0, activePartitionExceeded: 7 })],
        ]),
      }),
      context,
    );
    expect(html).toContain('processing 0, format conversion 0, over the active partition limit 7');
  });

  it('draws the states of the failure path a failed run took as the failure they report, not as succeeded', async () => {
    const steps = [
      step('Plan run', 'succeeded'),
      step('Load into database', 'failed', 'DatabaseUnavailableError: connect ECONNREFUSED'),
      step('Load tables', 'failed', 'DatabaseUnavailableError: connect ECONNREFUSED'),
      step('Load tables', 'caught'),
      step('Loads failed', 'succeeded'),
      step('Notify failure', 'succeeded'),
      step('Pipeline failed', 'failed', 'PipelineFailed'),
    ];
    const html = await renderRunReport(summary(steps), context);
    expect(stateAttributes(html, 'Loads failed')).toMatchObject({ outcome: 'failed' });
    expect(stateAttributes(html, 'Notify failure')).toMatchObject({ outcome: 'failed' });
    expect(stateAttributes(html, 'Plan run')).toMatchObject({ outcome: 'succeeded' });
    // a failure path no run took stays not run
    expect(stateAttributes(html, 'Planning failed')).toMatchObject({ outcome: 'not run' });
  });

  it('shows the data checks before the picture of the state machine', async () => {
    const html = await renderRunReport(summary([step('Plan run', 'succeeded')]), context);
    expect(html.indexOf('id="checks"')).toBeGreaterThan(0);
    expect(html.indexOf('id="checks"')).toBeLessThan(html.indexOf('id="state-machine"'));
  });

  it('marks in the lineage the table whose check failed, and only that one', async () => {
    const failing = {
      check: 'event_counts_keyed',
      table: 'daily_event_counts',
      severity: 'error' as const,
      passed: false,
      failures: 2,
      sample: [],
      queryExecutionId: 'q-1',
    };
    const passing = {
      ...failing,
      check: 'known_event_types',
      table: 'clickstream',
      passed: true,
      failures: 0,
    };
    const html = await renderRunReport(
      summary([step('Plan run', 'succeeded')], { checks: [failing, passing] }),
      context,
    );
    const node = (id: string) =>
      html.match(new RegExp(`<g class="lineage-node" data-box="${id}"[^>]*>`))?.[0];
    expect(node('transform:daily_event_counts')).toContain('data-failed-checks="event_counts_keyed"');
    expect(node('transform:daily_event_counts')).toContain('data-outcome="failed"');
    expect(node('lake:clickstream')).not.toContain('data-failed-checks');
    expect(html).toContain('check event_counts_keyed failed: 2 rows');
  });
});
