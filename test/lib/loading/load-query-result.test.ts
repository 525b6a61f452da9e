import { ConfigError } from '../../../src/lib/config/reader';
import type { AthenaResultPort } from '../../../src/lib/loading/athena-result';
import { DatabaseConfigurationError } from '../../../src/lib/loading/errors';
import {
  DatabaseUnavailableError,
  type LoadEvent,
  loadQueryResult,
  readLoadEvent,
} from '../../../src/lib/loading/load-query-result';
import type { LoadRequest, ResultRow, TableLoader } from '../../../src/lib/loading/types';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';

const ID = '0b0e2f9e-1c1d-4e6b-9d1a-3b9c2f0a7e11';
const event: LoadEvent = {
  load: 'l',
  table: 'daily_event_counts',
  mode: 'merge',
  keys: ['dt'],
  allowEmpty: false,
  queryExecutionId: ID,
};

describe('readLoadEvent', () => {
  it('accepts what the state machine sends', () => {
    expect(readLoadEvent({ ...event })).toEqual(event);
  });

  it('reads allowEmpty, and takes an event without it as refusing an empty replace', () => {
    expect(readLoadEvent({ ...event, allowEmpty: true }).allowEmpty).toBe(true);
    const { allowEmpty: _, ...older } = event;
    expect(readLoadEvent(older).allowEmpty).toBe(false);
  });

  it.each([
    [{ ...event, allowEmpty: 'true' }, 'allowEmpty'],
    [{ ...event, mode: 'upsert' }, 'mode: expected one of merge, replace, insert'],
    [{ ...event, queryExecutionId: "x'; DROP TABLE t; --" }, 'queryExecutionId'],
    [{ ...event, keys: 'dt' }, 'keys: expected a list'],
    [{ ...event, extra: 1 }, 'extra'],
  ])('refuses %j', (input, message) => {
    expect(() => readLoadEvent(input)).toThrow(ConfigError);
    expect(() => readLoadEvent(input)).toThrow(message);
  });
});

describe('loadQueryResult', () => {
  const store = new LocalObjectStore('/nonexistent');
  const athena: AthenaResultPort = {
    getQueryExecution: async () => ({
      QueryExecution: {
        Status: { State: 'SUCCEEDED' },
        ResultConfiguration: { OutputLocation: `s3://results/${ID}.csv` },
      },
    }),
    getQueryResults: async () => ({
      ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'dt', Type: 'date' }] } },
    }),
  };

  function fakeLoader(load: (request: LoadRequest) => Promise<number>) {
    const loader = {
      closed: false,
      dialect: 'duckdb' as const,
      async load(request: LoadRequest) {
        return { table: request.table, mode: request.mode, rows: await load(request), created: false };
      },
      async close() {
        loader.closed = true;
      },
    };
    return loader satisfies TableLoader;
  }

  it("hands the result to the loader with the event's table, mode, keys and allowEmpty, then closes it", async () => {
    const loader = fakeLoader(async (request) => {
      expect(request).toMatchObject({
        table: 'daily_event_counts',
        mode: 'merge',
        keys: ['dt'],
        allowEmpty: false,
      });
      expect(request.result.columns).toEqual([{ name: 'dt', type: { kind: 'date' } }]);
      return 7;
    });
    expect(await loadQueryResult(event, { athena, store, connect: async () => loader })).toMatchObject({
      rows: 7,
    });
    expect(loader.closed).toBe(true);
  });

  it('closes the connection when the load fails, and passes the failure on', async () => {
    const loader = fakeLoader(async (request) => {
      const rows: ResultRow[] = [];
      for await (const row of request.result.rows) rows.push(row);
      return rows.length;
    });
    // the result's CSV does not exist: reading the rows fails inside the load
    await expect(loadQueryResult(event, { athena, store, connect: async () => loader })).rejects.toThrow(
      /No object s3:\/\/results\//,
    );
    expect(loader.closed).toBe(true);
  });

  it('reports an unreachable database as DatabaseUnavailableError, which the state machine retries', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.3.7:3306'), { code: 'ECONNREFUSED' });
    const failure = loadQueryResult(event, { athena, store, connect: async () => Promise.reject(refused) });
    await expect(failure).rejects.toThrow(DatabaseUnavailableError);
    await expect(failure).rejects.toThrow(
      'Cannot connect to the database: connect ECONNREFUSED 10.0.3.7:3306',
    );
  });

  it('passes a refusal the configuration must fix on as it is, so the state machine does not retry it', async () => {
    const refused = new DatabaseConfigurationError(
      'mysql://loader@db.internal:3306/bi',
      'the database bi does not exist',
      'create it, or correct the database name',
    );
    const failure = loadQueryResult(event, { athena, store, connect: async () => Promise.reject(refused) });
    await expect(failure).rejects.toBe(refused);
  });
});
