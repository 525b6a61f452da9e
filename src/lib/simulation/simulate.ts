import { createHash } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import type { LocalEnvironment } from '../local/local-environment';
import { openLocalAthena } from '../local/local-environment';
import type { LocalHandlers } from '../local/local-handlers';
import { localDynamoTableArn } from '../local/local-handlers';
import { localTasks } from '../local/local-pipeline';
import type { Pipeline, StreamSpec } from '../pipeline/pipeline';
import { changesFromColumns, eventsFromColumns } from '../samples/declared-columns';
import type { LocalAthena } from '../standins/athena/local-athena';
import {
  DAILY_PIPELINE_TASKS,
  type DailyPipelineTask,
  dailyPipelineDefinition,
  type LocalExecution,
  runStateMachineLocally,
  type TaskHandler,
} from '../standins/stepfunctions/local-state-machine';
import { type SentRecord, SimulatedCompaction } from './compaction';
import { DEFAULT_FAULTS, type FaultRates } from './faults';
import {
  checkDelivery,
  type Invariants,
  LakeReadInvariants,
  pipelineInvariants,
  type Violation,
} from './invariants';
import { SimRandom } from './random';
import { getPath, recordKey, setPath } from './record-key';
import { Scheduler } from './scheduler';
import { SimulatedWorld, type WorldCounts } from './world';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface SimulationOptions {
  readonly seed: number;
  readonly days: number;
  readonly environment: LocalEnvironment;
  readonly pipeline: Pipeline;
  /** The real handlers, loaded for `environment`'s root (which the caller has emptied). */
  readonly handlers: LocalHandlers;
  /** The first simulated day, YYYY-MM-DD. */
  readonly firstDay?: string;
  readonly eventsPerDay?: number;
  readonly itemsPerDay?: number;
  readonly faults?: Partial<FaultRates>;
  /** Whether to end by running the last day twice more and comparing the tables (default true). */
  readonly convergence?: boolean;
  /**
   * Whether the lake-rewrite state machine compacts the days due every night (default true). A
   * test of something else may leave it out: each night's rewrite and the reads after it take time.
   */
  readonly compaction?: boolean;
  /** How many past hours an offline device's backlog spans, at least and at most (default 504 to 600). */
  readonly backlogHours?: readonly [number, number];
  /** Told of every execution as it ends. */
  readonly onExecution?: (execution: ExecutionSummary) => void;
}

export interface ExecutionSummary {
  readonly name: string;
  readonly day: string;
  readonly startedAt: string;
  readonly status: LocalExecution['status'];
  readonly error: string | undefined;
}

export interface SimulationReport {
  readonly seed: number;
  readonly days: number;
  readonly firstDay: string;
  readonly violations: readonly Violation[];
  readonly executions: readonly ExecutionSummary[];
  readonly counts: WorldCounts;
  /** Scheduled actions that ran: the schedule a seed names. */
  readonly scheduled: number;
  /** SHA-256 of every action's virtual time and label, in order: equal runs of a seed give equal digests. */
  readonly scheduleDigest: string;
}

export const DEFAULT_FIRST_DAY = '2026-10-01';

/** The daily schedule of the stack: 01:30 UTC, when yesterday is complete. */
const NIGHTLY_OFFSET_MS = 90 * 60_000;

/** When the due days are compacted each night: 04:00 UTC, the stack's compactionSchedule. */
const COMPACTION_OFFSET_MS = 4 * HOUR_MS;

