import type { CheckQueryRunner } from '../checks/run-checks';
import type { LocalAthena } from '../query/local-athena';
import { localResultPage } from '../query/local-athena-results';
import type { LocalEnvironment } from './local-environment';

/** Check queries on the local Athena, answered as Athena's GetQueryResults would answer them. */
export function localCheckQueryRunner(athena: LocalAthena, environment: LocalEnvironment): CheckQueryRunner {
  return {
    async run(query, maxResults) {
      const { queryExecutionId } = await athena.execute(query.QueryString, query.WorkGroup);
      const rows = await localResultPage(
        environment.store,
        environment.resultsBucket,
        queryExecutionId,
        maxResults,
      );
      return { queryExecutionId, rows };
    },
  };
}
