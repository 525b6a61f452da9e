import { printRunSummary } from '../../src/cli/commands/run';
import { athenaScanPrice } from '../../src/lib/cost/athena-price';
import type { CaptureStats, LocalRunSummary } from '../../src/lib/local/local-pipeline';
import { summariseScans } from '../../src/lib/orchestration/scan-budget';
import { parsePipeline } from '../../src/lib/pipeline/pipeline';
import { renderRunReport } from '../../src/lib/run-report/run-report';
import type { DeliveryStats } from '../../src/lib/standins/firehose/local-delivery-stream';
import { dailyPipelineDefinition } from '../../src/lib/standins/stepfunctions/local-state-machine';
import { captureIo } from '../support/cli';

const environment = {
  root: '/tmp/tributary-summary',
  lakeBucket: 'tributary-local-lake',
  rawBucket: 'tributary-local-raw',
  resultsBucket: 'tributary-local-results',
};

/** A pipeline of its own: two streams, one DynamoDB table, one incremental and one full transform. */
const pipeline = parsePipeline({
  database: 'shop',
  streams: [
    {
      name: 'orders',
      eventTime: 'ordered_at',
      columns: [
        { name: 'order_id', type: 'string' },
        { name: 'ordered_at', type: 'timestamp' },
      ],
    },
    {
      name: 'refunds',
      eventTime: 'refunded_at',
      columns: [
        { name: 'refund_id', type: 'string' },
        { name: 'refunded_at', type: 'timestamp' },
      ],
    },
  ],
  dynamodb: [
    {
      name: 'carts',
      keys: ['cart_id'],
      columns: [
        { name: 'cart_id', type: 'string' },
        { name: 'status', type: 'string' },
      ],
    },
  ],
  transforms: [],
  loads: [],
});

function delivery(overrides: Partial<DeliveryStats> = {}): DeliveryStats {
  return {
    recordsIn: 1,
    reingested: 0,
    rowsWritten: 1,
    processingFailed: 0,
    conversionFailed: 0,
    activePartitionExceeded: 0,
    parquetFiles: ['a.parquet'],
    errorFiles: [],
    backupFiles: [],
    undeclaredColumns: new Map(),
    eventTimeOutOfRange: 0,
    failureReasons: new Map(),
    ...overrides,
  };
}

function capture(overrides: Partial<CaptureStats> = {}): CaptureStats {
  return { changes: 1, failedChanges: 0, parked: [], changeFiles: 1, flattenedObjects: 1, ...overrides };
}

function summary(overrides: Partial<LocalRunSummary> = {}): LocalRunSummary {
  return {
    scans: summariseScans([], undefined, athenaScanPrice(null)),
    executionName: 'local-2026-11-20-1',
    date: '2026-11-20',
    lakeStartDate: '2024-01-01',
    skippedLoads: undefined,
    recomputed: [],
    checks: [],
    blockedLoads: [],
    exports: [],
    heldBack: [],
    streams: new Map([
      ['orders', delivery()],
      ['refunds', delivery()],
    ]),
    captures: new Map([['carts', capture()]]),
    quarantined: [],
    execution: {
      status: 'SUCCEEDED',
      output: {},
      error: undefined,
      steps: [],
      largestPayload: { where: 'execution input', bytes: 2 },
      historyEvents: 0,
    },
    published: [],
    loads: [],
    notifications: [],
    tables: [],
    timings: [['ingest', 1]],
    ...overrides,
  };
}

function printed(run: LocalRunSummary): string {
  const io = captureIo();
  printRunSummary(io, environment, run);
  return io.out();
}

