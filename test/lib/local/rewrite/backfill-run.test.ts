import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localEnvironment, openLocalAthena } from '../../../../src/lib/local/local-environment';
import { runLakeRewriteLocally } from '../../../../src/lib/local/rewrite/lake-rewrite-run';
import { type Pipeline, parsePipeline } from '../../../../src/lib/pipeline/pipeline';
import { readDayState, rewrittenContentAt } from '../../../../src/lib/rewrite/day-state';
import { streamLakeRelation } from '../../../../src/lib/rewrite/lake-sql';
import { objectStorePointers } from '../../../../src/lib/rewrite/pointer-store';
import { AFTER, producersSentCampaignForThreeDays } from '../../../support/raw-deliveries';

/** pipeline.yml once `campaign__name` is declared. */
const pipeline: Pipeline = {
  ...parsePipeline({
    database: 'lake',
    streams: [{ name: 'clicks', columns: [{ name: 'n', type: 'bigint' }] }],
  }),
  streams: [AFTER],
};

let root: string;
let environment: ReturnType<typeof localEnvironment>;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-backfill-run-'));
  environment = localEnvironment(root, pipeline.database);
  await producersSentCampaignForThreeDays(environment.store, {
    lake: environment.lakeBucket,
    raw: environment.rawBucket,
  });
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function readStream(): Promise<string[]> {
  const athena = await openLocalAthena(environment, pipeline);
  try {
    // every row as stored, copies included: what the rewrite left
    const { rows } = await athena.query(
      `SELECT dt, event_id, n, campaign__name FROM ${streamLakeRelation(environment.database, AFTER)} ORDER BY 1, 2`,
    );
    return rows.map((r) => `${r.dt} ${r.event_id} ${r.n} ${r.campaign__name ?? '-'}`);
  } finally {
    athena.close();
  }
}

describe('a backfill through the lake-rewrite state machine, as deployed', () => {
  it('rebuilds each day from the raw copies, then compacts it to one copy per key, and marks it for the transforms', async () => {
    expect(await readStream()).toEqual([
      '2026-11-18 a 1 -',
      '2026-11-18 b 2 -',
      '2026-11-18 late 4 -',
      '2026-11-19 c 3 -',
      '2026-11-19 c 3 -',
      '2026-11-20 d 5 -',
    ]);
    const run = await runLakeRewriteLocally(environment, pipeline, {
      backfill: { stream: 'clicks', from: '2026-11-18', to: '2026-11-20' },
    });
    expect(run.execution.status).toBe('SUCCEEDED');
    const visited = run.execution.steps.map((s) => s.state);
    expect(visited.filter((s) => s === 'Rebuild day')).toHaveLength(3);
    expect(visited.filter((s) => s === 'Run CTAS')).toHaveLength(3);
    expect(await readStream()).toEqual([
      '2026-11-18 a 1 spring-a',
      '2026-11-18 b 2 spring-b',
      '2026-11-18 late 4 spring-late',
      '2026-11-19 c 3 spring-c',
      '2026-11-20 d 5 spring-d',
    ]);
    const pointers = objectStorePointers(environment.store);
    const day = await readDayState(
      environment.store,
      pointers,
      environment.lakeBucket,
      'clicks',
      '2026-11-19',
    );
    expect(day.current?.summary).toMatchObject({
      reason: 'compact',
      rowsIn: 2,
      rowsOut: 1,
      duplicatesDropped: 1,
    });
    // the compaction keeps the backfill's mark: the next run computes the day's transforms again
    expect(
      await rewrittenContentAt(environment.store, pointers, environment.lakeBucket, 'clicks', '2026-11-19'),
    ).toBeDefined();
  });

  it('fails a day with no raw copy behind it by name, leaves it as it was, and rebuilds the others', async () => {
    for await (const object of environment.store.list(environment.rawBucket, 'firehose/clicks/'))
      if (object.key.includes('/2026/11/20/'))
        await environment.store.delete(environment.rawBucket, object.key);
    const run = await runLakeRewriteLocally(environment, pipeline, {
      backfill: { stream: 'clicks', from: '2026-11-19', to: '2026-11-20' },
    });
    expect(run.execution.status).toBe('FAILED');
    expect(run.execution.error?.cause).toMatch(/clicks dt=2026-11-20: BackfillError: No raw copy/);
    expect(run.alerts).toHaveLength(1);
    expect(await readStream()).toEqual([
      '2026-11-18 a 1 -',
      '2026-11-18 b 2 -',
      '2026-11-18 late 4 -',
      '2026-11-19 c 3 spring-c',
      '2026-11-20 d 5 -',
    ]);
  });

  it.each([
    [{ stream: 'nope', from: '2026-11-18' }, 'No stream "nope"'],
    [{ stream: 'clicks', from: '2026-11-20', to: '2026-11-18' }, 'is before backfill.from'],
    [{ stream: 'clicks', from: '2026-01-01', to: '2026-03-01' }, 'at most 31 per execution'],
    [{ stream: 'clicks', from: '2999-01-01' }, 'after today'],
  ])('refuses %j before touching the lake', async (backfill, message) => {
    const run = await runLakeRewriteLocally(environment, pipeline, { backfill });
    expect(run.execution.status).toBe('FAILED');
    expect(run.execution.error?.cause).toContain(message);
  });
});
