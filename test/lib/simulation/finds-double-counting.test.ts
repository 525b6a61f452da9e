import { brokenInvariants, simulatedStage } from '../../support/simulation';

// put back: transforms read a stream with declared keys as written, every copy a row
jest.mock('../../../src/lib/transforms/deduplicate', () => ({
  ...jest.requireActual('../../../src/lib/transforms/deduplicate'),
  streamRelations: () => new Map(),
}));

it('the simulation finds a record delivered twice counted twice', async () => {
  const report = await simulatedStage().run({
    convergence: false,
    seed: 23,
    days: 1,
    faults: { producerDuplicate: 0.5 },
  });
  expect(brokenInvariants(report)).toContain(
    'each transform output equals its SQL over its sources, every keyed record counted once',
  );
}, 600_000);
