import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dayProjection } from '../../../../src/lib/catalog/catalog';
import { bundledPipeline } from '../../../../src/lib/pipeline/bundled';
import { stageWorkGroups, WORK_GROUPS, workGroupName } from '../../../../src/lib/query/workgroups';
import { clickstreamEventJson } from '../../../../src/lib/samples/clickstream';
import { ingestedLakeTables } from '../../../../src/lib/sources/registry';
import { LocalAthena } from '../../../../src/lib/standins/athena/local-athena';
import { LocalCatalog } from '../../../../src/lib/standins/glue/local-catalog';
import { LocalObjectStore } from '../../../../src/lib/standins/s3/local-object-store';
import { getBytes, listKeys, ObjectNotFoundError } from '../../../../src/lib/storage/object-store';
import { writeClickstream } from '../../../support/lake-fixtures';

const pipeline = bundledPipeline();
const DATABASE = 'tributary_local';
const LAKE = 'tributary-local-lake';
const RESULTS = 'tributary-local-results';
const PEOPLE = workGroupName('tributary-local', 'queries');
const TRANSFORMS = workGroupName('tributary-local', 'transforms');
/** Projection's NOW in these tests: noon on 2026-11-21. */
const NOW = new Date(Date.UTC(2026, 10, 21, 12));

let root: string;
let store: LocalObjectStore;
let catalog: LocalCatalog;
let athena: LocalAthena;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-local-athena-'));
  store = new LocalObjectStore(root);
  catalog = new LocalCatalog(root);
  athena = await LocalAthena.open({
    store,
    catalog,
    database: DATABASE,
    lakeBucket: LAKE,
    resultsBucket: RESULTS,
    ingestedTables: ingestedLakeTables(pipeline),
    lakeStartDate: '2026-01-01',
    workGroups: stageWorkGroups('tributary-local'),
    now: () => NOW,
  });
});

afterAll(async () => {
  athena.close();
  await rm(root, { recursive: true, force: true });
});

/** `SELECT ... FROM (VALUES ...)` of `days` rows, one per day from 2026-01-01. */
function daysSelect(days: number): string {
  const rows = Array.from({ length: days }, (_, i) => {
    const day = new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);
    return `(${i}, '${day}')`;
  });
  return `SELECT n, dt FROM (VALUES ${rows.join(', ')}) AS t(n, dt)`;
}

function ctas(table: string, location: string | undefined, select: string, partitioned = false): string {
  const properties = [
    "format = 'PARQUET'",
    "write_compression = 'ZSTD'",
    ...(location ? [`external_location = '${location}'`] : []),
    ...(partitioned ? ["partitioned_by = ARRAY['dt']"] : []),
  ];
  return `CREATE TABLE "${DATABASE}"."${table}"\nWITH (\n  ${properties.join(',\n  ')}\n) AS\n${select}`;
}

describe('local Athena workgroups', () => {
  it('are the workgroups of the shared description, the enforced one for people and the loads', () => {
    expect(stageWorkGroups('tributary-local')).toEqual([
      expect.objectContaining({
        name: PEOPLE,
        enforceConfiguration: WORK_GROUPS.queries.enforceConfiguration,
      }),
      expect.objectContaining({
        name: TRANSFORMS,
        enforceConfiguration: WORK_GROUPS.transforms.enforceConfiguration,
      }),
    ]);
    expect(WORK_GROUPS.queries.enforceConfiguration).toBe(true);
  });

  it('fails a CTAS that names external_location in a workgroup that overrides client-side settings', async () => {
    const location = `s3://${LAKE}/lake/enforced/runs/a/`;
    await expect(athena.execute(ctas('enforced_a', location, 'SELECT 1 AS n'), PEOPLE)).rejects.toThrow(
      /external_location.*tributary-local overrides client-side settings/,
    );
    expect(await listKeys(store, LAKE, 'lake/enforced/')).toEqual([]);
    expect(await catalog.getTable(DATABASE, 'enforced_a')).toBeUndefined();
    await athena.execute(ctas('enforced_a', location, 'SELECT 1 AS n'), TRANSFORMS);
    expect((await listKeys(store, LAKE, 'lake/enforced/runs/a/')).length).toBe(1);
  });

  it('writes a CTAS without a location under the enforced workgroup result location', async () => {
    const execution = await athena.execute(ctas('enforced_b', undefined, 'SELECT 1 AS n'), PEOPLE);
    expect((await catalog.getTable(DATABASE, 'enforced_b'))?.location).toBe(
      `s3://${RESULTS}/tables/${execution.queryExecutionId}/`,
    );
  });

  it('refuses a workgroup the stage does not have', async () => {
    await expect(athena.execute('SELECT 1', 'primary')).rejects.toThrow('WorkGroup primary is not found.');
  });
});

