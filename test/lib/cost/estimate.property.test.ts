import fc from 'fast-check';
import { ConfigError } from '../../../src/lib/config/reader';
import { estimateMonth } from '../../../src/lib/cost/estimate';
import { PRICES } from '../../../src/lib/cost/prices';
import { readTrafficProfile } from '../../../src/lib/cost/profile';
import type { StackFacts } from '../../../src/lib/cost/stack-facts';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';

const pipeline = parsePipeline({
  database: 'shop',
  streams: [{ name: 'clicks', columns: [{ name: 'click_id', type: 'string' }] }],
  dynamodb: [{ name: 'carts', keys: ['cart_id'], columns: [{ name: 'cart_id', type: 'string' }] }],
  transforms: [],
  loads: [],
  checks: [{ name: 'clicks_every_day', table: 'clicks', severity: 'warn', row_count: { min: 1 } }],
});

const facts: StackFacts = {
  stage: 'prod',
  region: 'ap-northeast-1',
  runsPerMonth: 30,
  firehose: {
    bufferMB: 64,
    bufferSeconds: 300,
    processorBufferMB: 1,
    processorBufferSeconds: 60,
    backupBufferMB: 64,
    backupBufferSeconds: 300,
  },
  lifecycle: {
    lake: [{ prefix: '', noncurrentDays: 30 }],
    raw: [
      { prefix: '', noncurrentDays: 30 },
      { prefix: '', expirationDays: 90 },
      { prefix: '', transitionToIaDays: 30 },
    ],
    results: [],
  },
  lambdaMemoryMB: { firehoseTransform: 512, dynamodbStream: 512, s3Flatten: 1024, planRun: 512 },
  streamBatchSize: 100,
  streamBatchingWindowSeconds: 5,
  alarms: 3,
  secrets: 1,
  kmsKeys: 0,
  bucketsUseKms: false,
  catalogTables: 3,
  loads: false,
  privateRawRetentionDays: 14,
};

const anything = fc.anything({ withNullPrototype: false, maxDepth: 3 });

describe('a traffic profile from anyone', () => {
  it('is read or refused with a ConfigError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anything,
          fc.record({
            streams: fc.dictionary(fc.string(), anything),
            tables: anything,
            historyDays: anything,
          }),
        ),
        (document) => {
          try {
            readTrafficProfile(document, 'p.yml');
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
          }
        },
      ),
    );
  });

  it('costs a finite, non-negative amount on every line, and more traffic never costs less', () => {
    const traffic = fc.record({
      events: fc.nat({ max: 50_000_000 }),
      eventBytes: fc.integer({ min: 1, max: 1_000_000 }),
      changes: fc.nat({ max: 50_000_000 }),
      tableGB: fc.double({ min: 0, max: 10_000, noNaN: true }),
      historyDays: fc.nat({ max: 3650 }),
    });
    fc.assert(
      fc.property(traffic, (t) => {
        const estimate = (events: number) =>
          estimateMonth(
            pipeline,
            readTrafficProfile(
              {
                streams: { clicks: { eventsPerDay: events, averageEventBytes: t.eventBytes } },
                tables: { carts: { changesPerDay: t.changes, tableGB: t.tableGB } },
                historyDays: t.historyDays,
              },
              'p.yml',
            ),
            facts,
            PRICES['ap-northeast-1'],
            { transitions: 50, lambdaInvocations: { planRun: 2 }, athenaQueries: {} },
          );
        const month = estimate(t.events);
        for (const item of month.items) {
          expect(Number.isFinite(item.usd)).toBe(true);
          expect(item.usd).toBeGreaterThanOrEqual(0);
        }
        expect(estimate(t.events * 2 + 1).totalUsd).toBeGreaterThanOrEqual(month.totalUsd - 1e-9);
      }),
      { numRuns: 200 },
    );
  });
});
