import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GetQueryExecutionCommandInput, GetQueryResultsCommandInput } from '@aws-sdk/client-athena';
import type { ColumnType } from '../../../src/lib/columns/column-types';
import { AthenaCsvError, writeAthenaCsv } from '../../../src/lib/loading/athena-csv';
import {
  AthenaResultError,
  type AthenaResultPort,
  athenaColumnType,
  readAthenaQueryResult,
} from '../../../src/lib/loading/athena-result';
import { openLoader } from '../../../src/lib/loading/connection';
import type { ResultRow } from '../../../src/lib/loading/types';
import { DuckDb } from '../../../src/lib/standins/athena/duckdb';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import type { ObjectStore } from '../../../src/lib/storage/object-store';

describe('athenaColumnType', () => {
  it.each<[string, number | undefined, number | undefined, ColumnType]>([
    ['varchar', 2147483647, 0, { kind: 'string' }],
    ['char', 3, 0, { kind: 'string' }],
    ['bigint', 19, 0, { kind: 'bigint' }],
    ['integer', 10, 0, { kind: 'int' }],
    ['smallint', 5, 0, { kind: 'int' }],
    ['tinyint', 3, 0, { kind: 'int' }],
    ['double', 17, 0, { kind: 'double' }],
    ['real', 7, 0, { kind: 'double' }],
    ['float', undefined, undefined, { kind: 'double' }],
    ['boolean', 0, 0, { kind: 'boolean' }],
    ['timestamp', 3, 0, { kind: 'timestamp' }],
    ['timestamp(3)', undefined, undefined, { kind: 'timestamp' }],
    ['date', 0, 0, { kind: 'date' }],
    ['decimal', 38, 10, { kind: 'decimal', precision: 38, scale: 10 }],
    ['decimal(18,2)', undefined, undefined, { kind: 'decimal', precision: 18, scale: 2 }],
    ['DECIMAL', 5, 0, { kind: 'decimal', precision: 5, scale: 0 }],
    ['array', 0, 0, { kind: 'string' }],
    ['array(varchar)', undefined, undefined, { kind: 'string' }],
    ['map', 0, 0, { kind: 'string' }],
    ['row', 0, 0, { kind: 'string' }],
    ['row(a integer, b array(varchar))', undefined, undefined, { kind: 'string' }],
    ['json', 0, 0, { kind: 'string' }],
    ['timestamp with time zone', 3, 0, { kind: 'string' }],
    ['timestamp(3) with time zone', undefined, undefined, { kind: 'string' }],
    ['varbinary', 0, 0, { kind: 'string' }],
  ])('maps %s (precision %s, scale %s)', (type, precision, scale, expected) => {
    expect(athenaColumnType(type, precision, scale)).toEqual(expected);
  });

  it.each([
    ['hyperloglog', undefined, undefined, 'unsupported Athena result type "hyperloglog"'],
    ['decimal', undefined, undefined, 'decimal needs a precision from 1 to 38'],
    ['decimal', 39, 2, 'decimal needs a precision from 1 to 38'],
    ['decimal(10,11)', undefined, undefined, 'decimal needs a precision from 1 to 38'],
  ])('refuses %s (precision %s, scale %s)', (type, precision, scale, message) => {
    expect(() => athenaColumnType(type, precision, scale)).toThrow(message);
  });
});

