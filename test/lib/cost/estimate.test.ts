import {
  billedAthenaBytes,
  estimateMonth,
  firehoseBilledBytes,
  flushesPerPartition,
  type LineItem,
  type MonthEstimate,
} from '../../../src/lib/cost/estimate';
import type { Price, RegionPrices } from '../../../src/lib/cost/prices';
import type { TrafficProfile } from '../../../src/lib/cost/profile';
import type { StackFacts } from '../../../src/lib/cost/stack-facts';
import type { RunWalk } from '../../../src/lib/cost/state-machine-walk';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';

const MB = 2 ** 20;
const GB = 2 ** 30;
const TB = 2 ** 40;

/** Round prices, so each line item's dollars can be worked out by hand. */
const p = (usd: number): Price => ({
  usd,
  unit: 'test',
  url: 'https://aws.amazon.com/test/',
  read: '2026-12-05',
  checked: 'page',
});
const prices: RegionPrices = {
  firehoseIngestionPerGB: p(0.03),
  firehoseFormatConversionPerGB: p(0.02),
  firehoseDynamicPartitioningPerGB: p(0.02),
  firehoseDynamicPartitioningPer1000Objects: p(0.005),
  s3StandardPerGBMonth: p(0.025),
  s3StandardIaPerGBMonth: p(0.0125),
  s3PutPer1000: p(0.005),
  s3GetPer1000: p(0.0004),
  s3TransitionToIaPer1000: p(0.01),
  lambdaArmPerGBSecond: p(0.00001),
  lambdaPerMillionRequests: p(0.2),
  athenaPerTBScanned: p(5),
  stepFunctionsPer1000Transitions: p(0.025),
  glueCatalogPer100kObjectsMonth: p(1),
  glueCatalogPerMillionRequests: p(1),
  dynamodbExportPerGB: p(0.1),
  cloudwatchAlarmPerMonth: p(0.1),
  cloudwatchLogsIngestionPerGB: p(0.5),
  secretsManagerPerSecretMonth: p(0.4),
  secretsManagerPer10kCalls: p(0.05),
  kmsPerKeyMonth: p(1),
  kmsPer10kRequests: p(0.03),
};

const facts: StackFacts = {
  stage: 'prod',
  region: 'us-east-1',
  runsPerMonth: 30,
  firehose: {
    bufferMB: 128,
    bufferSeconds: 900,
    processorBufferMB: 1,
    processorBufferSeconds: 60,
    backupBufferMB: 64,
    backupBufferSeconds: 900,
  },
  lifecycle: {
    lake: [
      { prefix: '', noncurrentDays: 30 },
      { prefix: 'errors/', expirationDays: 30 },
    ],
    raw: [
      { prefix: '', noncurrentDays: 30 },
      { prefix: '', expirationDays: 90 },
      { prefix: '', transitionToIaDays: 30 },
    ],
    results: [{ prefix: '', expirationDays: 7 }],
  },
  lambdaMemoryMB: {
    firehoseTransform: 512,
    dynamodbStream: 512,
    s3Flatten: 1024,
    planRun: 512,
    publishTransform: 512,
    loader: 1024,
  },
  streamBatchSize: 100,
  streamBatchingWindowSeconds: 5,
  alarms: 12,
  secrets: 2,
  kmsKeys: 1,
  bucketsUseKms: false,
  catalogTables: 3,
  loads: false,
  privateRawRetentionDays: 14,
};

