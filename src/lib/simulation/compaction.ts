import {
  type LocalLakeRewriteOptions,
  localLakeRewriteDependencies,
  runLakeRewriteLocally,
} from '../local/rewrite/lake-rewrite-run';
import type { StreamSpec } from '../pipeline/pipeline';
import { daysDueForCompaction } from '../rewrite/compaction-policy';
import { readDayState } from '../rewrite/day-state';
import { cleanupDays } from '../rewrite/lake-rewrite';
import { RewriteLayout } from '../rewrite/layout';
import { objectStorePointers, PointerConflictError } from '../rewrite/pointer-store';
import { eventsFromColumns } from '../samples/declared-columns';
import type { LocalAthena } from '../standins/athena/local-athena';
import {
  LAKE_REWRITE_TASKS,
  type LakeRewriteTask,
  type TaskHandler,
} from '../standins/stepfunctions/local-state-machine';
import { killedAfter, StoreKilledError } from '../storage/killed-store';
import { listKeys, type ObjectStore } from '../storage/object-store';
import { CLEANUP_DELAY_MS, COMPACTION_QUERY_MS, FIREHOSE_BUFFER } from './faults';
import type { LakeReadInvariants, Violation } from './invariants';
import type { SimRandom } from './random';
import { recordKey, setPath } from './record-key';
import type { SimulatedWorld } from './world';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A record as a producer sends it, and the identity its keys give it. */
export interface SentRecord {
  readonly bytes: Buffer;
  readonly key: string | undefined;
}

type Json = Parameters<TaskHandler>[0];

/** What one night's lake rewrite met: the faults that may end its execution FAILED by design. */
interface NightFaults {
  killed: boolean;
  queryFailed: boolean;
  /** `stream/dt` of the days a round of it flipped. */
  readonly flipped: Set<string>;
  /** Replaced files its clean-up removed. */
  removed: number;
}

/**
 * Compaction in the simulated world: every night, at the stack's compactionSchedule, the
 * lake-rewrite state machine runs as deployed (runLakeRewriteLocally: Plan takes each stream's due
 * days from the execution's start time) while Firehose goes on delivering. Its tasks take virtual
 * time, so late records, copies of records a day holds among them, land between a round's Prepare
 * and its Commit and after; one Lambda invocation may be killed at a write (the next invocation is
 * a new process); another rewrite of the day may flip it first (Commit's conflict, `superseded`);
 * a CTAS may fail (the round is discarded). Clean-ups (cleanupDays) also run on their own, before
 * or after the grace period, sometimes killed. After each flip and each clean-up the lake is read
 * as readers read it.
 */
export class SimulatedCompaction {
  constructor(
    private readonly world: SimulatedWorld,
    private readonly athena: LocalAthena,
    private readonly reads: LakeReadInvariants,
    private readonly violations: Violation[],
    /** What the producers were scheduled to send for a stream's day (empty for days not simulated). */
    private readonly sent: (stream: string, day: string) => readonly SentRecord[],
  ) {}

  /** Schedules the night's lake rewrite at `time`, and the late deliveries that meet it. */
  planNight(time: number): void {
    const today = isoDay(time);
    for (const { stream, dt } of this.dueDays(today)) {
      if (this.sent(stream.name, dt).length > 0) this.planLateDelivery(stream, dt, time);
    }
    this.world.schedule(time, `lake rewrite of the days due on ${today}`, () => this.rewriteNight(today));
  }

  private dueDays(today: string): Array<{ stream: StreamSpec; dt: string }> {
    return this.world.pipeline.streams.flatMap((stream) =>
      daysDueForCompaction(stream, today).map((dt) => ({ stream, dt })),
    );
  }

  private planLateDelivery(stream: StreamSpec, day: string, time: number): void {
    const { random, faults } = this.world;
    if (!random.chance(faults.compactionLateDelivery)) return;
    const records = lateRecords(stream, day, random.int(1, 4), random);
    if (random.chance(faults.compactionDuplicateDelivery)) {
      const sent = this.sent(stream.name, day);
      for (let copies = random.int(1, 3); copies > 0; copies--) records.push(random.pick(sent));
    }
    // the first in Firehose's buffer as the rewrite starts, so they land while Athena rewrites
    // the day or just after; the rest hours later, for the next night's rewrite to take in
    const buffered = random.int(1, records.length);
    const landing = time - random.int(1_000, FIREHOSE_BUFFER.intervalMs - 1_000);
    records.forEach((record, index) => {
      const at = index < buffered ? landing + index : time + random.int(HOUR_MS, 20 * HOUR_MS);
      this.world.schedule(at, `producer ${stream.name}: late into ${day}`, () => {
        this.world.counts.lateIntoCompaction++;
        return this.world.putRecord(stream.name, record.bytes, record.key);
      });
    });
  }

  /** Generation ids drawn from the seed, so a seed replays the same lake. */
  private readonly generationId = () => this.world.random.int(0, 0xfff_ffff).toString(16).padStart(7, '0');

