import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { athenaScanPrice } from '../../../src/lib/cost/athena-price';
import { PRICES } from '../../../src/lib/cost/prices';
import { readRunSettings } from '../../../src/lib/orchestration/config';
import {
  type RecordScanEvent,
  readRunScans,
  readScanEvent,
  recordScan,
  ScanBudgetExceededError,
  scanBudgetLine,
  summariseScans,
} from '../../../src/lib/orchestration/scan-budget';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';

const LAKE = 'tributary-local-lake';
const PRICE = athenaScanPrice('us-east-1');
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
    await recordScan(
      store,
      LAKE,
      scan({ queryExecutionId: 'a', scannedBytes: 25_300_000 }),
      undefined,
      PRICE,
    );
    await recordScan(store, LAKE, scan({ queryExecutionId: 'b', scannedBytes: 1_000 }), undefined, PRICE);
    await recordScan(
      store,
      LAKE,
      scan({ step: 'check', subject: 'events_have_ids', queryExecutionId: 'c', scannedBytes: 0 }),
      undefined,
      PRICE,
    );
    await recordScan(
      store,
      LAKE,
      scan({ execution: 'another', queryExecutionId: 'd', scannedBytes: 9 }),
      undefined,
      PRICE,
    );

    const run = summariseScans(await readRunScans(store, LAKE, 'nightly', PRICE), 500_000_000, PRICE);
    expect(run).toEqual({
      queries: 3,
      scannedBytes: 25_301_000,
      billedBytes: 36_000_000,
      dollars: expect.closeTo(0.00018, 12),
      budgetBytes: 500_000_000,
      price: { region: 'us-east-1', queryRegion: 'us-east-1', usdPerTB: 5 },
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
    await recordScan(store, LAKE, scan({ queryExecutionId: 'a', scannedBytes: 12_000_000 }), budget, PRICE);
    const spending = recordScan(
      store,
      LAKE,
      scan({ step: 'load', subject: 'users_to_bi', queryExecutionId: 'b', scannedBytes: 18_000_000 }),
      budget,
      PRICE,
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
      recordScan(store, LAKE, scan({ scannedBytes: 29_000_000 }), 30_000_000, PRICE),
    ).resolves.toMatchObject({ billedBytes: 29_000_000 });
  });
});

describe("the run's Athena price", () => {
  const environment = (extra: Record<string, string>) => ({
    TRIBUTARY_LAKE_BUCKET: 'lake-bucket',
    TRIBUTARY_RAW_BUCKET: 'raw-bucket',
    TRIBUTARY_DATABASE: 'tributary_prod',
    TRIBUTARY_WORKGROUP: 'tributary-prod',
    TRIBUTARY_TRANSFORM_WORKGROUP: 'tributary-prod-transforms',
    ...extra,
  });

  it("is the stage's region's price from the price file, deployed", () => {
    expect(readRunSettings(environment({ AWS_REGION: 'ap-northeast-1' })).athenaPrice).toEqual({
      region: 'ap-northeast-1',
      queryRegion: 'ap-northeast-1',
      usdPerTB: PRICES['ap-northeast-1'].athenaPerTBScanned.usd,
    });
  });

  it("is the local price region's, and says a local run has none of its own", () => {
    const local = readRunSettings(
      environment({ TRIBUTARY_LOCAL_ROOT: '/tmp/x', AWS_REGION: 'ap-northeast-1' }),
    );
    expect(local.athenaPrice).toEqual({ region: 'us-east-1', queryRegion: null, usdPerTB: 5 });
  });

  it('prices every query and the total at the price it is given, and the summary names it', async () => {
    const dearer = { region: 'ap-northeast-1', queryRegion: 'ap-northeast-1', usdPerTB: 7 } as const;
    await recordScan(
      store,
      LAKE,
      scan({ queryExecutionId: 'a', scannedBytes: 20_000_000 }),
      undefined,
      dearer,
    );
    const run = summariseScans(await readRunScans(store, LAKE, 'nightly', dearer), undefined, dearer);
    expect(run.dollars).toBeCloseTo((20_000_000 / 1e12) * 7, 15);
    expect(run.transforms[0]!.dollars).toBeCloseTo((20_000_000 / 1e12) * 7, 15);
    expect(scanBudgetLine(run)).toBe(
      "1 Athena query billed 20.0 MB ($0.000140 at ap-northeast-1's $7 per TB); no scan budget (runScanBudgetBytes)",
    );
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