const pipeline = parsePipeline({
  database: 'shop',
  streams: [
    {
      name: 'clicks',
      eventTime: 'clicked_at',
      columns: [
        { name: 'click_id', type: 'string' },
        { name: 'clicked_at', type: 'timestamp' },
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
  checks: [
    { name: 'clicks_every_day', table: 'clicks', severity: 'warn', row_count: { min: 1 } },
    { name: 'carts_changed', table: 'carts_changes', severity: 'warn', row_count: { min: 1 } },
  ],
});

const quiet: TrafficProfile = {
  streams: {},
  tables: {},
  historyDays: 100,
  parquetRatio: 0.25,
  gzipRatio: 0.125,
  adhocQueriesPerDay: 0,
  adhocScanMB: 100,
};

const run: RunWalk = { transitions: 40, lambdaInvocations: { planRun: 2 }, athenaQueries: {} };

function item(estimate: MonthEstimate, service: LineItem['service'], starts: string): LineItem {
  const found = estimate.items.find((i) => i.service === service && i.item.startsWith(starts));
  if (!found) throw new Error(`no ${service} line item starting ${starts}`);
  return found;
}

describe('billing rules', () => {
  it.each([
    [1, 1, 5 * 1024],
    [1, 5 * 1024, 5 * 1024],
    [1, 5 * 1024 + 1, 10 * 1024],
    [3, 12 * 1024, 3 * 15 * 1024],
  ])(
    'bills %i Firehose records of %i bytes as %i bytes (5 KB increments per record)',
    (records, size, billed) => {
      expect(firehoseBilledBytes(records, size)).toBe(billed);
    },
  );

  it.each([
    [0, 10 * MB],
    [1, 10 * MB],
    [10 * MB + 1, 11 * MB],
    [250 * MB, 250 * MB],
  ])(
    'bills an Athena query that scans %i bytes as %i (10 MB minimum, rounded up to the MB)',
    (scanned, billed) => {
      expect(billedAthenaBytes(scanned)).toBe(billed);
    },
  );

  it.each([
    ['a quiet hour: at most one object per record', 2, 2_000, 3600, 128, 900, 2],
    ['an hour flushed by the interval', 40_000, 40 * MB, 3600, 128, 900, 4],
    ['an hour flushed by the size', 1_000_000, 1000 * MB, 3600, 128, 900, 8],
    ['no records, no objects', 0, 0, 3600, 128, 900, 0],
  ])(
    'delivers objects per partition: %s',
    (_case, records, bytes, seconds, bufferMB, bufferSeconds, objects) => {
      expect(flushesPerPartition(records, bytes, seconds, bufferMB, bufferSeconds)).toBe(objects);
    },
  );
});

describe('a month of one stream', () => {
  // 2^20 events a day of 1,000 bytes: each bills as 5 KB, so 150 GB a month are billed
  const profile: TrafficProfile = {
    ...quiet,
    streams: { clicks: { eventsPerDay: 2 ** 20, averageEventBytes: 1000 } },
  };
  const estimate = estimateMonth(pipeline, profile, facts, prices, run);

  it('bills Firehose ingestion and conversion on 5 KB-rounded records, partitioning on bytes sent', () => {
    expect(item(estimate, 'Firehose', 'ingestion')).toMatchObject({ quantity: 150 });
    expect(item(estimate, 'Firehose', 'ingestion').usd).toBeCloseTo(4.5, 10);
    expect(item(estimate, 'Firehose', 'format conversion').usd).toBeCloseTo(3, 10);
    // 1,000 bytes × 2^20 × 30 days = 29.296875 GB sent
    expect(item(estimate, 'Firehose', 'dynamic partitioning, GB').quantity).toBeCloseTo(29.296875, 10);
    expect(item(estimate, 'Firehose', 'dynamic partitioning, GB').usd).toBeCloseTo(0.5859375, 10);
  });

  it('counts the objects dynamic partitioning delivers: 24 hour partitions × 4 flushes of 900 s', () => {
    // 43.7 MB an hour stays under the 128 MB buffer, so the interval flushes: 96 objects a day
    expect(item(estimate, 'Firehose', 'dynamic partitioning, objects')).toMatchObject({ quantity: 2880 });
    expect(item(estimate, 'Firehose', 'dynamic partitioning, objects').usd).toBeCloseTo(0.0144, 10);
  });

  it('bills Lambda GB-seconds at each function’s memory, and every invocation', () => {
    // transform: 1,440 batches a day (60 s beats 1 MB), 0.05 s each plus 1,000 MB at 30 MB/s,
    // at 512 MB: (72 + 33.3) s × 30 × 0.5 GB = 1,580 GB-s; planRun 2 × 30 × 1 s × 0.5 GB = 30
    expect(item(estimate, 'Lambda', 'duration').quantity).toBeCloseTo(1610, 6);
    expect(item(estimate, 'Lambda', 'duration').usd).toBeCloseTo(0.0161, 10);
    expect(item(estimate, 'Lambda', 'requests').quantity).toBe(43_200 + 60);
    expect(item(estimate, 'Lambda', 'requests').usd).toBeCloseTo(0.008652, 10);
  });

  it('keeps the lake for the whole history and the raw copies for their lifecycle, old versions included', () => {
    // lake: 250 MB of Parquet a day, nothing expires it, 100 days of history
    expect(item(estimate, 'S3', 'lake bucket').quantity).toBeCloseTo(24.4140625, 10);
    expect(item(estimate, 'S3', 'lake bucket').usd).toBeCloseTo(0.6103515625, 10);
    // raw: 125 MB of gzip a day, Standard for 30 days, then Standard-IA until day 90 + 30 days of
    // old version; 100 days of history leave 70 of them in IA
    expect(item(estimate, 'S3', 'raw bucket storage, Standard ').quantity).toBeCloseTo(3.662109375, 10);
    expect(item(estimate, 'S3', 'raw bucket storage, Standard-IA').quantity).toBeCloseTo(8.544921875, 10);
    expect(item(estimate, 'S3', 'raw bucket storage, Standard-IA').usd).toBeCloseTo(0.1068115234375, 10);
    // the raw copy flushes every 900 s: 96 objects a day, each moved to IA once
    expect(item(estimate, 'S3', 'lifecycle transitions')).toMatchObject({ quantity: 2880 });
  });

  it('counts S3 requests: deliveries, raw copies and results written; objects the checks read', () => {
    // PUT: 2,880 lake objects + 2,880 raw copies + 2 checks × 30 runs × 2 result objects
    expect(item(estimate, 'S3', 'PUT')).toMatchObject({ quantity: 2880 + 2880 + 120 });
    // GET: the clicks check reads one day (96 objects) × 3 range GETs × 30 runs, plus the results
    expect(item(estimate, 'S3', 'GET')).toMatchObject({ quantity: 96 * 3 * 30 + 120 });
  });

  it('bills the checks’ Athena scans, the empty table’s at the 10 MB minimum', () => {
    // clicks: 250 MB a run; carts_changes (no traffic): 10 MB; 30 runs
    expect(item(estimate, 'Athena', 'nightly').quantity).toBeCloseTo((260 * MB * 30) / TB, 12);
    expect(item(estimate, 'Athena', 'nightly').usd).toBeCloseTo((260 * 30 * 5) / 2 ** 20, 12);
  });

  it('bills the walked run’s transitions, the alarms, secrets and keys', () => {
    expect(item(estimate, 'Step Functions', 'state transitions')).toMatchObject({ quantity: 1200 });
    expect(item(estimate, 'Step Functions', 'state transitions').usd).toBeCloseTo(0.03, 10);
    expect(item(estimate, 'CloudWatch', 'alarms').usd).toBeCloseTo(1.2, 10);
    expect(item(estimate, 'Secrets Manager', 'secrets').usd).toBeCloseTo(0.8, 10);
    expect(item(estimate, 'Secrets Manager', 'API calls')).toMatchObject({ quantity: 433 });
    expect(item(estimate, 'KMS', 'customer managed keys').usd).toBe(1);
    expect(item(estimate, 'KMS', 'requests')).toMatchObject({ quantity: 0, usd: 0 });
    expect(item(estimate, 'Glue', 'Data Catalog requests')).toMatchObject({ quantity: 2 * 30 * 5 });
    // 3 tables and their database, at $1 per 100,000 objects
    expect(item(estimate, 'Glue', 'Data Catalog storage')).toMatchObject({ quantity: 4, usd: 0.00004 });
    expect(item(estimate, 'CloudWatch', 'logs').quantity).toBeCloseTo((43_260 * 600) / GB, 12);
  });

  it('adds the line items up to the total', () => {
    expect(estimate.totalUsd).toBeCloseTo(
      estimate.items.reduce((n, i) => n + i.usd, 0),
      10,
    );
  });
});

describe('a month of one DynamoDB table', () => {
  const profile: TrafficProfile = {
    ...quiet,
    tables: { carts: { changesPerDay: 8640, averageChangeBytes: 1000, tableGB: 2 } },
  };
  const estimate = estimateMonth(pipeline, profile, facts, prices, run);

  it('bills a full export of the table each day, per GB of table size', () => {
    expect(item(estimate, 'DynamoDB', 'daily exports')).toMatchObject({ quantity: 60 });
    expect(item(estimate, 'DynamoDB', 'daily exports').usd).toBeCloseTo(6, 10);
  });

  it('invokes the stream Lambda once per change when changes are sparser than its 5-second batching window', () => {
    // 8,640 changes a day (one every 10 s): each window gathers one; the flattener reads each file
    // and the export's 21 data files (2 GiB in files of 100 MiB)
    expect(item(estimate, 'Lambda', 'requests').quantity).toBe(8640 * 30 + (8640 + 21) * 30 + 60);
  });

  it('invokes it once per batching window when changes come faster, or per full batch', () => {
    const busy = (changesPerDay: number) =>
      estimateMonth(
        pipeline,
        { ...quiet, tables: { carts: { changesPerDay, averageChangeBytes: 1000, tableGB: 0 } } },
        { ...facts, runsPerMonth: 0 },
        prices,
        run,
      );
    // 1M changes a day: every 5-second window holds some: 17,280 batches of about 58
    // a day's requests: the stream Lambda's batches, the flattener's change files and export file
    const stream = (changesPerDay: number) =>
      (item(busy(changesPerDay), 'Lambda', 'requests').quantity / 30 - 1) / 2;
    expect(stream(1_000_000)).toBe(17_280);
    // 100M changes a day fill batches of streamBatchSize (100): 1,000,000 batches
    expect(stream(100_000_000)).toBe(1_000_000);
  });

  it('keeps a Parquet snapshot of the whole table each day in the lake', () => {
    // snapshot 2 GB × 0.25 a day, changes 2.16 MB × 0.25... for 100 days
    const daily = 2 * GB * 0.25 + 8640 * 1000 * 0.25;
    expect(item(estimate, 'S3', 'lake bucket').quantity).toBeCloseTo((daily * 100) / GB, 8);
  });
});