  private async rewriteNight(today: string): Promise<void> {
    const { world } = this;
    const { environment, scheduler, random, faults } = world;
    const due = this.dueDays(today);
    // every file a rewrite may consume is in the ledger before it can be cleaned away
    await this.reads.takeDeliveries();
    const before = new Map<string, { live: Set<string>; any: boolean }>();
    for (const { stream, dt } of due)
      before.set(`${stream.name}/${dt}`, await this.dayFiles(stream.name, dt));
    // one Lambda invocation killed at one of the run's writes (a consumed list, a plan, a summary,
    // a flip, a deletion); the invocations after it are new processes and write again
    const kill = random.chance(faults.rewriteKill) ? random.int(0, 5) : undefined;
    let through = killedAfter(environment.store, kill);
    const store: ObjectStore = {
      put: (...args) => through.put(...args),
      get: (...args) => through.get(...args),
      list: (...args) => through.list(...args),
      delete: (...args) => through.delete(...args),
    };
    const met: NightFaults = { killed: false, queryFailed: false, flipped: new Set(), removed: 0 };
    const wrapTasks: LocalLakeRewriteOptions['wrapTasks'] = (tasks) => {
      // one task at a time, in the order called: the Map runs two days at once, and tasks that
      // overlapped on real I/O would draw the seed's numbers in any order
      let queue: Promise<unknown> = Promise.resolve();
      const wrapped = {} as Record<LakeRewriteTask, TaskHandler>;
      for (const state of LAKE_REWRITE_TASKS) {
        const run = this.faultyTask(state, tasks[state], met);
        wrapped[state] = (input) => {
          const result = queue.then(async () => {
            try {
              return await run(input);
            } catch (error) {
              if (error instanceof StoreKilledError) {
                met.killed = true;
                world.counts.rewritesKilled++;
                through = environment.store;
              }
              throw error;
            }
          });
          queue = result.catch(() => undefined);
          return result;
        };
      }
      return wrapped;
    };
    const step = `the lake rewrite of the days due on ${today}`;
    try {
      const { execution } = await runLakeRewriteLocally(
        environment,
        world.pipeline,
        {},
        {
          store,
          athena: this.athena,
          now: () => new Date(scheduler.now),
          random: this.generationId,
          wrapTasks,
        },
      );
      if (execution.status === 'FAILED' && !met.killed && !met.queryFailed)
        this.failed(step, `${execution.error?.name}: ${execution.error?.cause}`);
    } catch (error) {
      this.failed(step, error);
    }
    for (const { stream, dt } of due) {
      const was = before.get(`${stream.name}/${dt}`);
      if (!was?.any) continue;
      const after = await this.dayFiles(stream.name, dt);
      world.counts.landedDuringCompaction += [...after.live].filter((key) => !was.live.has(key)).length;
      // someone cleans up after a killed run; clean-ups also run on their own, within the grace period or past it
      const flipped = met.flipped.has(`${stream.name}/${dt}`);
      if (met.killed || (flipped && random.chance(faults.cleanupRun)))
        this.scheduleCleanup(stream, dt, met.killed);
    }
    // a night that flipped nothing, removed nothing and was not killed left the lake as it was
    if (met.flipped.size > 0 || met.removed > 0 || met.killed)
      await this.reads.check(met.killed ? `${step}, killed at write ${(kill ?? 0) + 1}` : step, met.killed);
  }

  /** A task of the lake rewrite as it runs in the simulated AWS: taking time, and meeting the night's faults. */
  private faultyTask(state: LakeRewriteTask, task: TaskHandler, met: NightFaults): TaskHandler {
    const { world } = this;
    const { scheduler, random, faults } = world;
    if (state === 'Run CTAS')
      return async (input) => {
        // Athena rewrites the day for seconds to minutes: Firehose delivers meanwhile
        await scheduler.advance(random.int(...COMPACTION_QUERY_MS));
        const fails = random.chance(faults.compactionQueryFailure);
        const output = await task(input);
        if (!fails) return output;
        met.queryFailed = true;
        world.counts.queriesFailed++;
        // the query wrote some of its files before it failed: they are never read, and go after the grace period
        throw Object.assign(new Error('HIVE_CURSOR_ERROR: failed to write a file (simulated)'), {
          name: 'States.TaskFailed',
        });
      };
    if (state === 'Commit round')
      return async (input) => {
        await scheduler.advance(random.int(100, 3_000));
        const { stream, dt, round } = input as { stream: string; dt: string; round: number };
        if (random.chance(faults.competingRewrite)) await this.competingRewrite(stream, dt);
        let output: Json;
        try {
          output = await task(input);
        } catch (error) {
          if (error instanceof PointerConflictError) world.counts.rewritesSuperseded++;
          throw error;
        }
        world.counts.compactions++;
        met.flipped.add(`${stream}/${dt}`);
        await this.reads.check(`round ${round + 1} of the lake rewrite of ${stream} dt=${dt}`);
        return output;
      };
    if (state === 'Clean up days')
      return async (input) => {
        await scheduler.advance(random.int(100, 3_000));
        const output = await task(input);
        const removed = (output as { removed?: number }).removed ?? 0;
        world.counts.filesRemoved += removed;
        met.removed += removed;
        return output;
      };
    return async (input) => {
      if (state !== 'Notify failure') await scheduler.advance(random.int(100, 3_000));
      return task(input);
    };
  }

