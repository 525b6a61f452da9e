import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import { readDayState } from '../../../src/lib/rewrite/day-state';
import { writeConsumedFile } from '../../../src/lib/rewrite/generation-files';
import {
  ATHENA_MAX_QUERY_BYTES,
  chooseRoundInputs,
  commitRound,
  describeFailedDays,
  discardRound,
  type LakeRewriteDependencies,
  MAX_DAY_CAUSE_CHARS,
  PLAN_FILE,
  planRewriteRun,
  prepareRound,
  RewriteRequestError,
  ROUND_QUERY_BUDGET_BYTES,
  type RoundPlan,
  runLakeRewriteStep,
} from '../../../src/lib/rewrite/lake-rewrite';
import { generationDataPrefix, rewriteTableName } from '../../../src/lib/rewrite/lake-sql';
import { RewriteLayout } from '../../../src/lib/rewrite/layout';
import { objectStorePointers, PointerConflictError } from '../../../src/lib/rewrite/pointer-store';
import { LocalCatalog } from '../../../src/lib/standins/glue/local-catalog';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { MAX_PAYLOAD_BYTES, payloadBytes } from '../../../src/lib/standins/stepfunctions/local-state-machine';
import { getBytes } from '../../../src/lib/storage/object-store';

const LAKE = 'lake-bucket';
const streams = parsePipeline({
  database: 'shop',
  streams: [
    {
      name: 'events',
      keys: ['id'],
      columns: [
        { name: 'id', type: 'string' },
        { name: 'ts', type: 'timestamp' },
      ],
      compaction: { afterDays: 3 },
    },
    { name: 'clicks', columns: [{ name: 'url', type: 'string' }] },
  ],
}).streams;

let root: string;
let dependencies: LakeRewriteDependencies;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-lake-rewrite-'));
  const store = new LocalObjectStore(root);
  dependencies = {
    store,
    pointers: objectStorePointers(store),
    catalog: new LocalCatalog(root),
    lakeBucket: LAKE,
    database: 'shop_local',
    workGroup: 'tributary-local-transforms',
    streams,
    now: () => new Date(Date.UTC(2026, 10, 22, 3)),
    random: () => 'abcd1234',
  };
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** A Parquet file of `rows` rows (one string column), standing for a live file or a CTAS output. */
async function parquetOf(key: string, rows: number): Promise<void> {
  await writeConsumedFile(
    dependencies.store,
    LAKE,
    key,
    Array.from({ length: rows }, (_, i) => `row-${i}`),
  );
}

const liveKey = (i: number, dt = '2026-11-18') =>
  `lake/events/dt=${dt}/hour=${String(i % 24).padStart(2, '0')}/tributary-local-events-1-${dt}-${String(i).padStart(6, '0')}-a1b2c3d4.parquet`;

describe('planning a lake rewrite run', () => {
  it.each([
    [
      {},
      [
        ...[
          '2026-11-13',
          '2026-11-14',
          '2026-11-15',
          '2026-11-16',
          '2026-11-17',
          '2026-11-18',
          '2026-11-19',
        ].map((dt) => ['events', dt]),
        ...[
          '2026-11-14',
          '2026-11-15',
          '2026-11-16',
          '2026-11-17',
          '2026-11-18',
          '2026-11-19',
          '2026-11-20',
        ].map((dt) => ['clicks', dt]),
      ],
    ],
    [
      { date: '2026-11-01' },
      [
        ['events', '2026-11-01'],
        ['clicks', '2026-11-01'],
      ],
    ],
    [{ date: '2026-11-01', stream: 'clicks' }, [['clicks', '2026-11-01']]],
  ])('with %j rewrites each stream’s days due, on 2026-11-22', (request, expected) => {
    const plan = planRewriteRun(streams, request, '2026-11-22');
    expect(plan.days.map((d) => [d.stream, d.dt])).toEqual(expected);
    expect(plan.days.every((d) => d.round === 0)).toBe(true);
    expect(plan.graceHours).toBeNull();
  });

  it('hands each day the run’s sizes and the grace period', () => {
    const plan = planRewriteRun(
      streams,
      { date: '2026-11-01', stream: 'events', targetFileMB: 64, maxInputsPerRound: 2, graceHours: 0 },
      '2026-11-22',
    );
    expect(plan).toEqual({
      days: [
        { stream: 'events', dt: '2026-11-01', round: 0, options: { targetFileMB: 64, maxInputsPerRound: 2 } },
      ],
      graceHours: 0,
    });
  });

  it.each([
    [{ stream: 'orders' }, /No stream "orders" in pipeline.yml; streams: events, clicks/],
    [{ date: '20261101' }, /date must be a day, YYYY-MM-DD/],
    [{ maxInputsPerRound: 0 }, /maxInputsPerRound must be a number above 0/],
    [{ graceHours: -1 }, /graceHours must be a number of at least 0/],
  ])('refuses %j, saying what is wrong', (request, message) => {
    expect(() => planRewriteRun(streams, request, '2026-11-22')).toThrow(RewriteRequestError);
    expect(() => planRewriteRun(streams, request, '2026-11-22')).toThrow(message);
  });

  it('takes the day the execution started as today', async () => {
    const plan = await runLakeRewriteStep(
      { action: 'plan', request: { stream: 'events' }, startTime: '2026-11-22T01:30:00.000Z' },
      dependencies,
    );
    expect((plan as { days: Array<{ dt: string }> }).days.at(-1)?.dt).toBe('2026-11-19');
  });
});

