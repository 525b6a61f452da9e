import type { AthenaClient } from '@aws-sdk/client-athena';
import { CheckRunError } from '../../../src/lib/checks/check-run';
import {
  athenaCheckQueryRunner,
  CHECK_RESULT_PAGE,
  CheckQueryFailedError,
  type CheckQueryRunner,
  checksOn,
  runChecks,
} from '../../../src/lib/checks/run-checks';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';

const pipeline = bundledPipeline();
const settings = { database: 'tributary_prod', workGroup: 'tributary-prod' };
const header = { Data: [{ VarCharValue: 'event_type' }, { VarCharValue: 'check_failures' }] };

/** A fake Athena client: answers each command by its name, recording what it was sent. */
function fakeAthena(answers: Record<string, (input: any) => unknown>) {
  const sent: Array<[string, any]> = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      sent.push([name, command.input]);
      const answer = answers[name];
      if (!answer) throw new Error(`unexpected ${name}`);
      return answer(command.input);
    },
  } as unknown as Pick<AthenaClient, 'send'>;
  return { client, sent };
}

describe('checksOn', () => {
  it('is every check without a table, and the checks on a table with one', () => {
    expect(checksOn(pipeline, undefined)).toEqual(pipeline.checks.map((c) => c.name));
    expect(checksOn(pipeline, 'clickstream')).toEqual(['clickstream_every_day', 'known_event_types']);
  });

  it('names the tables that have checks when the table has none', () => {
    expect(() => checksOn(pipeline, 'users')).toThrow(
      new CheckRunError(
        'no checks on users in pipeline.yml; tables with checks: daily_event_counts, clickstream',
      ),
    );
  });
});

describe('runChecks', () => {
  it("runs one query per check, reads one page of it and summarises it as the state machine's step does", async () => {
    const queries: Array<[string, number]> = [];
    const runner: CheckQueryRunner = {
      async run(query, maxResults) {
        queries.push([query.QueryString, maxResults]);
        const failing = query.QueryString.includes('IS NULL');
        return {
          queryExecutionId: `q${queries.length}`,
          rows: failing ? [header, { Data: [{}, { VarCharValue: '4' }] }] : [header],
          resultLocation: `s3://results/q${queries.length}.csv`,
        };
      },
    };
    const outcomes = await runChecks(
      pipeline,
      {
        checks: ['event_counts_keyed', 'event_counts_typed'],
        runId: 'r',
        from: '2026-11-20',
        to: '2026-11-20',
      },
      settings,
      runner,
    );
    expect(queries.map(([, max]) => max)).toEqual([CHECK_RESULT_PAGE, CHECK_RESULT_PAGE]);
    expect(outcomes).toEqual([
      expect.objectContaining({
        check: 'event_counts_keyed',
        passed: true,
        failures: 0,
        queryExecutionId: 'q1',
      }),
      expect.objectContaining({
        check: 'event_counts_typed',
        passed: false,
        failures: 4,
        sample: [{ event_type: null }],
        queryExecutionId: 'q2',
        resultLocation: 's3://results/q2.csv',
      }),
    ]);
  });

  it('names the check and its table when its query fails', async () => {
    const runner: CheckQueryRunner = {
      async run() {
        throw new CheckQueryFailedError('Athena query q-3 failed: TABLE_NOT_FOUND');
      },
    };
    const request = { checks: ['event_counts_typed'], runId: 'r', from: '2026-11-20', to: '2026-11-20' };
    await expect(runChecks(pipeline, request, settings, runner)).rejects.toMatchObject({
      name: 'CheckQueryFailedError',
      message: 'check event_counts_typed on daily_event_counts: Athena query q-3 failed: TABLE_NOT_FOUND',
    });
  });
});

describe('athenaCheckQueryRunner', () => {
  const query = {
    QueryString: 'SELECT 1',
    WorkGroup: 'tributary-prod',
    QueryExecutionContext: { Database: 'tributary_prod' },
  };

  it('starts the query, polls until it succeeds, then reads the first page', async () => {
    const states = ['QUEUED', 'RUNNING', 'SUCCEEDED'];
    const { client, sent } = fakeAthena({
      StartQueryExecution: () => ({ QueryExecutionId: 'q-1' }),
      GetQueryExecution: () => {
        const State = states.shift();
        return {
          QueryExecution: {
            Status: { State },
            ...(State === 'SUCCEEDED'
              ? { ResultConfiguration: { OutputLocation: 's3://results/q-1.csv' } }
              : {}),
          },
        };
      },
      GetQueryResults: () => ({ ResultSet: { Rows: [header] } }),
    });
    const slept: number[] = [];
    const runner = athenaCheckQueryRunner(client, { pollMs: 250, sleep: async (ms) => void slept.push(ms) });
    expect(await runner.run(query, 11)).toEqual({
      queryExecutionId: 'q-1',
      rows: [header],
      resultLocation: 's3://results/q-1.csv',
    });
    expect(sent).toEqual([
      ['StartQueryExecution', query],
      ['GetQueryExecution', { QueryExecutionId: 'q-1' }],
      ['GetQueryExecution', { QueryExecutionId: 'q-1' }],
      ['GetQueryExecution', { QueryExecutionId: 'q-1' }],
      ['GetQueryResults', { QueryExecutionId: 'q-1', MaxResults: 11 }],
    ]);
    expect(slept).toEqual([250, 250]);
  });

  it.each(['FAILED', 'CANCELLED'])('fails with Athena’s reason when the query ends %s', async (state) => {
    const { client } = fakeAthena({
      StartQueryExecution: () => ({ QueryExecutionId: 'q-2' }),
      GetQueryExecution: () => ({
        QueryExecution: { Status: { State: state, StateChangeReason: 'Bytes scanned limit was exceeded' } },
      }),
    });
    await expect(athenaCheckQueryRunner(client).run(query, 11)).rejects.toThrow(
      new CheckQueryFailedError(`Athena query q-2 ${state.toLowerCase()}: Bytes scanned limit was exceeded`),
    );
  });
});
