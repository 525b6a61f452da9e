import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { Pipeline } from '../pipeline/pipeline';
import {
  type AthenaResultRow,
  type CheckOutcome,
  type CheckQuery,
  CheckRunError,
  findCheck,
  planCheck,
  summariseCheck,
} from './check-run';
import { SAMPLE_ROWS } from './check-sql';

/** GetQueryResults' MaxResults for a check: the header row and the sampled failing rows. */
export const CHECK_RESULT_PAGE = SAMPLE_ROWS + 1;

/**
 * Runs one check query and returns the first page of its result: what the state machine's
 * `Run check query` (startQueryExecution.sync) and `Get check result` states do.
 */
export interface CheckQueryRunner {
  run(
    query: CheckQuery,
    maxResults: number,
  ): Promise<{
    readonly queryExecutionId: string;
    readonly rows: readonly AthenaResultRow[];
    /** Where the engine wrote the whole result: every failing row. */
    readonly resultLocation: string | undefined;
  }>;
}

/** A check's outcome, and where its every failing row can be read. */
export type CheckRunOutcome = CheckOutcome & { readonly resultLocation: string | undefined };

/** The checks on `table`, or every check when no table is named. */
export function checksOn(pipeline: Pipeline, table: string | undefined): string[] {
  if (table === undefined) return pipeline.checks.map((c) => c.name);
  const checks = pipeline.checks.filter((c) => c.table === table).map((c) => c.name);
  if (checks.length === 0) {
    const tables = [...new Set(pipeline.checks.map((c) => c.table))];
    throw new CheckRunError(
      `no checks on ${table} in pipeline.yml; tables with checks: ${tables.join(', ') || 'none'}`,
    );
  }
  return checks;
}

/**
 * Runs checks one after another, each as one query over the days from..to, the same query the
 * daily state machine runs; the outcomes are what its `Summarise check` step returns.
 */
export async function runChecks(
  pipeline: Pipeline,
  request: {
    readonly checks: readonly string[];
    readonly runId: string;
    readonly from: string;
    readonly to: string;
  },
  settings: { readonly database: string; readonly workGroup: string },
  runner: CheckQueryRunner,
): Promise<CheckRunOutcome[]> {
  const outcomes: CheckRunOutcome[] = [];
  for (const check of request.checks) {
    const planned = planCheck(pipeline, { ...request, check }, settings);
    const { queryExecutionId, rows, resultLocation } = await runner
      .run(planned.query, CHECK_RESULT_PAGE)
      .catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        throw new CheckQueryFailedError(`check ${check} on ${findCheck(pipeline, check).table}: ${reason}`, {
          cause: error,
        });
      });
    outcomes.push({ ...summariseCheck(pipeline, { check, queryExecutionId, rows }), resultLocation });
  }
  return outcomes;
}

/** A query Athena did not finish: failed or cancelled, with Athena's reason. */
export class CheckQueryFailedError extends Error {
  override readonly name = 'CheckQueryFailedError';
}

/**
 * Checks against a deployed stage's Athena: StartQueryExecution in the stage's enforced workgroup,
 * GetQueryExecution until the query ends (SUCCEEDED, FAILED or CANCELLED are Athena's final
 * states), then GetQueryResults' first page.
 */
export function athenaCheckQueryRunner(
  athena: Pick<AthenaClient, 'send'>,
  options: { readonly pollMs?: number; readonly sleep?: (ms: number) => Promise<void> } = {},
): CheckQueryRunner {
  const pollMs = options.pollMs ?? 1000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  return {
    async run(query, maxResults) {
      const started = await athena.send(new StartQueryExecutionCommand({ ...query }));
      const id = started.QueryExecutionId;
      if (!id) throw new CheckQueryFailedError('StartQueryExecution returned no QueryExecutionId');
      let resultLocation: string | undefined;
      for (;;) {
        const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
        const state = QueryExecution?.Status?.State;
        if (state === 'SUCCEEDED') {
          resultLocation = QueryExecution?.ResultConfiguration?.OutputLocation;
          break;
        }
        if (state === 'FAILED' || state === 'CANCELLED') {
          throw new CheckQueryFailedError(
            `Athena query ${id} ${state.toLowerCase()}: ${QueryExecution?.Status?.StateChangeReason ?? 'no reason given'}`,
          );
        }
        await sleep(pollMs);
      }
      const { ResultSet } = await athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: maxResults }),
      );
      return { queryExecutionId: id, rows: ResultSet?.Rows ?? [], resultLocation };
    },
  };
}