/**
 * Runs the pipeline's real handlers and state machine for `days` simulated days against AWS
 * stand-ins that are as asynchronous as AWS documents them, every delay, duplicate, throttle and
 * crash drawn from one seed, and checks the pipeline's invariants after every execution and at the
 * end. The same seed replays the same schedule.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationReport> {
  const { environment, pipeline, handlers } = options;
  const faults: FaultRates = { ...DEFAULT_FAULTS, ...options.faults };
  const firstDay = options.firstDay ?? DEFAULT_FIRST_DAY;
  const start = Date.parse(`${firstDay}T00:00:00Z`);
  const random = new SimRandom(options.seed);
  const scheduler = new Scheduler(start);
  const violations: Violation[] = [];
  const executions: ExecutionSummary[] = [];
  scheduler.open();
  try {
    const world = await SimulatedWorld.create(environment, pipeline, handlers, scheduler, random, faults);
    const athena = await openLocalAthena(environment, pipeline);
    try {
      const invariants = pipelineInvariants(pipeline, environment, athena, violations);
      const runner = new ExecutionRunner(world, athena, invariants, executions, violations, options);
      const lakeReads = new LakeReadInvariants(world, athena, violations);
      const sent = new Map<string, SentRecord[]>();
      const compaction = new SimulatedCompaction(
        world,
        athena,
        lakeReads,
        violations,
        (stream, day) => sent.get(`${stream}/${day}`) ?? [],
      );
      let sequence = 4_200_000_000_000_000_000_000n;
      const nextSequence = () => {
        sequence += 1_000n;
        return sequence.toString();
      };
      for (let index = 0; index < options.days; index++) {
        const dayStart = start + index * DAY_MS;
        const day = isoDay(dayStart);
        for (const stream of pipeline.streams) {
          sent.set(`${stream.name}/${day}`, scheduleEvents(world, stream, day, options.eventsPerDay ?? 40));
        }
        if (random.chance(faults.backlogDay)) {
          scheduleBacklog(world, random.pick(pipeline.streams), day, options.backlogHours ?? [504, 600]);
        }
        for (const table of pipeline.dynamodb) {
          scheduleChanges(world, table, day, options.itemsPerDay ?? 20, nextSequence);
        }
        world.schedule(dayStart + DAY_MS + NIGHTLY_OFFSET_MS, `nightly run for ${day}`, () =>
          runner.run(day),
        );
        world.schedule(dayStart + DAY_MS + 12 * HOUR_MS, `operator replays what waits`, () =>
          runner.replayWaiting(),
        );
        if (random.chance(faults.rerunToday)) {
          // someone runs today's pipeline by hand in the afternoon, then again
          world.schedule(dayStart + 14 * HOUR_MS, `manual run for ${day} (today)`, () => runner.run(day));
          world.schedule(dayStart + 17 * HOUR_MS, `manual run for ${day} (today) again`, () =>
            runner.run(day),
          );
        }
        if (options.compaction !== false) compaction.planNight(dayStart + DAY_MS + COMPACTION_OFFSET_MS);
        await scheduler.runUntil(dayStart + DAY_MS + 13 * HOUR_MS);
      }
      // let every buffer, notification and retry run out, replay what waits, and let that land too
      await scheduler.drain();
      await runner.replayWaiting();
      await scheduler.drain();
      const lastDay = isoDay(start + (options.days - 1) * DAY_MS);
      for (const breach of world.standInBreaches) {
        violations.push({
          invariant: 'the stand-ins are no kinder than the AWS rules they model',
          at: new Date(scheduler.now).toISOString(),
          detail: breach,
        });
      }
      await lakeReads.check('the last step');
      await checkDelivery(world, athena, violations, lastDay);
      if (options.convergence ?? true) await runner.checkConvergence(lastDay);
      return {
        seed: options.seed,
        days: options.days,
        firstDay,
        violations,
        executions,
        counts: world.counts,
        scheduled: scheduler.trace.length,
        scheduleDigest: createHash('sha256')
          .update(scheduler.trace.map((t) => `${t.at} ${t.label}`).join('\n'))
          .digest('hex'),
      };
    } finally {
      athena.close();
    }
  } finally {
    scheduler.close();
  }
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A day of a stream: most events sent within seconds, some days late, some twice. Returns what it sends. */
function scheduleEvents(world: SimulatedWorld, stream: StreamSpec, day: string, count: number): SentRecord[] {
  const { random, faults } = world;
  const sent: SentRecord[] = [];
  let index = 0;
  for (const buffer of eventsFromColumns(stream, day, count)) {
    const event = JSON.parse(buffer.toString('utf8')) as Record<string, unknown>;
    // events of a day spread over the day, each with an identity of its own
    const eventTime = Date.parse(`${day}T00:00:00Z`) + Math.floor(((index + 0.5) * DAY_MS) / count);
    if (stream.eventTime) setPath(event, stream.eventTime, new Date(eventTime).toISOString());
    for (const key of stream.keys)
      setPath(event, key, `${stream.name}-${day}-${index}-${random.int(0, 1e9)}`);
    index++;
    let sendAt = eventTime + random.int(100, 3_000);
    let record = event;
    if (random.chance(faults.lateEvent)) {
      world.counts.lateEvents++;
      if (random.chance(faults.badLateEvent)) {
        // an old app version on a device offline since: it reaches the lake after its day's run,
        // so only a later run's lookback reads it
        record = badEvent(stream, event);
        sendAt += random.int(26 * HOUR_MS, 60 * HOUR_MS);
      } else sendAt += random.int(2 * HOUR_MS, 60 * HOUR_MS);
    }
    const bytes = Buffer.from(JSON.stringify(record));
    const key = recordKey(stream, record);
    sent.push({ bytes, key });
    world.schedule(sendAt, `producer ${stream.name}: send`, () => world.putRecord(stream.name, bytes, key));
    if (random.chance(faults.producerDuplicate)) {
      world.counts.duplicateSends++;
      world.schedule(sendAt + random.int(1_000, 60_000), `producer ${stream.name}: retry`, () =>
        world.putRecord(stream.name, bytes, key),
      );
    }
  }
  return sent;
}