describe('choosing one round’s live files', () => {
  const query = (inputs: readonly string[]) =>
    `SELECT * FROM t WHERE "$path" IN (${inputs.map((k) => `'${k}'`).join(', ')})`;

  it('takes files in key order while the query stays under the budget', () => {
    const keys = Array.from({ length: 10 }, (_, i) => `k${9 - i}`);
    const chosen = chooseRoundInputs(keys, query, Buffer.byteLength(query(['k0', 'k1', 'k2'])));
    expect(chosen).toEqual(['k0', 'k1', 'k2']);
  });

  it('takes at most maxInputs files', () => {
    expect(chooseRoundInputs(['c', 'a', 'b'], query, 10_000, 2)).toEqual(['a', 'b']);
  });

  it('refuses a budget that not even one file fits, saying what to shorten', () => {
    expect(() => chooseRoundInputs(['a'], query, 10)).toThrow(/over the 10-byte budget: shorten/);
  });

  it('keeps the round’s CTAS under Athena’s query-string and Step Functions’ payload quotas', () => {
    expect(ROUND_QUERY_BUDGET_BYTES * 2).toBeLessThan(ATHENA_MAX_QUERY_BYTES);
    expect(ROUND_QUERY_BUDGET_BYTES * 2).toBeLessThan(MAX_PAYLOAD_BYTES);
  });
});

