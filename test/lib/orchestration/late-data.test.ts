import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/lib/config/reader';
import {
  findLateDays,
  LateDataMarkerError,
  latestPossibleWrite,
} from '../../../src/lib/orchestration/late-data';
import type { RunInput } from '../../../src/lib/orchestration/run-input';
import { planPipelineRun, planTransform, type RunSettings } from '../../../src/lib/orchestration/run-plan';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { computedMarkerKey, contiguousRanges } from '../../../src/lib/transforms/transform-run';

const pipeline = bundledPipeline();
const LAKE = 'tributary-local-lake';
const COMPUTED_AT = '2026-11-19T01:30:12.345Z';
const input: RunInput = {
  from: '2026-11-20',
  to: '2026-11-20',
  exports: false,
  transforms: undefined,
  loads: true,
};
const settings: RunSettings = {
  database: 'tributary_prod',
  workGroup: 'tributary-prod',
  transformWorkGroup: 'tributary-prod-transforms',
  lakeBucket: LAKE,
  rawBucket: 'tributary-local-raw',
  dynamodbExports: [],
  auroraExport: undefined,
  loaderDatabase: true,
};

let root: string;
let store: LocalObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-late-days-'));
  store = new LocalObjectStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function putAt(key: string, body: string, time: string): Promise<void> {
  await store.put(LAKE, key, body);
  const when = new Date(time);
  await utimes(store.pathFor(LAKE, key), when, when);
}

async function markComputed(day: string, computedAt = COMPUTED_AT): Promise<void> {
  await putAt(computedMarkerKey('daily_event_counts', day), JSON.stringify({ computedAt }), computedAt);
}

const late = () => findLateDays(pipeline, input, store, { lakeBucket: LAKE, lakeStartDate: '2024-01-01' });

describe('findLateDays', () => {
  it('names a computed day whose source partition received a file since, and why', async () => {
    await markComputed('2026-11-18');
    await putAt('lake/clickstream/dt=2026-11-18/hour=23/old.parquet', 'PAR1', '2026-11-19T00:10:00.500Z');
    await putAt('lake/clickstream/dt=2026-11-18/hour=22/late.parquet', 'PAR1', '2026-11-20T08:00:00.500Z');
    expect(await late()).toEqual([
      {
        transform: 'daily_event_counts',
        day: '2026-11-18',
        reason: '1 new file in clickstream dt=2026-11-18 since 2026-11-19T01:30:12Z',
      },
    ]);
  });

  it('leaves alone days whose sources did not change, days never computed, and days outside the window', async () => {
    await markComputed('2026-11-19');
    await putAt('lake/clickstream/dt=2026-11-19/hour=10/a.parquet', 'PAR1', '2026-11-19T01:00:00.500Z');
    // never computed by a run that records it: an explicit backfill's job
    await putAt('lake/clickstream/dt=2026-11-18/hour=10/a.parquet', 'PAR1', '2026-11-20T08:00:00.500Z');
    // four days before the run: outside the default window of three
    await markComputed('2026-11-16');
    await putAt('lake/clickstream/dt=2026-11-16/hour=10/a.parquet', 'PAR1', '2026-11-20T08:00:00.500Z');
    // files Athena skips (quarantined lines) change nothing
    await markComputed('2026-11-17');
    await putAt(
      'lake/clickstream/dt=2026-11-17/hour=10/_x.quarantine.ndjson',
      '{}',
      '2026-11-20T08:00:00.500Z',
    );
    expect(await late()).toEqual([]);
  });

  it('names a computed day a backfill rebuilt since, but not one a compaction only rewrote', async () => {
    await markComputed('2026-11-18');
    await markComputed('2026-11-19');
    await putAt('lake/clickstream/dt=2026-11-18/hour=10/a.parquet', 'PAR1', '2026-11-19T00:10:00.500Z');
    await putAt('lake/clickstream/dt=2026-11-19/hour=10/a.parquet', 'PAR1', '2026-11-19T00:10:00.500Z');
    const generation = async (day: string, summary: object) => {
      const prefix = `lake/clickstream/compacted/dt=${day}/gen=1/`;
      await store.put(LAKE, `${prefix}summary.json`, JSON.stringify(summary));
      await store.put(
        LAKE,
        `lake/clickstream/compacted/manifests/dt=${day}/symlink.txt`,
        `s3://${LAKE}/${prefix}part-0.parquet\n`,
      );
    };
    await generation('2026-11-18', { reason: 'backfill', contentChangedAt: '2026-11-20T07:00:00.000Z' });
    await generation('2026-11-19', { reason: 'compact' });
    expect(await late()).toEqual([
      {
        transform: 'daily_event_counts',
        day: '2026-11-18',
        reason:
          'clickstream dt=2026-11-18 rebuilt from its raw copies at 2026-11-20T07:00:00Z, since 2026-11-19T01:30:12Z',
      },
    ]);
  });

  it('takes a LastModified on a whole second, as S3 reports it, for a file written later in that second', async () => {
    expect(latestPossibleWrite(Date.parse('2026-11-19T01:30:12.000Z'))).toBe(
      Date.parse('2026-11-19T01:30:12.999Z'),
    );
    expect(latestPossibleWrite(Date.parse('2026-11-19T01:30:12.100Z'))).toBe(
      Date.parse('2026-11-19T01:30:12.100Z'),
    );
    await markComputed('2026-11-18');
    await putAt('lake/clickstream/dt=2026-11-18/hour=23/late.parquet', 'PAR1', '2026-11-19T01:30:12.000Z');
    expect((await late()).map((r) => r.day)).toEqual(['2026-11-18']);
  });

  it('fails with the marker named when a marker cannot be read', async () => {
    await putAt(computedMarkerKey('daily_event_counts', '2026-11-18'), '{"computedAt": 7}', COMPUTED_AT);
    await expect(late()).rejects.toThrow(LateDataMarkerError);
    await expect(late()).rejects.toThrow('lake/daily_event_counts/computed/dt=2026-11-18.json');
  });
});

