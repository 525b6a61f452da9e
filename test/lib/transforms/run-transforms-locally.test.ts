import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import type { TransformSpec } from '../../../src/lib/pipeline/transform-spec';
import { stageWorkGroups, workGroupName } from '../../../src/lib/query/workgroups';
import { clickstreamEvent, clickstreamEventJson } from '../../../src/lib/samples/clickstream';
import { userItem } from '../../../src/lib/samples/users';
import { ingestedLakeTables } from '../../../src/lib/sources/registry';
import { LocalAthena } from '../../../src/lib/standins/athena/local-athena';
import { LocalCatalog } from '../../../src/lib/standins/glue/local-catalog';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { listKeys } from '../../../src/lib/storage/object-store';
import { discardTransformRun, publishTransformRun } from '../../../src/lib/transforms/publish';
import { planTransformRun } from '../../../src/lib/transforms/transform-run';
import { writeClickstream, writeUsers } from '../../support/lake-fixtures';

const pipeline = bundledPipeline();
const DATABASE = 'tributary_local';
const LAKE = 'tributary-local-lake';
const RAW = 'tributary-local-raw';
const EVENTS = 900;
const EVENT_OPTIONS = { seed: 3, start: Date.UTC(2026, 10, 19), eventsPerDay: 300 };

let root: string;
let store: LocalObjectStore;
let catalog: LocalCatalog;
let athena: LocalAthena;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-transforms-'));
  store = new LocalObjectStore(root);
  catalog = new LocalCatalog(root);
  const events = Array.from({ length: EVENTS }, (_, i) => clickstreamEventJson(i, EVENT_OPTIONS));
  await writeClickstream(store, LAKE, pipeline, events);
  await writeUsers(store, RAW, LAKE, pipeline);
  athena = await LocalAthena.open({
    store,
    catalog,
    database: DATABASE,
    lakeBucket: LAKE,
    resultsBucket: 'tributary-local-results',
    ingestedTables: ingestedLakeTables(pipeline),
    lakeStartDate: '2024-01-01',
    workGroups: stageWorkGroups('tributary-local'),
  });
}, 60_000);

afterAll(async () => {
  athena.close();
  await rm(root, { recursive: true, force: true });
});

const TRANSFORMS = workGroupName('tributary-local', 'transforms');
const spec = (name: string): TransformSpec => pipeline.transforms.find((t) => t.name === name)!;
const publishing = () => ({
  catalog,
  store,
  database: DATABASE,
  lakeBucket: LAKE,
  lakeStartDate: '2024-01-01',
});

async function runTransform(name: string, runId: string, from: string, to = from) {
  const run = planTransformRun(spec(name), { runId, database: DATABASE, lakeBucket: LAKE, from, to });
  for (const statement of run.statements) await athena.execute(statement, TRANSFORMS);
  await publishTransformRun(run, publishing());
  return run;
}

/** daily_event_counts computed directly from the generated events. */
function expectedCounts(day: string) {
  const groups = new Map<
    string,
    { events: number; visitors: Set<string>; users: Set<number>; cents: number }
  >();
  for (let i = 0; i < EVENTS; i++) {
    const event = clickstreamEvent(i, EVENT_OPTIONS) as any;
    if (event.event_time.slice(0, 10) !== day) continue;
    const group = groups.get(event.event_type) ?? {
      events: 0,
      visitors: new Set(),
      users: new Set(),
      cents: 0,
    };
    group.events++;
    group.visitors.add(event.anonymousId);
    group.users.add(event.user.id);
    group.cents += Math.round(event.properties.value * 100);
    groups.set(event.event_type, group);
  }
  return [...groups]
    .map(([type, g]) => ({
      event_type: type,
      events: String(g.events),
      visitors: String(g.visitors.size),
      users: String(g.users.size),
      revenue: (g.cents / 100).toFixed(2),
      dt: day,
    }))
    .sort((a, b) => a.event_type.localeCompare(b.event_type));
}

const counts = async () =>
  (await athena.query('SELECT * FROM daily_event_counts ORDER BY dt, event_type')).rows.map((r) => ({
    ...r,
  }));

