import {
  brokenInvariants,
  COMPACTED_NEXT_DAY,
  COMPACTION_FAULTS,
  simulatedStage,
} from '../../support/simulation';

// put back: a reader of a rewritten day takes its generation and every live file, the ones the
// generation consumed too, wherever the filter sits (the stand-in's readable files, the lake SQL)
jest.mock('../../../src/lib/rewrite/readable-files', () => {
  const actual = jest.requireActual<typeof import('../../../src/lib/rewrite/readable-files')>(
    '../../../src/lib/rewrite/readable-files',
  );
  return {
    ...actual,
    readableFiles: async (...args: Parameters<typeof actual.readableFiles>) => {
      const { compacted } = await actual.readableFiles(...args);
      const [, , , , servedLive] = args;
      return { live: [...servedLive], compacted };
    },
  };
});
jest.mock('../../../src/lib/rewrite/lake-sql', () => {
  const actual = jest.requireActual<typeof import('../../../src/lib/rewrite/lake-sql')>(
    '../../../src/lib/rewrite/lake-sql',
  );
  return {
    ...actual,
    streamLakeRelation: (...args: Parameters<typeof actual.streamLakeRelation>) => {
      const sql = actual.streamLakeRelation(...args);
      const unfiltered = sql.replace(/WHERE "consumed"\."_consumed" IS NULL/, 'WHERE true');
      if (unfiltered === sql)
        throw new Error(
          'streamLakeRelation no longer filters consumed files this way: put the defect back where it does',
        );
      return unfiltered;
    },
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
