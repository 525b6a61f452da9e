import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_BUCKETS } from '../../src/lib/config/storage';
import { stageWorkGroups } from '../../src/lib/query/workgroups';
import { DuckDb } from '../../src/lib/standins/athena/duckdb';
import { LocalAthena } from '../../src/lib/standins/athena/local-athena';
import { LocalCatalog } from '../../src/lib/standins/glue/local-catalog';
import { LocalObjectStore } from '../../src/lib/standins/s3/local-object-store';
import { loadHandler } from '../support/handlers';

let root: string;
let athena: LocalAthena;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-loader-handler-'));
  athena = await LocalAthena.open({
    store: new LocalObjectStore(root),
    catalog: new LocalCatalog(root),
    database: 'tributary_local',
    lakeBucket: LOCAL_BUCKETS.lake,
    resultsBucket: LOCAL_BUCKETS.results,
    ingestedTables: [],
    lakeStartDate: '2024-01-01',
    workGroups: stageWorkGroups('tributary-local'),
  });
});
afterAll(async () => {
  athena.close();
  await rm(root, { recursive: true, force: true });
});

const load = () =>
  loadHandler<unknown, { table: string; rows: number; created: boolean }>(
    () => import('../../src/handlers/loader'),
    { TRIBUTARY_LOCAL_ROOT: root, TRIBUTARY_MYSQL_URL: undefined, TRIBUTARY_POSTGRES_URL: undefined },
  );

describe('the loader handler, locally', () => {
  it('reads the query result Athena wrote and merges it into the embedded database', async () => {
    const handler = await load();
    const select = async (rows: string) =>
      (
        await athena.execute(
          `SELECT * FROM (VALUES ${rows}) AS t(dt, event_type, events, revenue)`,
          'tributary-local',
        )
      ).queryExecutionId;
    const event = {
      load: 'event_counts_to_mysql',
      table: 'daily_event_counts',
      mode: 'merge',
      keys: ['dt', 'event_type'],
    };
    const first = await handler({
      ...event,
      queryExecutionId: await select(
        "(DATE '2026-11-20', 'click', 10, CAST(1.50 AS DECIMAL(12,2))), (DATE '2026-11-20', 'signup', 2, NULL)",
      ),
    });
    expect(first).toEqual({ table: 'daily_event_counts', mode: 'merge', rows: 2, created: true });
    const second = await handler({
      ...event,
      queryExecutionId: await select("(DATE '2026-11-20', 'click', 11, CAST(2.25 AS DECIMAL(12,2)))"),
    });
    expect(second).toMatchObject({ rows: 1, created: false });

    const duck = await DuckDb.open(join(root, 'warehouse.duckdb'));
    try {
      const { rows } = await duck.query(
        'SELECT CAST(dt AS VARCHAR) AS dt, event_type, events, CAST(revenue AS VARCHAR) AS revenue FROM daily_event_counts ORDER BY event_type',
      );
      expect(rows).toEqual([
        { dt: '2026-11-20', event_type: 'click', events: 11, revenue: '2.25' },
        { dt: '2026-11-20', event_type: 'signup', events: 2, revenue: null },
      ]);
    } finally {
      duck.close();
    }
  });

  it('refuses an event that is not a planned load, naming every problem', async () => {
    const handler = await load();
    await expect(handler({ table: 'x; DROP TABLE users', mode: 'upsert' })).rejects.toThrow(
      /load event is invalid:[\s\S]*mode: expected one of merge, replace, insert[\s\S]*queryExecutionId/,
    );
  });

  it('fails clearly for a query the local engine never ran', async () => {
    const handler = await load();
    await expect(
      handler({
        load: 'l',
        table: 't',
        mode: 'insert',
        keys: [],
        queryExecutionId: 'a2b9c1d0-0000-4000-8000-000000000000',
      }),
    ).rejects.toThrow(
      'Athena query a2b9c1d0-0000-4000-8000-000000000000: the query is FAILED: no such query ran on the local engine',
    );
  });
});
