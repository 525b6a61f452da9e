import { brokenInvariants, simulatedStage } from '../../support/simulation';

// the limit scaled down from 500 to 20 active partitions, so a backlog that overflows it twice is
// a day's worth of hours instead of six weeks' (the rule and its code are the same)
jest.mock('../../../src/lib/firehose/partition-keys', () => ({
  ...jest.requireActual('../../../src/lib/firehose/partition-keys'),
  ACTIVE_PARTITION_LIMIT: 20,
}));

// put back: a replay sends every waiting record of a stream at once, however many hours they span
jest.mock('../../../src/lib/replay/partition-groups', () => ({
  ...jest.requireActual('../../../src/lib/replay/partition-groups'),
  groupByPartitions: (records: readonly Buffer[]) => [records],
}));

it('the simulation finds a replay that overflows the active partition limit again', async () => {
  // 50 to 60 hours of backlog: 20 land, the rest wait, and a replay of them at once overflows again
  const report = await simulatedStage().run({
    convergence: false,
    seed: 25,
    days: 1,
    faults: { backlogDay: 1 },
    backlogHours: [50, 60],
  });
  expect(brokenInvariants(report)).toContain(
    'a record held back for a passing reason reaches the lake after a replay',
  );
}, 600_000);
