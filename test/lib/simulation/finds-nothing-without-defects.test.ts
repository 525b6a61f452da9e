import { simulatedStage } from '../../support/simulation';

// the same scaled-down limit as the put-back test of replays (finds-partition-overflow.test.ts)
jest.mock('../../../src/lib/firehose/partition-keys', () => ({
  ...jest.requireActual('../../../src/lib/firehose/partition-keys'),
  ACTIVE_PARTITION_LIMIT: 20,
}));

/** The fault profiles of the put-back tests in files of their own, with the defect left out. */
describe('with the faults of the put-back tests and no defect, the simulation finds nothing', () => {
  const stage = simulatedStage();
  it.each([
    [
      'records delivered twice',
      { convergence: false, seed: 23, days: 1, faults: { producerDuplicate: 0.5 } },
    ],
    [
      'changes the stream Lambda cannot take',
      { convergence: false, seed: 26, days: 1, faults: { poisonChange: 1 } },
    ],
    [
      'a backlog over the active partition limit',
      {
        convergence: false,
        seed: 25,
        days: 1,
        faults: { backlogDay: 1 },
        backlogHours: [50, 60] as [number, number],
      },
    ],
  ] as const)(
    '%s',
    async (_name, options) => {
      expect((await stage.run(options)).violations).toEqual([]);
    },
    600_000,
  );
});