describe('transforms on the local engine', () => {
  it('computes daily_event_counts for a day as Athena would, into compressed Parquet under dt', async () => {
    const run = await runTransform('daily_event_counts', 'run-1', '2026-11-20');
    expect(await counts()).toEqual(expectedCounts('2026-11-20'));
    const files = await listKeys(store, LAKE, run.outputPrefix);
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.startsWith(`${run.outputPrefix}dt=2026-11-20/`))).toBe(true);
    const table = await catalog.getTable(DATABASE, 'daily_event_counts');
    expect(table).toMatchObject({
      format: 'parquet-manifest',
      partitionKeys: [{ name: 'dt', type: 'string' }],
    });
    expect(table!.parameters['storage.location.template']).toBe(
      `s3://${LAKE}/lake/daily_event_counts/manifests/dt=\${dt}/`,
    );
    expect(await catalog.getTable(DATABASE, run.stagingTable)).toBeUndefined();
  });

  it('replaces a day on re-run: same contents, no duplicates, the old files gone', async () => {
    const first = await runTransform('daily_event_counts', 'run-2', '2026-11-19');
    const before = await counts();
    const second = await runTransform('daily_event_counts', 'run-3', '2026-11-19');
    expect(await counts()).toEqual(before);
    expect(await listKeys(store, LAKE, first.outputPrefix)).toEqual([]);
    expect((await listKeys(store, LAKE, second.outputPrefix)).length).toBeGreaterThan(0);
  });

  it('backfills a range longer than 100 days with a CTAS and INSERT INTO chunks', async () => {
    const run = planTransformRun(spec('daily_event_counts'), {
      runId: 'backfill',
      database: DATABASE,
      lakeBucket: LAKE,
      from: '2026-06-01',
      to: '2026-11-21',
    });
    expect(run.statements.map((s) => s.split('\n')[0])).toEqual([
      expect.stringMatching(
        /^CREATE TABLE "tributary_local"\."daily_event_counts__run_backfill_[0-9a-f]{8}"$/,
      ),
      expect.stringMatching(/^INSERT INTO /),
    ]);
    expect(run.days).toHaveLength(174);
    for (const statement of run.statements) await athena.execute(statement, TRANSFORMS);
    await publishTransformRun(run, publishing());
    expect(await counts()).toEqual([
      ...expectedCounts('2026-11-19'),
      ...expectedCounts('2026-11-20'),
      ...expectedCounts('2026-11-21'),
    ]);
  });

  it('leaves nothing a query would read after a failed attempt is discarded', async () => {
    const run = planTransformRun(spec('daily_event_counts'), {
      runId: 'failed',
      database: DATABASE,
      lakeBucket: LAKE,
      from: '2026-11-20',
      to: '2026-11-20',
    });
    const before = await counts();
    await athena.execute(run.statements[0]!, TRANSFORMS);
    await discardTransformRun(run, publishing());
    expect(await counts()).toEqual(before);
    expect(await listKeys(store, LAKE, run.outputPrefix)).toEqual([]);
    expect(await catalog.listTables(DATABASE, 'daily_event_counts__run_')).toEqual([]);
  });

  it('builds users_current: the latest version of each user, deletes removed', async () => {
    await runTransform('users_current', 'run-users', '2026-11-20');
    const { rows } = await athena.query(
      'SELECT user_id, display_name, age, lifetime_value FROM users_current ORDER BY user_id',
    );
    const expected = [
      userItem(1, 0),
      userItem(2, 1), // modified after the export
      userItem(4, 2), // changed twice after the export
      userItem(5, 0), // inserted after the export; user 3 was deleted
    ].map((item: any) => ({
      user_id: item.user_id.S,
      display_name: item.displayName.S,
      age: Number(item.age.N),
      lifetime_value: item.lifetimeValue.N,
    }));
    expect(rows).toEqual(expected);
    const table = await catalog.getTable(DATABASE, 'users_current');
    expect(table).toMatchObject({ format: 'parquet', partitionKeys: [] });
    expect(table!.location).toMatch(/\/lake\/users_current\/runs\/run_users_[0-9a-f]{8}\/$/);
  });

  it('orders the changes of a user by sequence number, not by their approximate creation time', async () => {
    await runTransform('users_current', 'run-users-order', '2026-11-20');
    const { rows } = await athena.query(
      "SELECT display_name, age, CAST(changed_at AS VARCHAR) AS changed_at FROM users_current WHERE user_id = 'u_000004'",
    );
    const latest = userItem(4, 2) as any;
    expect(rows).toEqual([
      {
        display_name: latest.displayName.S,
        age: Number(latest.age.N),
        changed_at: '2026-11-20 08:00:04',
      },
    ]);
  });

  it('writes SELECT results where Athena would, as its CSV with column types', async () => {
    const execution = await athena.execute(
      'SELECT event_type, events FROM "tributary_local"."daily_event_counts" WHERE dt = \'2026-11-20\'',
      'tributary-local',
    );
    expect(execution.outputLocation).toMatch(/^s3:\/\/tributary-local-results\/[0-9a-f-]{36}\.csv$/);
    expect(execution.columns).toEqual([
      { name: 'event_type', type: 'varchar', precision: 0, scale: 0 },
      { name: 'events', type: 'bigint', precision: 0, scale: 0 },
    ]);
  });
});
