import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type RecordScanEvent,
  readRunScans,
  readScanEvent,
  recordScan,
  ScanBudgetExceededError,
  summariseScans,
} from '../../../src/lib/orchestration/scan-budget';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';

const LAKE = 'tributary-local-lake';
let root: string;
let store: LocalObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-scan-budget-'));
  store = new LocalObjectStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const scan = (overrides: Partial<RecordScanEvent>): RecordScanEvent => ({
  kind: 'recordScan',
  execution: 'nightly',
  step: 'transform',
  subject: 'daily_event_counts',
  queryExecutionId: '7c1e2f43-0d8a-4b5e-9a61-2f0c3d4e5f60',
  scannedBytes: 0,
  ...overrides,
});

describe('recordScan', () => {
  it("records each query's scanned bytes and the run's total", async () => {
    await recordScan(store, LAKE, scan({ queryExecutionId: 'a', scannedBytes: 25_300_000 }), undefined);
    await recordScan(store, LAKE, scan({ queryExecutionId: 'b', scannedBytes: 1_000 }), undefined);
    await recordScan(
      store,
      LAKE,
      scan({ step: 'check', subject: 'events_have_ids', queryExecutionId: 'c', scannedBytes: 0 }),
      undefined,
    );
    await recordScan(
      store,
      LAKE,
      scan({ execution: 'another', queryExecutionId: 'd', scannedBytes: 9 }),
      undefined,
    );

    const run = summariseScans(await readRunScans(store, LAKE, 'nightly'), 500_000_000);
    expect(run).toEqual({
      queries: 3,
      scannedBytes: 25_301_000,
      billedBytes: 36_000_000,
      dollars: expect.closeTo(0.00018, 12),
      budgetBytes: 500_000_000,
      transforms: [
        {
          name: 'daily_event_counts',
          queries: 2,
          scannedBytes: 25_301_000,
          billedBytes: 36_000_000,
          dollars: expect.closeTo(0.00018, 12),
        },
      ],
      checks: [{ name: 'events_have_ids', queries: 1, scannedBytes: 0, billedBytes: 0, dollars: 0 }],
      loads: [],
    });
  });

  it('fails once the run has billed its budget, naming what spent it', async () => {
    const budget = 30_000_000;
    await recordScan(store, LAKE, scan({ queryExecutionId: 'a', scannedBytes: 12_000_000 }), budget);
    const spending = recordScan(
      store,
      LAKE,
      scan({ step: 'load', subject: 'users_to_bi', queryExecutionId: 'b', scannedBytes: 18_000_000 }),
      budget,
    );
    await expect(spending).rejects.toThrow(ScanBudgetExceededError);
    await expect(spending).rejects.toThrow(
      "The run's Athena queries billed 30.0 MB ($0.000150), reaching its scan budget of 30.0 MB; " +
        'no further query is started. Spent by: load users_to_bi 18.0 MB (1 query), ' +
        'transform daily_event_counts 12.0 MB (1 query)',
    );
  });

  it('lets a run under its budget go on', async () => {
    await expect(
      recordScan(store, LAKE, scan({ scannedBytes: 29_000_000 }), 30_000_000),
    ).resolves.toMatchObject({ billedBytes: 29_000_000 });
  });
});

describe('readScanEvent', () => {
  const names = { transform: ['daily_event_counts'], check: ['events_have_ids'], load: ['users_to_bi'] };
  it('reads a record step as the state machine sends it', () => {
    expect(readScanEvent(scan({ scannedBytes: 42 }), names)).toEqual(scan({ scannedBytes: 42 }));
  });

  it.each([
    ['a transform the pipeline lacks', { subject: 'nope' }, 'nope is not a transform of the pipeline'],
    ['bytes that are not a count', { scannedBytes: -1 }, 'expected a byte count'],
  ])('refuses %s', (_case, overrides, message) => {
    expect(() => readScanEvent(scan(overrides as Partial<RecordScanEvent>), names)).toThrow(message);
  });
});
