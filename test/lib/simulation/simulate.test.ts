import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type LocalEnvironment,
  localEnvironment,
  resetLocalRoot,
} from '../../../src/lib/local/local-environment';
import { type LocalHandlers, loadLocalHandlers } from '../../../src/lib/local/local-handlers';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { type SimulationReport, simulate } from '../../../src/lib/simulation/simulate';

/**
 * The seeds the test command runs; `tributary simulate --seeds 1000` runs a soak. Each simulates
 * two days with the default fault rates, so the set meets late and duplicate notifications,
 * producer retries, killed invocations, Athena throttling, runs of
 * today started twice and late events that break a check.
 */
const SEEDS = [1, 2, 3];
const DAYS = 2;

const pipeline = bundledPipeline();
let environment: LocalEnvironment;
let handlers: LocalHandlers;

beforeAll(async () => {
  environment = localEnvironment(await mkdtemp(join(tmpdir(), 'tributary-simulate-')), pipeline.database);
  handlers = await loadLocalHandlers(environment, pipeline);
});

/**
 * Backlogs past 500 partitions write hundreds of files a day and take a minute a seed here; the
 * put-back test of replays meets them with the limit scaled down, and `tributary simulate` with
 * the real one.
 */
async function run(seed: number, days = DAYS, compaction = true): Promise<SimulationReport> {
  await resetLocalRoot(environment);
  return simulate({ seed, days, environment, pipeline, handlers, compaction, faults: { backlogDay: 0 } });
}

describe('simulate', () => {
  it.each(SEEDS)(
    'holds every invariant under seed %i',
    async (seed) => {
      const report = await run(seed);
      expect(report.violations).toEqual([]);
      // it ran: every night's execution, and the convergence runs at the end
      expect(report.executions.length).toBeGreaterThanOrEqual(DAYS + 2);
      expect(report.counts.duplicateSends + report.counts.duplicateNotifications).toBeGreaterThan(0);
      expect(report.counts.recordsSent).toBeGreaterThan(0);
      expect(report.counts.notifications).toBeGreaterThan(0);
    },
    600_000,
  );

  // compaction.test.ts replays a seed with compaction
  it('replays a seed exactly', async () => {
    const first = await run(1, 1, false);
    const second = await run(1, 1, false);
    expect(second.scheduleDigest).toBe(first.scheduleDigest);
    expect(second.counts).toEqual(first.counts);
    expect(second.executions.map((e) => [e.name, e.status])).toEqual(
      first.executions.map((e) => [e.name, e.status]),
    );
  }, 600_000);
});
