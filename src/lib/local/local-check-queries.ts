import { parseS3Uri } from '../catalog/catalog';
import type { CheckQueryRunner } from '../checks/run-checks';
import type { LocalAthena } from '../standins/athena/local-athena';
import { localResultPage } from '../standins/athena/results';
import type { LocalEnvironment } from './local-environment';

/** `s3://bucket/key` in the local stand-in: the file a person opens. */
function localPath(environment: LocalEnvironment, location: string): string {
  const { bucket, key } = parseS3Uri(location);
  return environment.store.pathForPrefix(bucket, key);
}

/** Check queries on the local Athena, answered as Athena's GetQueryResults would answer them. */
export function localCheckQueryRunner(athena: LocalAthena, environment: LocalEnvironment): CheckQueryRunner {
  return {
    async run(query, maxResults) {
      const { queryExecutionId, outputLocation } = await athena.execute(query.QueryString, query.WorkGroup);
      const rows = await localResultPage(
        environment.store,
        environment.resultsBucket,
        queryExecutionId,
        maxResults,
      );
      return {
        queryExecutionId,
        rows,
        resultLocation: outputLocation && localPath(environment, outputLocation),
      };
    },
  };
}