/** An event with only its keys and event time: every other value is null, which checks refuse. */
function badEvent(stream: StreamSpec, event: Record<string, unknown>): Record<string, unknown> {
  const bad: Record<string, unknown> = {};
  for (const column of [...stream.keys, ...(stream.eventTime ? [stream.eventTime] : [])]) {
    setPath(bad, column, getPath(event, column));
  }
  return bad;
}

/** One offline device's backlog: an event for each of so many past hours, sent at once at 09:00 (its buffer is delivered before the operator replays at noon). */
function scheduleBacklog(
  world: SimulatedWorld,
  stream: StreamSpec,
  day: string,
  [least, most]: readonly [number, number],
): void {
  const hours = world.random.int(least, most);
  const sentAt = Date.parse(`${day}T09:00:00Z`);
  const records: Array<{ bytes: Buffer; key: string | undefined }> = [];
  let index = 0;
  for (const buffer of eventsFromColumns(stream, day, hours)) {
    const event = JSON.parse(buffer.toString('utf8')) as Record<string, unknown>;
    if (stream.eventTime)
      setPath(event, stream.eventTime, new Date(sentAt - (index + 1) * HOUR_MS).toISOString());
    for (const key of stream.keys) setPath(event, key, `${stream.name}-backlog-${day}-${index}`);
    records.push({ bytes: Buffer.from(JSON.stringify(event)), key: recordKey(stream, event) });
    index++;
  }
  world.counts.lateEvents += records.length;
  world.schedule(sentAt, `producer ${stream.name}: offline backlog of ${hours} hours`, async () => {
    for (const { bytes, key } of records) await world.putRecord(stream.name, bytes, key);
  });
}

