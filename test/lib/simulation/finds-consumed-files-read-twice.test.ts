import {
  brokenInvariants,
  COMPACTED_NEXT_DAY,
  COMPACTION_FAULTS,
  simulatedStage,
} from '../../support/simulation';

// put back: a reader of a rewritten day takes its generation and every live file of the day, the
// ones the generation consumed too (the lake SQL's anti-join on "$path" keeps every row)
jest.mock('../../../src/lib/rewrite/lake-sql', () => {
  const actual = jest.requireActual<typeof import('../../../src/lib/rewrite/lake-sql')>(
    '../../../src/lib/rewrite/lake-sql',
  );
  const unfiltered = (...args: Parameters<typeof actual.streamLakeRelation>) => {
    const sql = actual.streamLakeRelation(...args);
    const open = sql.replace(/WHERE "consumed"\."_consumed" IS NULL/, 'WHERE true');
    if (open === sql)
      throw new Error(
        'streamLakeRelation no longer filters consumed files this way: put the defect back where it does',
      );
    return open;
  };
  return {
    ...actual,
    streamLakeRelation: unfiltered,
    streamLakeRelations: (...[pipeline, database]: Parameters<typeof actual.streamLakeRelations>) =>
      new Map(pipeline.streams.map((stream) => [stream.name, unfiltered(database, stream)])),
  };
});

it('the simulation finds a compacted day read together with the live files its generation consumed', async () => {
  const report = await simulatedStage(COMPACTED_NEXT_DAY).run({
    convergence: false,
    seed: 1,
    days: 2,
    faults: COMPACTION_FAULTS,
  });
  expect(brokenInvariants(report)).toContain(
    'a day never reads both a generation and the live files it consumed',
  );
}, 300_000);
