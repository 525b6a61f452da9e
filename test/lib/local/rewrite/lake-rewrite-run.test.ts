import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { install } from '@sinonjs/fake-timers';
import { localEnvironment } from '../../../../src/lib/local/local-environment';
import { digestDay } from '../../../../src/lib/local/rewrite/day-digest';
import {
  type LocalLakeRewriteOptions,
  runLakeRewriteLocally,
} from '../../../../src/lib/local/rewrite/lake-rewrite-run';
import { bundledPipeline } from '../../../../src/lib/pipeline/bundled';
import { compactionOptions } from '../../../../src/lib/rewrite/compaction-policy';
import { readDayState } from '../../../../src/lib/rewrite/day-state';
import { PLAN_FILE, type RoundPlan } from '../../../../src/lib/rewrite/lake-rewrite';
import { rewriteTableName } from '../../../../src/lib/rewrite/lake-sql';
import { RewriteLayout } from '../../../../src/lib/rewrite/layout';
import { objectStorePointers } from '../../../../src/lib/rewrite/pointer-store';
import { rewriteDay } from '../../../../src/lib/rewrite/rewrite-day';
import { CLICKSTREAM_DEFAULTS, clickstreamEventJson } from '../../../../src/lib/samples/clickstream';
import type { TaskHandler } from '../../../../src/lib/standins/stepfunctions/local-state-machine';
import { killedAfter } from '../../../../src/lib/storage/killed-store';
import { getBytes } from '../../../../src/lib/storage/object-store';
import { writeClickstream } from '../../../support/lake-fixtures';
import { localCompactionBuilder, writeGeneration } from '../../../support/local-compaction';

/**
 * The lake-rewrite state machine, as deployed, run locally. `Run CTAS` is played by a double that
 * writes what the compaction CTAS asks (the plan's live files and the current generation, one copy
 * per keys) with DuckDB, so the flow (rounds, the caught conflict, the discard) is tested apart
 * from the local Athena's tables; the last describe runs the real local Athena.
 */

const DAY = '2026-11-20';
const OPTIONS = { ...CLICKSTREAM_DEFAULTS, eventsPerDay: 48 };
const event = (i: number) => clickstreamEventJson(i, OPTIONS);
const pipeline = bundledPipeline();
const stream = pipeline.streams.find((s) => s.name === 'clickstream')!;

let root: string;
let environment: ReturnType<typeof localEnvironment>;
const pointers = () => objectStorePointers(environment.store);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-lake-rewrite-run-'));
  environment = localEnvironment(root, pipeline.database);
  // two events an hour, in three deliveries, and ten of them sent twice
  for (const delivery of [0, 1, 2]) {
    const events = Array.from({ length: 48 }, (_, i) => i).filter((i) => i % 3 === delivery);
    await writeClickstream(
      environment.store,
      environment.lakeBucket,
      pipeline,
      events.map(event),
      `delivery-${delivery}.parquet`,
    );
  }
  await writeClickstream(
    environment.store,
    environment.lakeBucket,
    pipeline,
    Array.from({ length: 10 }, (_, i) => event(i)),
    'retry.parquet',
  );
}, 60_000);
afterEach(() => rm(root, { recursive: true, force: true }));

const digest = () =>
  digestDay(
    environment.store,
    pointers(),
    environment.lakeBucket,
    'clickstream',
    DAY,
    compactionOptions(stream),
  );

/** Writes what the compaction CTAS would: the rows of the plan's live files and of the current generation. */
const athenaDouble: TaskHandler = async (input) => {
  const { QueryString } = input as { QueryString: string };
  const location = /external_location = 's3:\/\/[^/]+\/([^']+)'/.exec(QueryString)![1]!;
  const prefix = location.replace(/data\/$/, '');
  const { store, lakeBucket } = environment;
  const plan: RoundPlan = JSON.parse(
    (await getBytes(store, lakeBucket, `${prefix}${PLAN_FILE}`)).toString('utf8'),
  );
  const state = await readDayState(store, pointers(), lakeBucket, plan.stream, plan.dt);
  const wanted = new Set([...plan.liveInputs, ...(state.current?.files ?? [])]);
  const sources = [];
  for await (const object of store.list(lakeBucket, `lake/${plan.stream}/`))
    if (wanted.has(object.key)) sources.push({ key: object.key, size: object.size });
  await writeGeneration(store, lakeBucket, compactionOptions(stream), sources, location, []);
  // writeGeneration also writes a consumed list; the CTAS writes only rows
  await store.delete(lakeBucket, `${location}consumed.parquet`);
  return { QueryExecution: { QueryExecutionId: 'double', Statistics: { DataScannedInBytes: 0 } } };
};

const withDouble =
  (more: LocalLakeRewriteOptions['wrapTasks'] = (t) => t): LocalLakeRewriteOptions['wrapTasks'] =>
  (tasks) =>
    more({ ...tasks, 'Run CTAS': athenaDouble });