/** A day of a table's changes, spread over the day, with sequence numbers that only grow. */
function scheduleChanges(
  world: SimulatedWorld,
  table: Pipeline['dynamodb'][number],
  day: string,
  items: number,
  nextSequence: () => string,
): void {
  const streamArn = `${localDynamoTableArn(world.environment, table.name)}/stream/2026-01-01T00:00:00.000`;
  const changes = [...changesFromColumns(table, day, items, streamArn)];
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  changes.forEach((generated, index) => {
    const at = dayStart + Math.floor(((index + 1) * DAY_MS) / (changes.length + 1));
    world.schedule(at, `dynamodb ${table.name}: change`, () => {
      const record = structuredClone(generated) as unknown as DynamoDBRecord;
      const change = record.dynamodb as Record<string, unknown>;
      // distinct per day: the generator starts every day at the same keys
      const keys = change.Keys as Record<string, { S?: string }>;
      for (const [name, value] of Object.entries(keys)) {
        if (value.S !== undefined) {
          const renamed = { S: `${value.S}-${day}` };
          keys[name] = renamed;
          for (const image of ['NewImage', 'OldImage']) {
            const item = change[image] as Record<string, unknown> | undefined;
            if (item) item[name] = renamed;
          }
        }
      }
      change.SequenceNumber = nextSequence();
      change.ApproximateCreationDateTime = Math.floor(Date.now() / 1000);
      if (record.eventName === 'MODIFY' && world.random.chance(world.faults.poisonChange)) {
        // a change the stream Lambda cannot take: no new image, as a KEYS_ONLY stream would send
        world.counts.poisonChanges++;
        delete change.NewImage;
      }
      world.change(table.name, record);
    });
  });
}

/**
 * Starts daily pipeline executions in virtual time: every task takes time, waits take theirs,
 * Athena throttles now and then, and the invariants look at what each step read and wrote.
 */
class ExecutionRunner {
  private running = false;
  private readonly waitBefore: Map<string, number>;
  private readonly replayedFiles = new Set<string>();

  constructor(
    private readonly world: SimulatedWorld,
    private readonly athena: LocalAthena,
    private readonly invariants: Invariants,
    private readonly executions: ExecutionSummary[],
    private readonly violations: Violation[],
    private readonly options: SimulationOptions,
  ) {
    this.waitBefore = waitsBeforeTasks(dailyPipelineDefinition());
  }

  async run(day: string): Promise<void> {
    if (this.running) {
      // Step Functions would run both; one at a time keeps the local engine's files apart
      this.world.schedule(this.world.scheduler.now + 600_000, `deferred run for ${day}`, () => this.run(day));
      return;
    }
    this.running = true;
    try {
      await this.execute(day);
    } finally {
      this.running = false;
    }
  }

  private async execute(day: string): Promise<LocalExecution> {
    const { world } = this;
    const { environment, handlers, scheduler, random } = world;
    const startedAt = new Date(scheduler.now).toISOString();
    const name = `sim-${day}-${scheduler.now}`;
    const base = localTasks(
      environment,
      handlers,
      this.athena,
      world.tables,
      world.notifications,
      // S3 notifies the flattener on its own schedule in the simulated world, not when a step looks
      async () => undefined,
      {
        heldBack: [],
        published: [],
        loads: [],
        alerts: [],
        recomputed: [],
        checks: [],
        blocked: [],
      },
    );
    const exportsDone = new Map<string, number>();
    // filled below, one entry for each Task state
    const tasks = {} as Record<DailyPipelineTask, TaskHandler>;
    // one task at a time, in the order they were called: the interpreter starts a Map's iterations
    // together, and tasks that overlapped on real I/O would draw the seed's numbers in any order
    let queue: Promise<unknown> = Promise.resolve();
    const serially =
      (task: TaskHandler): TaskHandler =>
      (input) => {
        const result = queue.then(() => task(input));
        queue = result.catch(() => undefined);
        return result;
      };
    for (const state of DAILY_PIPELINE_TASKS) {
      const handler = base[state];
      tasks[state] = serially(async (input) => {
        await scheduler.advance(this.waitBefore.get(state) ?? 0);
        if (state === 'Check DynamoDB export') {
          // an export takes minutes; DescribeExport says IN_PROGRESS until it is done
          const arn = (input as { ExportArn: string }).ExportArn;
          if ((exportsDone.get(arn) ?? 0) > scheduler.now) {
            return { ExportDescription: { ExportArn: arn, ExportStatus: 'IN_PROGRESS' } };
          }
        }
        if (ATHENA_TASKS.has(state) && random.chance(world.faults.athenaThrottle)) {
          await scheduler.advance(200);
          throw Object.assign(new Error('Rate exceeded'), { name: 'Athena.TooManyRequestsException' });
        }
        await this.invariants.before(state, input);
        const output = await handler(input);
        await this.invariants.after(state, input, output);
        if (state === 'Start DynamoDB export') {
          const arn = (output as { ExportDescription?: { ExportArn?: string } }).ExportDescription?.ExportArn;
          const done = scheduler.now + random.int(300_000, 1_200_000);
          if (arn) exportsDone.set(arn, done);
          world.holdNotifications((input as { S3Prefix: string }).S3Prefix, done);
        }
        // what the task wrote is notified as it is written, while the execution goes on
        await world.notifyNewObjects();
        await scheduler.advance(taskDuration(state, random));
        return output;
      });
    }
    const execution = await runStateMachineLocally(dailyPipelineDefinition(), { date: day }, tasks, {
      executionName: name,
      fastForwardMs: 0,
    });
    const summary: ExecutionSummary = {
      name,
      day,
      startedAt,
      status: execution.status,
      error: execution.error ? `${execution.error.name}: ${execution.error.cause}` : undefined,
    };
    this.executions.push(summary);
    this.options.onExecution?.(summary);
    // a failed `error` check ends the execution through `Checks failed`, by design
    const stoppedOnCheck = execution.steps.some((s) => s.state === 'Checks failed');
    if (execution.status === 'FAILED' && !stoppedOnCheck) {
      this.violations.push({
        invariant: 'every execution succeeds or stops on a failed data check',
        at: new Date(scheduler.now).toISOString(),
        detail: `${name} for ${day} failed: ${summary.error} (steps: ${execution.steps
          .filter((s) => s.outcome === 'failed')
          .map((s) => (s.error ? `${s.state} (${s.error.slice(0, 300)})` : s.state))
          .join(' → ')})`,
      });
    }
    return execution;
  }