  /** Someone runs the rewrite of one day by hand (`tributary compact --date`) and flips it first. */
  private async competingRewrite(stream: string, dt: string): Promise<void> {
    const { world } = this;
    const step = `a competing rewrite of ${stream} dt=${dt}`;
    const { execution } = await runLakeRewriteLocally(
      world.environment,
      world.pipeline,
      { date: dt, stream },
      { athena: this.athena, now: () => new Date(world.scheduler.now), random: this.generationId },
    );
    if (execution.status !== 'SUCCEEDED')
      return this.failed(step, `${execution.error?.name}: ${execution.error?.cause}`);
    await this.reads.check(step);
  }

  /** The live files of a day, and whether anything of it (live or rewritten) is in the lake. */
  private async dayFiles(stream: string, dt: string): Promise<{ live: Set<string>; any: boolean }> {
    const { store, lakeBucket } = this.world.environment;
    const live = new Set(await listKeys(store, lakeBucket, RewriteLayout.liveDay(stream, dt)));
    const any =
      live.size > 0 || (await listKeys(store, lakeBucket, RewriteLayout.day(stream, dt))).length > 0;
    return { live, any };
  }

  /** Live files of a day its current generation consumed: readers no longer see them. */
  private async replacedLive(stream: string, dt: string): Promise<number> {
    const { store, lakeBucket } = this.world.environment;
    const state = await readDayState(store, objectStorePointers(store), lakeBucket, stream, dt);
    const consumed = new Set(state.current?.summary.consumed ?? []);
    return state.live.filter((key) => consumed.has(key)).length;
  }

  private scheduleCleanup(stream: StreamSpec, dt: string, followsKill: boolean): void {
    const { scheduler, random } = this.world;
    this.world.schedule(
      scheduler.now + random.int(...CLEANUP_DELAY_MS),
      `clean-up of ${stream.name} dt=${dt}`,
      () => this.cleanup(stream, dt, followsKill),
    );
  }

  /** The state machine's clean-up step on one day, on its own, at the simulated clock's time. */
  private async cleanup(stream: StreamSpec, dt: string, followsKill: boolean): Promise<void> {
    const { world } = this;
    const { environment, scheduler, random, faults } = world;
    await this.reads.takeDeliveries();
    const replaced = await this.replacedLive(stream.name, dt);
    const kill = random.chance(faults.rewriteKill) ? random.int(0, 2) : undefined;
    const dependencies = localLakeRewriteDependencies(environment, world.pipeline, {
      store: killedAfter(environment.store, kill),
      now: () => new Date(scheduler.now),
    });
    const step = `a clean-up of ${stream.name} dt=${dt}`;
    world.counts.cleanups++;
    try {
      const result = await cleanupDays(
        [{ stream: stream.name, dt, status: 'compacted' }],
        null,
        dependencies,
      );
      if (result.failure) return this.failed(step, `${result.failure.Error}: ${result.failure.Cause}`);
      world.counts.filesRemoved += result.removed;
      if (replaced > 0 && (await this.replacedLive(stream.name, dt)) === replaced)
        world.counts.cleanupsWithinGrace++;
      await this.reads.check(step, followsKill);
    } catch (error) {
      if (!(error instanceof StoreKilledError)) return this.failed(step, error);
      world.counts.rewritesKilled++;
      await this.reads.check(`${step}, killed at deletion ${(kill ?? 0) + 1}`, followsKill);
    }
  }

  private failed(step: string, error: unknown): void {
    this.violations.push({
      invariant: 'every compaction and clean-up finishes or is killed',
      at: new Date(this.world.scheduler.now).toISOString(),
      detail: `${step} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    });
  }
}

/** New records of a stream's day, each with an identity of its own, sent days after their event time. */
function lateRecords(stream: StreamSpec, day: string, count: number, random: SimRandom): SentRecord[] {
  const start = Date.parse(`${day}T00:00:00Z`);
  return [...eventsFromColumns(stream, day, count)].map((buffer, index) => {
    const event = JSON.parse(buffer.toString('utf8')) as Record<string, unknown>;
    if (stream.eventTime)
      setPath(event, stream.eventTime, new Date(start + random.int(0, DAY_MS - 1)).toISOString());
    for (const key of stream.keys)
      setPath(event, key, `${stream.name}-late-${day}-${index}-${random.int(0, 1e9)}`);
    return { bytes: Buffer.from(JSON.stringify(event)), key: recordKey(stream, event) };
  });
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