const days = (output: unknown) => (output as { days: Array<{ stream: string; status: string }> }).days;

describe('the lake rewrite state machine, run locally', () => {
  it('compacts a day: fewer files, the same rows and checksum less the copies it counts', async () => {
    const before = await digest();
    const run = await runLakeRewriteLocally(
      environment,
      pipeline,
      { date: DAY, stream: 'clickstream' },
      {
        wrapTasks: withDouble(),
      },
    );
    expect(run.execution.status).toBe('SUCCEEDED');
    expect(days(run.execution.output)).toEqual([
      { stream: 'clickstream', dt: DAY, round: 1, status: 'compacted' },
    ]);
    const after = await digest();
    expect(before.files).toBe(53);
    expect(after.files).toBe(1);
    expect(after.rows).toBe(before.distinctRows);
    expect(after.checksum).toBe(before.checksum);
    const state = await readDayState(
      environment.store,
      pointers(),
      environment.lakeBucket,
      'clickstream',
      DAY,
    );
    expect(state.current?.summary).toMatchObject({ rowsIn: 58, rowsOut: 48, duplicatesDropped: 10 });
  }, 60_000);

  it('ends in the caught branch when another rewrite flips the pointer between Prepare and Commit, and a second run converges', async () => {
    const before = await digest();
    let competed = false;
    const run = await runLakeRewriteLocally(
      environment,
      pipeline,
      { date: DAY, stream: 'clickstream' },
      {
        wrapTasks: withDouble((tasks) => ({
          ...tasks,
          'Commit round': async (input) => {
            if (!competed) {
              competed = true;
              await rewriteDay(
                { table: 'clickstream', dt: DAY, reason: 'compact' },
                localCompactionBuilder(environment.store, environment.lakeBucket, compactionOptions(stream)),
                { store: environment.store, pointers: pointers(), lakeBucket: environment.lakeBucket },
              );
            }
            return tasks['Commit round'](input);
          },
        })),
      },
    );
    expect(run.execution.status).toBe('SUCCEEDED');
    expect(run.execution.steps).toContainEqual(
      expect.objectContaining({ state: 'Commit round', outcome: 'caught' }),
    );
    expect(days(run.execution.output)).toEqual([
      { stream: 'clickstream', dt: DAY, round: 0, status: 'superseded' },
    ]);
    const again = await runLakeRewriteLocally(
      environment,
      pipeline,
      { date: DAY, stream: 'clickstream' },
      {
        wrapTasks: withDouble(),
      },
    );
    expect(days(again.execution.output)).toEqual([
      { stream: 'clickstream', dt: DAY, round: 0, status: 'unchanged' },
    ]);
    const after = await digest();
    expect(after.rows).toBe(before.distinctRows);
    expect(after.checksum).toBe(before.checksum);
  }, 60_000);

  it('discards a failed CTAS: the day reads as before, the alert and the failure say what to do', async () => {
    const before = await digest();
    let generation = '';
    const run = await runLakeRewriteLocally(
      environment,
      pipeline,
      { date: DAY, stream: 'clickstream' },
      {
        wrapTasks: (tasks) => ({
          ...tasks,
          'Prepare round': async (input) => {
            const prepared = (await tasks['Prepare round'](input)) as { generation: string };
            generation = prepared.generation;
            // the table Athena would have made before failing
            await environment.catalog.putTable(environment.database, {
              name: rewriteTableName('clickstream', generation),
              columns: [],
              partitionKeys: [],
              location: '',
              format: 'parquet',
              parameters: {},
            });
            return prepared as never;
          },
          'Run CTAS': () => {
            throw Object.assign(new Error('HIVE_BAD_DATA: Malformed Parquet file'), {
              name: 'States.TaskFailed',
            });
          },
        }),
      },
    );
    expect(run.execution.status).toBe('FAILED');
    expect(run.execution.steps).toContainEqual(
      expect.objectContaining({ state: 'Discard round', outcome: 'succeeded' }),
    );
    expect(run.execution.error?.name).toBe('LakeRewriteFailed');
    expect(run.execution.error?.cause).toMatch(
      /clickstream dt=2026-11-20: States.TaskFailed: HIVE_BAD_DATA: Malformed Parquet file.*read as before.*run the lake-rewrite state machine again/,
    );
    expect(run.alerts).toHaveLength(1);
    expect(
      await environment.catalog.getTable(environment.database, rewriteTableName('clickstream', generation)),
    ).toBeUndefined();
    expect(await digest()).toEqual(before);
  }, 60_000);

  it('fails a day whose Prepare fails (a pointer naming a generation without its summary), naming it', async () => {
    await pointers().replace(
      environment.lakeBucket,
      RewriteLayout.pointer('clickstream', DAY),
      `s3://${environment.lakeBucket}/${RewriteLayout.generation('clickstream', DAY, 'lost')}data/part-0\n`,
      undefined,
    );
    const run = await runLakeRewriteLocally(
      environment,
      pipeline,
      { stream: 'clickstream', date: DAY },
      {
        wrapTasks: withDouble(),
      },
    );
    expect(run.execution.status).toBe('FAILED');
    expect(days(run.execution.output ?? { days: [] })).toEqual([]);
    expect(run.execution.steps).toContainEqual(
      expect.objectContaining({ state: 'Prepare round', outcome: 'caught' }),
    );
    expect(run.execution.error?.cause).toMatch(
      /clickstream dt=2026-11-20: RewriteStateError: Generation .* has no summary.json/,
    );
    expect(run.alerts[0]).toContain('RewriteStateError');
  }, 60_000);

  it('splits a day into rounds when the CTAS of every file would be too big, and takes every file in', async () => {
    const before = await digest();
    const run = await runLakeRewriteLocally(
      environment,
      pipeline,
      { date: DAY, stream: 'clickstream', maxInputsPerRound: 20 },
      { wrapTasks: withDouble() },
    );
    expect(run.execution.status).toBe('SUCCEEDED');
    expect(run.execution.steps.filter((s) => s.state === 'Commit round')).toHaveLength(3);
    expect(days(run.execution.output)).toEqual([
      { stream: 'clickstream', dt: DAY, round: 3, status: 'compacted' },
    ]);
    const after = await digest();
    expect(after.rows).toBe(before.distinctRows);
    expect(after.checksum).toBe(before.checksum);
    const state = await readDayState(
      environment.store,
      pointers(),
      environment.lakeBucket,
      'clickstream',
      DAY,
    );
    expect(state.current?.summary.duplicatesDropped).toBe(10);
    expect(state.current?.summary.consumed).toHaveLength(53);
  }, 60_000);
});

