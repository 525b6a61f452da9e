import { brokenInvariants, simulatedStage } from '../../support/simulation';

// put back: a replay sends every waiting record of a stream at once, however many hours they span
jest.mock('../../../src/lib/replay/partition-groups', () => ({
  ...jest.requireActual('../../../src/lib/replay/partition-groups'),
  groupByPartitions: (records: readonly Buffer[]) => [records],
}));

it('the simulation finds a replay that overflows 500 active partitions again', async () => {
  // a backlog of more than 1,000 hours: more than 500 of them wait, and a replay of them at once
  // meets the limit again
  const report = await simulatedStage().run({
    seed: 25,
    days: 1,
    faults: { backlogDay: 1 },
    backlogHours: [1010, 1030],
  });
  expect(brokenInvariants(report)).toContain(
    'a record held back for a passing reason reaches the lake after a replay',
  );
}, 600_000);
