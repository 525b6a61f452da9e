import type { LocalAthena } from '../standins/athena/local-athena';
import type { TaskHandler } from '../standins/stepfunctions/local-state-machine';

/**
 * `arn:aws:states:::athena:startQueryExecution.sync` on this machine: the local Athena runs the
 * statement, and the task's output is what GetQueryExecution says of the finished query.
 */
export function localQueryTask(athena: LocalAthena): TaskHandler {
  return async (input) => {
    const { QueryString, WorkGroup } = input as { QueryString: string; WorkGroup: string };
    const execution = await athena.execute(QueryString, WorkGroup);
    return {
      QueryExecution: {
        QueryExecutionId: execution.queryExecutionId,
        Status: { State: 'SUCCEEDED' },
        // Athena's GetQueryExecution reports the bytes it scanned; locally, the engine's estimate
        Statistics: { DataScannedInBytes: execution.scannedBytes ?? 0 },
        ...(execution.outputLocation
          ? { ResultConfiguration: { OutputLocation: execution.outputLocation } }
          : {}),
      },
    };
  };
}