describe('a round of a day', () => {
  it('says a day without files is empty, and writes nothing', async () => {
    expect(
      await prepareRound({ stream: 'events', dt: '2026-11-18', round: 0, options: {} }, dependencies),
    ).toEqual({
      status: 'empty',
      remaining: 0,
    });
  });

  it('splits a day whose file list would not fit one CTAS into several rounds, each under the budget', async () => {
    const files = 3000;
    for (let i = 0; i < files; i++) await dependencies.store.put(LAKE, liveKey(i), 'x');
    const prepared = await prepareRound(
      { stream: 'events', dt: '2026-11-18', round: 0, options: {} },
      dependencies,
    );
    expect(prepared.status).toBe('planned');
    expect(prepared.remaining).toBeGreaterThan(0);
    const bytes = Buffer.byteLength(prepared.query!.QueryString);
    expect(bytes).toBeLessThanOrEqual(ROUND_QUERY_BUDGET_BYTES);
    expect(
      payloadBytes({ stream: 'events', dt: '2026-11-18', round: 0, options: {}, prepared }),
    ).toBeLessThan(MAX_PAYLOAD_BYTES / 2);
    const plan: RoundPlan = JSON.parse(
      (
        await getBytes(
          dependencies.store,
          LAKE,
          `${RewriteLayout.generation('events', '2026-11-18', prepared.generation!)}${PLAN_FILE}`,
        )
      ).toString('utf8'),
    );
    expect(plan.liveInputs).toHaveLength(files - prepared.remaining);
    expect(plan.expectedEtag).toBeNull();
    // the rounds together take every file, none twice
    expect(Math.ceil(files / plan.liveInputs.length)).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('writes the consumed list with the project’s Parquet writer, and the CTAS into the generation’s empty data folder', async () => {
    for (let i = 0; i < 3; i++) await parquetOf(liveKey(i), 2);
    const prepared = await prepareRound(
      { stream: 'events', dt: '2026-11-18', round: 0, options: { maxInputsPerRound: 2 } },
      dependencies,
    );
    expect(prepared).toMatchObject({ status: 'planned', remaining: 1 });
    const prefix = RewriteLayout.generation('events', '2026-11-18', prepared.generation!);
    const consumed = await getBytes(dependencies.store, LAKE, `${prefix}consumed.parquet`);
    const rows = await parquetReadObjects({ file: new Uint8Array(consumed).buffer });
    expect(rows).toEqual([0, 1].map((i) => ({ _consumed: `s3://${LAKE}/${liveKey(i)}` })));
    expect(parquetMetadata(new Uint8Array(consumed).buffer).schema.map((e) => e.name)).toContain('_consumed');
    expect(prepared.query).toMatchObject({
      WorkGroup: 'tributary-local-transforms',
      QueryExecutionContext: { Database: 'shop_local' },
    });
    expect(prepared.query!.QueryString).toContain(`external_location = 's3://${LAKE}/${prefix}data/'`);
    expect(prepared.query!.QueryString).toContain('bucket_count = 1');
  });

  it('commits what the CTAS wrote: summary, dropped table, and the pointer flipped', async () => {
    for (let i = 0; i < 3; i++) await parquetOf(liveKey(i), 4);
    const item = { stream: 'events', dt: '2026-11-18', round: 0, options: {} };
    const prepared = await prepareRound(item, dependencies);
    const generation = prepared.generation!;
    // what the CTAS would have done: its table in the catalog, its rows (copies dropped) in data/
    await dependencies.catalog.putTable('shop_local', {
      name: rewriteTableName('events', generation),
      columns: [],
      partitionKeys: [],
      location: '',
      format: 'parquet',
      parameters: {},
    });
    await parquetOf(`${generationDataPrefix('events', '2026-11-18', generation)}part-0`, 10);
    const next = await commitRound({ ...item, generation }, dependencies);
    expect(next).toEqual({ ...item, round: 1 });
    expect(
      await dependencies.catalog.getTable('shop_local', rewriteTableName('events', generation)),
    ).toBeUndefined();
    const state = await readDayState(dependencies.store, dependencies.pointers, LAKE, 'events', '2026-11-18');
    expect(state.current?.files).toEqual([
      `${generationDataPrefix('events', '2026-11-18', generation)}part-0`,
    ]);
    expect(state.current?.summary).toMatchObject({
      rowsIn: 12,
      rowsOut: 10,
      duplicatesDropped: 2,
      reason: 'compact',
    });
    expect(await prepareRound(next, dependencies)).toEqual({ status: 'compacted', remaining: 0 });
    expect(await prepareRound({ ...item }, dependencies)).toEqual({ status: 'unchanged', remaining: 0 });
  });

  it('records what the flip it follows took from readers, so clean-up removes it on time however often the day is compacted', async () => {
    const item = { stream: 'events', dt: '2026-11-18', round: 0, options: {} };
    const round = async (random: string) => {
      const prepared = await prepareRound(item, { ...dependencies, random: () => random });
      await parquetOf(`${generationDataPrefix('events', '2026-11-18', prepared.generation!)}part-0`, 1);
      await commitRound({ ...item, generation: prepared.generation! }, dependencies);
      return RewriteLayout.generation('events', '2026-11-18', prepared.generation!);
    };
    await parquetOf(liveKey(0), 1);
    const first = await round('00000001');
    await parquetOf(liveKey(1), 1);
    await round('00000002');
    const state = await readDayState(dependencies.store, dependencies.pointers, LAKE, 'events', '2026-11-18');
    const flipped = (await dependencies.pointers.read(LAKE, RewriteLayout.pointer('events', '2026-11-18')))!;
    expect(state.current?.summary).toMatchObject({ newlyConsumed: [liveKey(1)], replaces: first });
    // the first flip retired the first live file when the pointer was written (not at the second's creation)
    expect(Object.keys(state.current?.summary.retired ?? {})).toEqual([liveKey(0)]);
    expect(Date.parse(state.current!.summary.retired![liveKey(0)]!)).toBeLessThanOrEqual(Date.now());
    expect(flipped.lastModified).toBeDefined();
  });

  it.each([
    ['events', 3, 0, 'wrote no rows'],
    // clicks declares no keys: a compaction keeps every row
    ['clicks', 3, 2, 'wrote 2 rows from 3'],
  ])(
    'refuses to flip a %s generation that lost rows (%i in, %i out), naming them, and the day reads as before',
    async (streamName, rowsIn, rowsOut, message) => {
      await parquetOf(liveKey(0).replace('/events/', `/${streamName}/`), rowsIn);
      const item = { stream: streamName, dt: '2026-11-18', round: 0, options: {} };
      const prepared = await prepareRound(item, dependencies);
      if (rowsOut > 0)
        await parquetOf(
          `${generationDataPrefix(streamName, '2026-11-18', prepared.generation!)}part-0`,
          rowsOut,
        );
      await expect(commitRound({ ...item, generation: prepared.generation! }, dependencies)).rejects.toThrow(
        new RegExp(`RewriteStateError|${message}`),
      );
      await expect(commitRound({ ...item, generation: prepared.generation! }, dependencies)).rejects.toThrow(
        message,
      );
      expect(
        await dependencies.pointers.read(LAKE, RewriteLayout.pointer(streamName, '2026-11-18')),
      ).toBeUndefined();
    },
  );

  it('flips nothing when another rewrite replaced the pointer since Prepare read it', async () => {
    await parquetOf(liveKey(0), 1);
    const item = { stream: 'events', dt: '2026-11-18', round: 0, options: {} };
    const prepared = await prepareRound(item, dependencies);
    const pointer = RewriteLayout.pointer('events', '2026-11-18');
    await dependencies.pointers.replace(LAKE, pointer, 'the other rewrite\n', undefined);
    await parquetOf(`${generationDataPrefix('events', '2026-11-18', prepared.generation!)}part-0`, 1);
    await expect(commitRound({ ...item, generation: prepared.generation! }, dependencies)).rejects.toThrow(
      PointerConflictError,
    );
    expect((await dependencies.pointers.read(LAKE, pointer))?.body).toBe('the other rewrite\n');
  });
});

describe('discarding a failed round', () => {
  it('drops the table Prepare named, and cuts a long cause short for the Map’s result', async () => {
    const generation = '1767225600000-abcd1234';
    await dependencies.catalog.putTable('shop_local', {
      name: rewriteTableName('events', generation),
      columns: [],
      partitionKeys: [],
      location: '',
      format: 'parquet',
      parameters: {},
    });
    const error = await discardRound(
      {
        stream: 'events',
        dt: '2026-11-18',
        prepared: { generation },
        error: { Error: 'States.TaskFailed', Cause: 'x'.repeat(5000) },
      },
      dependencies,
    );
    expect(error).toEqual({ Error: 'States.TaskFailed', Cause: `${'x'.repeat(MAX_DAY_CAUSE_CHARS)}…` });
    expect(
      await dependencies.catalog.getTable('shop_local', rewriteTableName('events', generation)),
    ).toBeUndefined();
  });

  it('hands on the error of a Prepare that failed before naming a generation', async () => {
    expect(
      await discardRound(
        {
          stream: 'events',
          dt: '2026-11-18',
          error: { Error: 'RewriteStateError', Cause: 'no summary.json' },
        },
        dependencies,
      ),
    ).toEqual({ Error: 'RewriteStateError', Cause: 'no summary.json' });
  });
});

describe('the cause a run with failed days ends with', () => {
  it('names each day, its error, and what to do', () => {
    const failure = describeFailedDays([
      {
        stream: 'events',
        dt: '2026-11-18',
        status: 'failed',
        error: { Error: 'States.TaskFailed', Cause: 'HIVE_BAD_DATA' },
      },
    ]);
    expect(failure).toEqual({
      Error: 'CompactionFailed',
      Cause: expect.stringMatching(
        /^Compaction of 1 day\(s\) failed: events dt=2026-11-18: States.TaskFailed: HIVE_BAD_DATA\. Those days read as before .* Fix the cause .* run the lake-rewrite state machine again/,
      ),
    });
    expect(
      describeFailedDays(
        [{ stream: 'events', dt: '2026-11-18', status: 'compacted' }].filter((d) => d.status === 'failed'),
      ),
    ).toBeUndefined();
  });
});