describe('readAthenaQueryResult', () => {
  const id = '4f1c2a7e-0000-4000-8000-000000000001';
  const columns = [
    { Name: 'order_id', Type: 'bigint', Precision: 19, Scale: 0 },
    { Name: 'customer', Type: 'varchar', Precision: 2147483647, Scale: 0 },
    { Name: 'total', Type: 'decimal', Precision: 38, Scale: 10 },
    { Name: 'placed_at', Type: 'timestamp', Precision: 3, Scale: 0 },
    { Name: 'tags', Type: 'array', Precision: 0, Scale: 0 },
  ];
  const rows: ResultRow[] = [
    [
      '9007199254740993',
      'Zoë "Z" Müller',
      '1234567890123456789012345678.1234567891',
      '2026-11-20 09:15:02.120',
      '[a, b]',
    ],
    ['2', '', null, null, null],
    ['3', 'line\nbreak', '-0.0000000001', '2026-11-21 00:00:00.000', '[]'],
  ];
  let root: string;
  let store: LocalObjectStore;
  let calls: Array<GetQueryExecutionCommandInput | GetQueryResultsCommandInput>;

  const athena = (
    overrides: { state?: string; reason?: string; location?: string | null; info?: unknown[] } = {},
  ) =>
    ({
      async getQueryExecution(input) {
        calls.push(input);
        return {
          QueryExecution: {
            QueryExecutionId: input.QueryExecutionId,
            StatementType: 'DML',
            Status: {
              State: (overrides.state ?? 'SUCCEEDED') as 'SUCCEEDED',
              StateChangeReason: overrides.reason,
            },
            ResultConfiguration:
              overrides.location === null
                ? {}
                : { OutputLocation: overrides.location ?? `s3://athena-results/tributary/${id}.csv` },
          },
        };
      },
      async getQueryResults(input) {
        calls.push(input);
        return {
          ResultSet: {
            Rows: [{ Data: columns.map((c) => ({ VarCharValue: c.Name })) }],
            ResultSetMetadata: { ColumnInfo: (overrides.info ?? columns) as never },
          },
        };
      },
    }) satisfies AthenaResultPort;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tributary-athena-result-'));
    store = new LocalObjectStore(root);
    calls = [];
    await store.put(
      'athena-results',
      `tributary/${id}.csv`,
      writeAthenaCsv(
        columns.map((c) => c.Name),
        rows,
      ),
    );
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function readAll(result: { rows: AsyncIterable<ResultRow> }): Promise<ResultRow[]> {
    const read: ResultRow[] = [];
    for await (const row of result.rows) read.push(row);
    return read;
  }

  it('takes the columns from one GetQueryResults call and streams the rows from the CSV in S3', async () => {
    const result = await readAthenaQueryResult(id, { athena: athena(), store });
    expect(result.columns).toEqual([
      { name: 'order_id', type: { kind: 'bigint' } },
      { name: 'customer', type: { kind: 'string' } },
      { name: 'total', type: { kind: 'decimal', precision: 38, scale: 10 } },
      { name: 'placed_at', type: { kind: 'timestamp' } },
      { name: 'tags', type: { kind: 'string' } },
    ]);
    expect(await readAll(result)).toEqual(rows);
    expect(calls).toEqual([{ QueryExecutionId: id }, { QueryExecutionId: id, MaxResults: 1 }]);
  });

  it('opens the CSV only when the rows are read, and closes it when reading stops', async () => {
    const opened: string[] = [];
    const spy: ObjectStore = {
      ...store,
      put: store.put.bind(store),
      list: store.list.bind(store),
      delete: store.delete.bind(store),
      async get(bucket, key) {
        opened.push(`${bucket}/${key}`);
        return store.get(bucket, key);
      },
    };
    const result = await readAthenaQueryResult(id, { athena: athena(), store: spy });
    expect(opened).toEqual([]);
    for await (const row of result.rows) {
      expect(row[0]).toBe('9007199254740993');
      break;
    }
    expect(opened).toEqual([`athena-results/tributary/${id}.csv`]);
  });

  it.each([
    [
      { state: 'FAILED', reason: 'SYNTAX_ERROR: line 1:8' },
      'the query is FAILED: SYNTAX_ERROR: line 1:8, not SUCCEEDED',
    ],
    [{ state: 'RUNNING' }, 'the query is RUNNING, not SUCCEEDED'],
    [{ location: null }, 'no CSV result in S3 (output location none)'],
    [{ location: `s3://athena-results/tributary/${id}.txt` }, 'no CSV result in S3'],
    [{ info: [] }, 'the result has no column metadata'],
    [
      { info: [{ Name: 'h', Type: 'hyperloglog' }] },
      'column 1 ("h"): unsupported Athena result type "hyperloglog"',
    ],
  ])('refuses a query that has no loadable result (%o)', async (overrides, message) => {
    const failure = readAthenaQueryResult(id, { athena: athena(overrides), store });
    await expect(failure).rejects.toThrow(AthenaResultError);
    await expect(failure).rejects.toThrow(`Athena query ${id}: ${message}`);
  });

  it('fails reading rows when the CSV header does not match the metadata, naming the object', async () => {
    await store.put('athena-results', `tributary/${id}.csv`, '"order_id","other"\n"1","x"\n');
    const result = await readAthenaQueryResult(id, { athena: athena(), store });
    const failure = readAll(result);
    await expect(failure).rejects.toThrow(AthenaCsvError);
    await expect(failure).rejects.toThrow(`Athena CSV s3://athena-results/tributary/${id}.csv header`);
  });

  it('loads a result end to end into a DuckDB table, exactly', async () => {
    const path = join(root, 'bi.duckdb');
    const loader = await openLoader({ dialect: 'duckdb', path });
    try {
      const result = await readAthenaQueryResult(id, { athena: athena(), store });
      expect(await loader.load({ table: 'orders', mode: 'merge', keys: ['order_id'], result })).toEqual({
        table: 'orders',
        mode: 'merge',
        rows: 3,
        created: true,
      });
    } finally {
      await loader.close();
    }
    const duck = await DuckDb.open(path);
    try {
      const stored = await duck.query(
        'SELECT order_id, customer, total::VARCHAR AS total, placed_at::VARCHAR AS placed_at, tags FROM orders ORDER BY order_id',
      );
      expect(stored.rows).toEqual([
        { order_id: '2', customer: '', total: null, placed_at: null, tags: null },
        {
          order_id: '3',
          customer: 'line\nbreak',
          total: '-0.0000000001',
          placed_at: '2026-11-21 00:00:00',
          tags: '[]',
        },
        {
          order_id: '9007199254740993',
          customer: 'Zoë "Z" Müller',
          total: '1234567890123456789012345678.1234567891',
          placed_at: '2026-11-20 09:15:02.12',
          tags: '[a, b]',
        },
      ]);
    } finally {
      duck.close();
    }
  });
});