describe('local Athena CTAS and INSERT INTO', () => {
  it('fails a CTAS into a location that already holds objects (HIVE_PATH_ALREADY_EXISTS)', async () => {
    await store.put(LAKE, 'lake/taken/runs/r1/part-0.parquet', 'left by an earlier attempt');
    await expect(
      athena.execute(ctas('taken', `s3://${LAKE}/lake/taken/runs/r1/`, 'SELECT 1 AS n'), TRANSFORMS),
    ).rejects.toThrow(
      "HIVE_PATH_ALREADY_EXISTS: Target directory for table 'tributary_local.taken' already exists: " +
        `s3://${LAKE}/lake/taken/runs/r1/`,
    );
    expect(await listKeys(store, LAKE, 'lake/taken/')).toEqual(['lake/taken/runs/r1/part-0.parquet']);
    expect(await catalog.getTable(DATABASE, 'taken')).toBeUndefined();
  });

  it('fails an INSERT INTO that writes a timestamp with time zone, writing nothing', async () => {
    const location = `s3://${LAKE}/lake/stamped/runs/a/`;
    await athena.execute(
      ctas('stamped', location, "SELECT TIMESTAMP '2026-01-01 00:00:00' AS at"),
      TRANSFORMS,
    );
    const before = await listKeys(store, LAKE, 'lake/stamped/');
    await expect(
      athena.execute(
        `INSERT INTO "${DATABASE}"."stamped"
SELECT current_timestamp AS at`,
        TRANSFORMS,
      ),
    ).rejects.toThrow(/^NOT_SUPPORTED: Unsupported Hive type: timestamp\(3\) with time zone \(column at\)/);
    expect(await listKeys(store, LAKE, 'lake/stamped/')).toEqual(before);
  });

  it('fails a CTAS or INSERT INTO that writes more than 100 partitions (HIVE_TOO_MANY_OPEN_PARTITIONS)', async () => {
    const tooMany =
      /^HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of 100 open writers for partitions\/buckets$/;
    await expect(
      athena.execute(ctas('wide', `s3://${LAKE}/lake/wide/runs/a/`, daysSelect(101), true), TRANSFORMS),
    ).rejects.toThrow(tooMany);
    expect(await listKeys(store, LAKE, 'lake/wide/')).toEqual([]);

    await athena.execute(ctas('wide', `s3://${LAKE}/lake/wide/runs/b/`, daysSelect(100), true), TRANSFORMS);
    expect(new Set((await listKeys(store, LAKE, 'lake/wide/runs/b/')).map((k) => k.split('/')[4])).size).toBe(
      100,
    );
    await expect(
      athena.execute(`INSERT INTO "${DATABASE}"."wide"\n${daysSelect(101)}`, TRANSFORMS),
    ).rejects.toThrow(tooMany);
    await athena.execute(`INSERT INTO "${DATABASE}"."wide"\n${daysSelect(100)}`, TRANSFORMS);
  });
});