  /** Someone runs `tributary replay` on what waits in the error prefixes and quarantine. */
  async replayWaiting(): Promise<void> {
    await this.invariants.replay(this.world, this.replayedFiles);
  }

  /** Running the last day again, twice, gives the same tables both times. */
  async checkConvergence(day: string): Promise<void> {
    await this.run(day);
    await this.world.scheduler.drain();
    const before = await this.invariants.tableContents();
    await this.run(day);
    await this.world.scheduler.drain();
    const after = await this.invariants.tableContents();
    for (const [table, rows] of before) {
      if (after.get(table) !== rows) {
        this.violations.push({
          invariant: 're-running a day converges to the same tables',
          at: new Date(this.world.scheduler.now).toISOString(),
          detail: `${table} changed when ${day} ran again with nothing new`,
        });
      }
    }
  }
}

const ATHENA_TASKS: ReadonlySet<DailyPipelineTask> = new Set([
  'Run CTAS',
  'Run check query',
  'Run load query',
  'Get check result',
] as const);

/** How long a task takes in AWS, drawn per call: Lambda a second or so, Athena seconds to a minute. */
function taskDuration(state: string, random: SimRandom): number {
  if (state.startsWith('Run ')) return random.int(2_000, 60_000);
  if (state.includes('export')) return random.int(300, 2_000);
  return random.int(100, 3_000);
}

/** Seconds each Wait state holds before the task it leads to, by that task's name. */
function waitsBeforeTasks(definition: Record<string, unknown>): Map<string, number> {
  const waits = new Map<string, number>();
  const visit = (machine: unknown) => {
    const states = (machine as { States?: Record<string, Record<string, unknown>> }).States ?? {};
    for (const state of Object.values(states)) {
      if (state.Type === 'Wait' && typeof state.Seconds === 'number' && typeof state.Next === 'string') {
        waits.set(state.Next, state.Seconds * 1000);
      }
      for (const branch of (state.Branches as unknown[]) ?? []) visit(branch);
      if (state.ItemProcessor) visit(state.ItemProcessor);
    }
  };
  visit(definition);
  return waits;
}
