import type { SimulationReport } from '../../../src/lib/simulation/simulate';
import { COMPACTED_NEXT_DAY, COMPACTION_FAULTS, simulatedStage } from '../../support/simulation';

const stage = simulatedStage(COMPACTED_NEXT_DAY);
const TIMEOUT = 300_000;
const run = (seed: number, days: number, convergence: boolean): Promise<SimulationReport> =>
  stage.run({ seed, days, convergence, faults: COMPACTION_FAULTS });

describe('compaction in the simulation', () => {
  it(
    'holds every invariant under seeds 1 and 4, which meet files landing during a lake rewrite, killed rewrites, flips lost to a competing rewrite, failed queries, and clean-ups before and after the grace period',
    async () => {
      const met = {
        compactions: 0,
        landed: 0,
        late: 0,
        killed: 0,
        superseded: 0,
        failedQueries: 0,
        withinGrace: 0,
        removed: 0,
      };
      // the final convergence check once: it runs the last day twice more, a third of a seed's time
      for (const [seed, convergence] of [
        [1, true],
        [4, false],
      ] as const) {
        const report = await run(seed, 2, convergence);
        expect({ seed, violations: report.violations }).toEqual({ seed, violations: [] });
        met.compactions += report.counts.compactions;
        met.landed += report.counts.landedDuringCompaction;
        met.late += report.counts.lateIntoCompaction;
        met.killed += report.counts.rewritesKilled;
        met.superseded += report.counts.rewritesSuperseded;
        met.failedQueries += report.counts.queriesFailed;
        met.withinGrace += report.counts.cleanupsWithinGrace;
        met.removed += report.counts.filesRemoved;
      }
      // the seeds meet what they are here for: if a change of schedule loses one, pick other seeds
      for (const [what, count] of Object.entries(met))
        expect({ what, met: count > 0 }).toEqual({ what, met: true });
    },
    TIMEOUT,
  );

  it(
    'replays a seed exactly, its compactions, kills and clean-ups included',
    async () => {
      const first = await run(2, 1, false);
      const second = await run(2, 1, false);
      const { compactions, rewritesKilled, rewritesSuperseded } = first.counts;
      expect(compactions + rewritesKilled + rewritesSuperseded).toBeGreaterThan(0);
      expect(second.scheduleDigest).toBe(first.scheduleDigest);
      expect(second.counts).toEqual(first.counts);
    },
    TIMEOUT,
  );
});