describe('the lake rewrite state machine with the local Athena', () => {
  it('compacts a day with the CTAS the Lambda plans, run by the local Athena', async () => {
    const before = await digest();
    const run = await runLakeRewriteLocally(environment, pipeline, { date: DAY, stream: 'clickstream' });
    expect(run.execution.error).toBeUndefined();
    expect(run.execution.status).toBe('SUCCEEDED');
    const after = await digest();
    expect(after.files).toBe(1);
    expect(after.rows).toBe(before.distinctRows);
    expect(after.checksum).toBe(before.checksum);
  }, 60_000);

  it.each([
    [0, 'its consumed list'],
    [1, 'its plan'],
    [2, 'its summary'],
    [3, 'the flip'],
  ])(
    'writes through `store`: a Lambda killed at write %i (%s) leaves the day as readers saw it, and a rerun converges',
    async (writes) => {
      const before = await digest();
      const run = await runLakeRewriteLocally(
        environment,
        pipeline,
        { date: DAY, stream: 'clickstream' },
        { store: killedAfter(environment.store, writes) },
      );
      expect(run.execution.status).toBe('FAILED');
      expect(run.execution.steps).toContainEqual(
        expect.objectContaining({ outcome: 'failed', error: expect.stringMatching(/^StoreKilledError/) }),
      );
      expect(run.execution.steps).toContainEqual(
        expect.objectContaining({ state: 'Discard round', outcome: 'succeeded' }),
      );
      expect(await digest()).toEqual(before);
      const rerun = await runLakeRewriteLocally(environment, pipeline, { date: DAY, stream: 'clickstream' });
      expect(rerun.execution.status).toBe('SUCCEEDED');
      expect(await digest()).toMatchObject({
        files: 1,
        distinctRows: before.distinctRows,
        checksum: before.checksum,
      });
    },
    60_000,
  );

  it("stamps every file of a generation with the clock, as S3 stamps LastModified, so the grace period counts from a simulation's time", async () => {
    const at = Date.parse('2026-11-22T03:00:00Z');
    const clock = install({ now: at, toFake: ['Date'] });
    try {
      const run = await runLakeRewriteLocally(environment, pipeline, { date: DAY, stream: 'clickstream' });
      expect(run.execution.status).toBe('SUCCEEDED');
    } finally {
      clock.uninstall();
    }
    const written: Array<[string, number | undefined]> = [];
    for await (const object of environment.store.list(
      environment.lakeBucket,
      RewriteLayout.day('clickstream', DAY),
    ))
      written.push([object.key.replace(/^.*\/gen=[^/]+\//, ''), object.lastModified]);
    expect(written.map(([name]) => name.replace(/part_.*$/, 'part_*'))).toEqual(
      expect.arrayContaining(['consumed.parquet', 'plan.json', 'summary.json', 'data/part_*']),
    );
    // to the second: a file system may keep modification times coarser than milliseconds
    const second = (ms: number | undefined) => new Date(Math.floor((ms ?? 0) / 1000) * 1000).toISOString();
    expect(written.map(([name, lastModified]) => [name, second(lastModified)])).toEqual(
      written.map(([name]) => [name, second(at)]),
    );
  }, 60_000);
});
