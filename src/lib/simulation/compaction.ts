import { daysDueForCompaction } from '../local/rewrite/compact';
import { compactStreamDay } from '../local/rewrite/compaction';
import type { StreamSpec } from '../pipeline/pipeline';
import { cleanupDay } from '../rewrite/cleanup';
import { readDayState } from '../rewrite/day-state';
import { RewriteLayout, SUMMARY_FILE } from '../rewrite/layout';
import { objectStorePointers } from '../rewrite/pointer-store';
import { eventsFromColumns } from '../samples/declared-columns';
import { killedAfter, StoreKilledError } from '../storage/killed-store';
import { listKeys } from '../storage/object-store';
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

/**
 * Compaction in the simulated world: every night each stream's due days (its `compaction.afterDays`
 * lookback) are rewritten by the real `compactStreamDay` while Firehose goes on delivering: late
 * records land in a day as Athena rewrites it and after, copies of records it holds among them;
 * some compactions and clean-ups are killed at a write; clean-ups run on their own before or
 * after the grace period. After each step that changed a day, the lake is read as readers read it.
 */
export class SimulatedCompaction {
  constructor(
    private readonly world: SimulatedWorld,
    private readonly reads: LakeReadInvariants,
    private readonly violations: Violation[],
    /** What the producers were scheduled to send for a stream's day (empty for days not simulated). */
    private readonly sent: (stream: string, day: string) => readonly SentRecord[],
  ) {}

  /** Schedules the compaction of every stream's due days at `time`, and the late deliveries that meet it. */
  planNight(time: number): void {
    const today = isoDay(time);
    for (const stream of this.world.pipeline.streams) {
      for (const day of daysDueForCompaction(stream, today)) {
        if (this.sent(stream.name, day).length > 0) this.planLateDelivery(stream, day, time);
      }
    }
    this.world.schedule(time, `compaction of the days due on ${today}`, () => this.compactNight(today));
  }

  private planLateDelivery(stream: StreamSpec, day: string, time: number): void {
    const { random, faults } = this.world;
    if (!random.chance(faults.compactionLateDelivery)) return;
    const records = lateRecords(stream, day, random.int(1, 4), random);
    if (random.chance(faults.compactionDuplicateDelivery)) {
      const sent = this.sent(stream.name, day);
      for (let copies = random.int(1, 3); copies > 0; copies--) records.push(random.pick(sent));
    }
    // the first in Firehose's buffer as the compaction starts, so they land while Athena rewrites
    // the day or just after; the rest hours later, for the next night's compaction to take in
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

  private async compactNight(today: string): Promise<void> {
    for (const stream of this.world.pipeline.streams) {
      for (const day of daysDueForCompaction(stream, today)) await this.compactDay(stream, day);
    }
  }

  /** The live files of a day, and whether anything of it (live or rewritten) is in the lake. */
  private async dayFiles(stream: string, dt: string): Promise<{ live: Set<string>; any: boolean }> {
    const { store, lakeBucket } = this.world.environment;
    const live = new Set(await listKeys(store, lakeBucket, RewriteLayout.liveDay(stream, dt)));
    const any =
      live.size > 0 || (await listKeys(store, lakeBucket, RewriteLayout.day(stream, dt))).length > 0;
    return { live, any };
  }

  private async compactDay(stream: StreamSpec, dt: string): Promise<void> {
    const { world } = this;
    const { environment, scheduler, random, faults } = world;
    const before = await this.dayFiles(stream.name, dt);
    if (!before.any) return;
    // every file a compaction may consume is in the ledger before it can be cleaned away
    await this.reads.takeDeliveries();
    // before its summary, before the flip, or at the first deletion of its clean-up
    const kill = random.chance(faults.rewriteKill) ? random.int(0, 2) : undefined;
    const writes = killedAfter(environment.store, kill, {
      beforeMutation: async (_call, key) => {
        // Athena's CTAS runs between the listing of the day and its summary: Firehose delivers meanwhile
        if (key.endsWith(`/${SUMMARY_FILE}`)) await scheduler.advance(random.int(...COMPACTION_QUERY_MS));
      },
    });
    const step = `the compaction of ${stream.name} dt=${dt}`;
    let changed = true;
    let killed = false;
    try {
      const result = await compactStreamDay(stream, dt, {
        store: environment.store,
        writes,
        pointers: objectStorePointers(writes),
        lakeBucket: environment.lakeBucket,
        now: () => new Date(scheduler.now),
      });
      if (result.outcome.status === 'rewritten') world.counts.compactions++;
      world.counts.filesRemoved += result.removed;
      changed = result.outcome.status === 'rewritten' || result.removed > 0;
    } catch (error) {
      if (!(error instanceof StoreKilledError)) return this.failed(step, error);
      killed = true;
      world.counts.rewritesKilled++;
    }
    const after = await this.dayFiles(stream.name, dt);
    world.counts.landedDuringCompaction += [...after.live].filter((key) => !before.live.has(key)).length;
    // someone cleans up after a killed run; clean-ups also run on their own, within the grace period or past it
    if (killed || (changed && random.chance(faults.cleanupRun))) this.scheduleCleanup(stream, dt, killed);
    if (changed) await this.reads.check(killed ? `${step}, killed at write ${(kill ?? 0) + 1}` : step);
  }

  private scheduleCleanup(stream: StreamSpec, dt: string, followsKill: boolean): void {
    const { scheduler, random } = this.world;
    this.world.schedule(
      scheduler.now + random.int(...CLEANUP_DELAY_MS),
      `clean-up of ${stream.name} dt=${dt}`,
      () => this.cleanup(stream, dt, followsKill),
    );
  }

  private async cleanup(stream: StreamSpec, dt: string, followsKill: boolean): Promise<void> {
    const { world } = this;
    const { environment, scheduler, random, faults } = world;
    const { store, lakeBucket } = environment;
    await this.reads.takeDeliveries();
    const state = await readDayState(store, objectStorePointers(store), lakeBucket, stream.name, dt);
    const consumed = new Set(state.current?.summary.consumed ?? []);
    const replaced = state.live.filter((key) => consumed.has(key)).length;
    const kill = random.chance(faults.rewriteKill) ? random.int(0, 2) : undefined;
    const writes = killedAfter(store, kill);
    const step = `a clean-up of ${stream.name} dt=${dt}`;
    world.counts.cleanups++;
    try {
      const outcome = await cleanupDay(stream.name, dt, {
        store: writes,
        pointers: objectStorePointers(writes),
        lakeBucket,
        now: () => new Date(scheduler.now),
      });
      world.counts.filesRemoved += outcome.liveDeleted + outcome.generationFilesDeleted;
      if (replaced > 0 && outcome.liveDeleted === 0) world.counts.cleanupsWithinGrace++;
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