describe('planning recomputed days', () => {
  const recomputed = [{ transform: 'daily_event_counts', day: '2026-11-18', reason: 'r' }];

  it('reads the recomputed days again in the load, so the merge converges', () => {
    const plan = planPipelineRun(
      pipeline,
      input,
      { name: 'run', startTime: '2026-11-21T01:00:00Z' },
      settings,
      recomputed,
    );
    expect(plan.recomputed).toEqual(recomputed);
    const load = plan.loads.find((l) => l.transform === 'daily_event_counts')!;
    expect(load.query.QueryString).toBe(
      `SELECT * FROM "tributary_prod"."daily_event_counts" WHERE dt BETWEEN '2026-11-20' AND '2026-11-20' OR dt IN ('2026-11-18')`,
    );
  });

  it('computes a recomputed day in its own range, never the untouched days between', () => {
    const planned = planTransform(
      pipeline,
      { transform: 'daily_event_counts', runId: 'run', from: '2026-11-20', to: '2026-11-20', recomputed },
      settings,
      '2026-11-21T01:31:00.000Z',
    );
    expect(planned.run.days).toEqual(['2026-11-18', '2026-11-20']);
    expect(planned.run.plannedAt).toBe('2026-11-21T01:31:00.000Z');
    expect(planned.queries).toHaveLength(2);
    expect(planned.queries[0]!.QueryString).toContain(`dt BETWEEN '2026-11-18' AND '2026-11-18'`);
    expect(planned.queries[1]!.QueryString).toMatch(/^INSERT INTO/);
    expect(planned.queries[1]!.QueryString).toContain(`dt BETWEEN '2026-11-20' AND '2026-11-20'`);
  });

  it.each([
    [
      ['2026-11-17', '2026-11-19', '2026-11-20'],
      [['2026-11-17'], ['2026-11-19', '2026-11-20']],
    ],
    [['2026-02-28', '2026-03-01'], [['2026-02-28', '2026-03-01']]],
    [[], []],
  ])('splits %j into ranges of consecutive days', (days, ranges) => {
    expect(contiguousRanges(days)).toEqual(ranges);
  });
});

describe('lookbackDays in pipeline.yml', () => {
  const document = (transform: Record<string, unknown>) => ({
    database: 'tributary',
    streams: [{ name: 'clickstream', columns: [{ name: 'event_id', type: 'string' }] }],
    transforms: [
      {
        name: 'counts',
        sql: 'transforms/counts.sql',
        sqlText:
          'SELECT count(*) AS n, dt FROM {{table:clickstream}} WHERE dt BETWEEN {{from}} AND {{to}} GROUP BY dt',
        partitionedBy: ['dt'],
        sources: ['clickstream'],
        ...transform,
      },
    ],
  });

  it('defaults to three days for an incremental transform', () => {
    expect(parsePipeline(document({})).transforms[0]!.lookbackDays).toBe(3);
    expect(parsePipeline(document({ lookbackDays: 0 })).transforms[0]!.lookbackDays).toBe(0);
  });

  it.each([
    [{ lookbackDays: 32 }, 'expected an integer from 0 to 31'],
    [{ lookbackDays: 'three' }, 'expected an integer from 0 to 31'],
    [
      {
        mode: 'full',
        lookbackDays: 3,
        partitionedBy: [],
        sqlText: 'SELECT count(*) AS n FROM {{table:clickstream}}',
      },
      'a full transform is rebuilt every run, so it has no days to look back on',
    ],
  ])('refuses %j', (transform, message) => {
    expect(() => parsePipeline(document(transform))).toThrow(ConfigError);
    expect(() => parsePipeline(document(transform))).toThrow(message);
  });
});