describe('local Athena bucketed CTAS', () => {
  const bucketed = (table: string, properties: string, select: string) =>
    `CREATE TABLE "${DATABASE}"."${table}" WITH (format = 'PARQUET', ` +
    `external_location = 's3://${LAKE}/lake/${table}/data/'${properties}) AS ${select}`;
  const ids = (n: number) =>
    `SELECT id, 'x' AS note FROM (VALUES ${Array.from({ length: n }, (_, i) => `(${i})`).join(', ')}) AS t(id)`;

  it('writes a CTAS with bucketed_by and bucket_count as at most bucket_count files, each key in one of them', async () => {
    await athena.execute(
      bucketed('four', ", bucketed_by = ARRAY['id'], bucket_count = 4", ids(200)),
      TRANSFORMS,
    );
    const files = await listKeys(store, LAKE, 'lake/four/data/');
    expect(files.length).toBeGreaterThan(1);
    expect(files.length).toBeLessThanOrEqual(4);
    const { rows } = await athena.query(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM "${DATABASE}"."four"`,
    );
    expect(rows[0]).toEqual({ n: '200', ids: '200' });

    await athena.execute(
      bucketed('one', ", bucketed_by = ARRAY['id'], bucket_count = 1", ids(50)),
      TRANSFORMS,
    );
    expect(await listKeys(store, LAKE, 'lake/one/data/')).toHaveLength(1);
  });

  it.each([
    ['bucketed_by without bucket_count', ", bucketed_by = ARRAY['id']", /bucket_count must be specified/],
    ['bucket_count without bucketed_by', ', bucket_count = 4', /bucketed_by must be specified/],
    ['a bucket column the query does not write', ", bucketed_by = ARRAY['nope'], bucket_count = 2", /nope/],
    [
      'more than 100 buckets',
      ", bucketed_by = ARRAY['id'], bucket_count = 101",
      /HIVE_TOO_MANY_OPEN_PARTITIONS/,
    ],
  ])('refuses a CTAS with %s, writing nothing', async (_case, properties, message) => {
    const table = `refused_${Math.random().toString(36).slice(2, 8)}`;
    await expect(athena.execute(bucketed(table, properties, ids(10)), TRANSFORMS)).rejects.toThrow(message);
    expect(await listKeys(store, LAKE, `lake/${table}/`)).toEqual([]);
    expect(await catalog.getTable(DATABASE, table)).toBeUndefined();
  });

  it('refuses an INSERT INTO a bucketed table, as Athena does', async () => {
    await athena.execute(
      bucketed('fixed', ", bucketed_by = ARRAY['id'], bucket_count = 2", ids(10)),
      TRANSFORMS,
    );
    await expect(athena.execute(`INSERT INTO "${DATABASE}"."fixed"\n${ids(3)}`, TRANSFORMS)).rejects.toThrow(
      /bucketed/,
    );
  });
});

describe('local Athena partition projection', () => {
  beforeAll(async () => {
    const event = clickstreamEventJson(0, { seed: 5, start: Date.UTC(2026, 10, 20, 5), eventsPerDay: 1 });
    await writeClickstream(store, LAKE, pipeline, [event]);
    const [written] = await listKeys(store, LAKE, 'lake/clickstream/');
    const body = await getBytes(store, LAKE, written!);
    for (const partition of [
      'dt=2026-11-21/hour=23', // today, a later hour: served
      'dt=2026-01-01/hour=00', // the lake's first day: served
      'dt=2025-12-31/hour=05', // before lakeStartDate
      'dt=2026-11-22/hour=00', // after today
      'dt=2026-11-5/hour=05', // not yyyy-MM-dd
      'dt=2026-02-30/hour=05', // no such day
      'dt=2026-11-20/hour=5', // hour without its two digits
      'dt=2026-11-20/hour=24',
    ]) {
      await store.put(LAKE, `lake/clickstream/${partition}/copy.parquet`, body);
    }
    await store.put(LAKE, 'lake/clickstream/stray.parquet', body);
  });

  it('shows an ingested table only in the partitions projection serves, from lakeStartDate to today', async () => {
    const { rows } = await athena.query(
      'SELECT dt, hour, count(*) AS events FROM clickstream GROUP BY dt, hour ORDER BY dt, hour',
    );
    expect(rows.map((r) => `${r.dt}/${r.hour}`)).toEqual(['2026-01-01/00', '2026-11-20/05', '2026-11-21/23']);
  });

  it('shows a catalog table with projection only in the days it serves', async () => {
    await athena.execute(ctas('by_day', `s3://${LAKE}/lake/by_day/runs/a/`, daysSelect(3), true), TRANSFORMS);
    await store.put(
      LAKE,
      'lake/by_day/runs/a/dt=2027-01-01/late.parquet',
      await getBytes(store, LAKE, (await listKeys(store, LAKE, 'lake/by_day/runs/a/dt=2026-01-01/'))[0]!),
    );
    const staging = (await catalog.getTable(DATABASE, 'by_day'))!;
    await catalog.putTable(DATABASE, {
      ...staging,
      parameters: dayProjection('2026-01-02', `s3://${LAKE}/lake/by_day/runs/a/dt=\${dt}/`),
    });
    const { rows } = await athena.query('SELECT DISTINCT dt FROM by_day ORDER BY dt');
    expect(rows.map((r) => r.dt)).toEqual(['2026-01-02', '2026-01-03']);
  });
});

describe('local Athena while other statements change the catalog', () => {
  // Athena runs a level's transforms at once; one publishing or discarding its run table must not
  // fail another's query, as it never does in AWS
  it('runs a query when a table is dropped, or a manifest removed, between being listed and read', async () => {
    await athena.execute(ctas('kept', `s3://${LAKE}/lake/kept/runs/a/`, daysSelect(2)), TRANSFORMS);
    await catalog.putTable(DATABASE, {
      ...(await catalog.getTable(DATABASE, 'kept'))!,
      name: 'published',
      location: `s3://${LAKE}/lake/published/`,
      format: 'parquet-manifest',
    });
    await store.put(
      LAKE,
      'lake/published/dt=2026-01-01/symlink.txt',
      Buffer.from(`s3://${LAKE}/gone.parquet\n`),
    );
    class DroppingCatalog extends LocalCatalog {
      override async listTables(database: string, prefix: string): Promise<string[]> {
        return [...(await super.listTables(database, prefix)), 'dropped_meanwhile'];
      }
    }
    class RemovingStore extends LocalObjectStore {
      override async get(bucket: string, key: string) {
        if (key.endsWith('symlink.txt')) throw new ObjectNotFoundError(bucket, key);
        return super.get(bucket, key);
      }
    }
    const racing = await LocalAthena.open({
      store: new RemovingStore(root),
      catalog: new DroppingCatalog(root),
      database: DATABASE,
      lakeBucket: LAKE,
      resultsBucket: RESULTS,
      ingestedTables: ingestedLakeTables(pipeline),
      lakeStartDate: '2026-01-01',
      workGroups: stageWorkGroups('tributary-local'),
      now: () => NOW,
    });
    try {
      const { rows } = await racing.query('SELECT count(*) AS n FROM kept');
      expect(rows).toEqual([{ n: '2' }]);
      expect((await racing.query('SELECT count(*) AS n FROM published')).rows).toEqual([{ n: '0' }]);
    } finally {
      racing.close();
    }
  });
});

describe('local Athena reads only the lake it serves', () => {
  let sandboxRoot: string;
  let sandboxed: LocalAthena;

  beforeAll(async () => {
    sandboxRoot = await mkdtemp(join(tmpdir(), 'tributary-local-athena-sandbox-'));
    const event = clickstreamEventJson(0, { seed: 5, start: Date.UTC(2026, 10, 20, 5), eventsPerDay: 1 });
    await writeClickstream(new LocalObjectStore(sandboxRoot), LAKE, pipeline, [event]);
    sandboxed = await LocalAthena.open({
      store: new LocalObjectStore(sandboxRoot),
      catalog: new LocalCatalog(sandboxRoot),
      database: DATABASE,
      lakeBucket: LAKE,
      resultsBucket: RESULTS,
      ingestedTables: ingestedLakeTables(pipeline),
      lakeStartDate: '2026-01-01',
      workGroups: stageWorkGroups('tributary-local'),
      now: () => NOW,
    });
  });

  afterAll(async () => {
    sandboxed.close();
    await rm(sandboxRoot, { recursive: true, force: true });
  });

  // Athena reads only its catalog's tables; SQL that reads a file by path passes locally only if
  // the local engine lets it, so it must not
  it.each([
    ['read_csv of /etc/passwd', "SELECT * FROM read_csv('/etc/passwd')"],
    ['read_text', "SELECT content FROM read_text('/etc/hostname')"],
    ['glob', "SELECT * FROM glob('/etc/*')"],
    ['read_parquet of a file outside the root', "SELECT * FROM read_parquet('/tmp/elsewhere.parquet')"],
    ['a path as a table', "SELECT * FROM '/etc/passwd'"],
    ['a path as a quoted name', 'SELECT * FROM "/etc/passwd"'],
    ['a path that climbs out of the lake', `SELECT * FROM 'tributary-local-lake/../../etc/passwd'`],
    ['COPY to a file', "COPY (SELECT 1) TO '/tmp/copied.csv'"],
    ['a query followed by COPY', "SELECT 1; COPY (SELECT 1) TO '/tmp/copied.csv'"],
    ['ATTACH', "ATTACH '/tmp/other.duckdb' AS other"],
    ['INSTALL', 'INSTALL httpfs'],
    ['LOAD', 'LOAD httpfs'],
    ['SET to switch access back on', 'SET enable_external_access = true'],
    ['DuckDB running SQL from a string', "SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')"],
  ])('refuses %s, saying Athena reads only catalog tables', async (_what, sql) => {
    await expect(sandboxed.query(sql)).rejects.toMatchObject({
      name: 'CatalogTablesOnlyError',
      message: expect.stringContaining('Athena reads only the tables in its catalog'),
    });
  });

  it('refuses the same SQL in a statement Athena runs', async () => {
    await expect(
      sandboxed.execute(ctas('leak', undefined, "SELECT * FROM read_csv('/etc/passwd')"), PEOPLE),
    ).rejects.toMatchObject({ name: 'CatalogTablesOnlyError' });
    await expect(sandboxed.execute("SELECT * FROM read_text('/etc/hostname')", PEOPLE)).rejects.toMatchObject(
      {
        name: 'CatalogTablesOnlyError',
      },
    );
  });

  it('still reads the lake and lists the tables a query can read', async () => {
    expect((await sandboxed.query('SELECT count(*) AS n FROM clickstream')).rows).toEqual([{ n: '1' }]);
    expect(await sandboxed.tableNames()).toEqual(expect.arrayContaining(['clickstream', 'users_changes']));
  });
});