describe('printRunSummary', () => {
  it('says one of each in the singular', () => {
    const out = printed(
      summary({
        streams: new Map([['orders', delivery({ recordsIn: 2, processingFailed: 1 })]]),
        quarantined: [
          {
            key: 'raw/dynamodb/carts/dt=2026-11-20/_x.quarantine.ndjson',
            lines: 1,
            reasons: new Map([['carts: Column status: cannot store 7 as string', 1]]),
          },
        ],
        checks: [
          {
            check: 'orders_keyed',
            table: 'orders',
            severity: 'error',
            passed: false,
            failures: 1,
            sample: [],
            queryExecutionId: 'q-1',
          } as never,
        ],
        published: [{ target: 'order_counts', days: 1, files: 1, removed: 0 }],
      }),
    );
    expect(out).toContain('  orders: 2 records in, 1 row in 1 Parquet file, 1 failed');
    expect(out).toContain('  carts (DynamoDB): 1 change in 1 change file, 1 failed');
    expect(out).toMatch(/ {4}1 line quarantined in \S+tributary-local-raw\/raw\/dynamodb\/carts\//);
    expect(out).toContain('      why: carts: Column status: cannot store 7 as string (1 line)');
    expect(out).toContain('check orders_keyed on orders (error): FAILED, 1 failing row');
    expect(out).toContain('  published order_counts: 1 day, 1 file');
    expect(out).not.toMatch(/\b1 (records|rows|lines|changes|files|days|failing rows)\b/);
  });

  it('says why records failed, most common reason first', async () => {
    const run = summary({
      streams: new Map([
        [
          'orders',
          delivery({
            recordsIn: 4,
            rowsWritten: 1,
            conversionFailed: 3,
            failureReasons: new Map([
              ['Column total: cannot store "x" as decimal(10,2)', 1],
              ['Column total: cannot store 100.123 as decimal(10,2)', 2],
            ]),
          }),
        ],
      ]),
    });
    const lines = printed(run).split('\n');
    const first = lines.indexOf('      why: Column total: cannot store 100.123 as decimal(10,2) (2 records)');
    expect(first).toBeGreaterThan(0);
    expect(lines[first + 1]).toBe('      why: Column total: cannot store "x" as decimal(10,2) (1 record)');
    const html = await renderRunReport(run, {
      definition: dailyPipelineDefinition(),
      pipeline,
      root: environment.root,
      lakeBucket: environment.lakeBucket,
      rawBucket: environment.rawBucket,
    });
    expect(html).toContain('Column total: cannot store 100.123 as decimal(10,2) (2 records)');
  });

  it("shows a quarantined line's reason in the report too", async () => {
    const run = summary({
      quarantined: [
        {
          key: 'raw/dynamodb/carts/dt=2026-11-20/_x.quarantine.ndjson',
          lines: 1,
          reasons: new Map([['carts: Column status: cannot store 7 as string', 1]]),
        },
      ],
    });
    const html = await renderRunReport(run, {
      definition: dailyPipelineDefinition(),
      pipeline,
      root: environment.root,
      lakeBucket: environment.lakeBucket,
      rawBucket: environment.rawBucket,
    });
    expect(html).toContain('carts: Column status: cannot store 7 as string (1 line)');
  });

  it('says a full rebuild is one, not 0 days', () => {
    const out = printed(summary({ published: [{ target: 'carts_current', days: 0, files: 3, removed: 2 }] }));
    expect(out).toContain('  published carts_current: rebuilt in full, 3 files');
  });

  it('counts lines the flattener quarantined among the failures of their DynamoDB table, as the report does', async () => {
    const run = summary({
      captures: new Map([['carts', capture({ changes: 250, changeFiles: 3 })]]),
      quarantined: [{ key: 'raw/dynamodb/carts/dt=2026-11-20/_x.quarantine.ndjson', lines: 2 }],
    });
    expect(printed(run)).toContain('  carts (DynamoDB): 250 changes in 3 change files, 2 failed');
  });

  it('warns about a stream whose every record failed and a source that sent nothing', async () => {
    const run = summary({
      streams: new Map([
        ['orders', delivery({ recordsIn: 3, rowsWritten: 0, parquetFiles: [], processingFailed: 3 })],
        ['refunds', delivery({ recordsIn: 0, rowsWritten: 0, parquetFiles: [] })],
      ]),
      captures: new Map([['carts', capture({ changes: 0, changeFiles: 0 })]]),
    });
    const out = printed(run);
    expect(out).toContain('    warning: every record of orders failed: nothing of it reached the lake');
    expect(out).toContain('    warning: refunds sent nothing in this run');
    expect(out).toContain('    warning: carts sent no changes in this run');
    const html = await renderRunReport(run, {
      definition: dailyPipelineDefinition(),
      pipeline,
      root: environment.root,
      lakeBucket: environment.lakeBucket,
      rawBucket: environment.rawBucket,
    });
    expect(html).toContain('every record of orders failed: nothing of it reached the lake');
    expect(html).toContain('refunds sent nothing in this run');
  });

  it('gives no warning when every source delivered', () => {
    expect(printed(summary())).not.toContain('warning');
  });
});
