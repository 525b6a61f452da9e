import { ExecutionAbortedError, ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import definitionDocument from '../../../../statemachines/daily-pipeline.asl.yml';
import lakeRewriteDocument from '../../../../statemachines/lake-rewrite.asl.yml';

/**
 * Runs the real state machine definitions on this machine with aws-local-stepfunctions: every
 * Task state is bound to a local implementation, so the same flow, Retry and Catch that run in
 * AWS run here, against the local stand-ins.
 */

// aws-local-stepfunctions needs Promise.withResolvers (Node 22); Node 20 lacks it
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((a, b) => {
        resolve = a;
        reject = b;
      });
      return { promise, resolve, reject };
    },
  });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type TaskHandler = (input: Json) => Promise<Json> | Json;

/** The Task states of the daily pipeline, by name; each gets a local implementation. */
export const DAILY_PIPELINE_TASKS = [
  'Plan run',
  'Read recovery window',
  'Fit export to recovery window',
  'Start DynamoDB export',
  'Check DynamoDB export',
  'Check snapshot flattened',
  'Hold back partial snapshots',
  'Start Aurora export',
  'Start Aurora export of chosen data',
  'Check Aurora export',
  'Plan transform',
  'Run CTAS',
  'Record CTAS scan',
  'Publish output',
  'Discard run',
  'Plan check',
  'Run check query',
  'Record check scan',
  'Get check result',
  'Summarise check',
  'Gate loads',
  'Run load query',
  'Record load scan',
  'Load into database',
  'Summarise scans',
  'Notify failure',
] as const;
export type DailyPipelineTask = (typeof DAILY_PIPELINE_TASKS)[number];

/** The Task states of the lake rewrite (statemachines/lake-rewrite.asl.yml), by name. */
export const LAKE_REWRITE_TASKS = [
  'Plan days',
  'Rebuild day',
  'Prepare round',
  'Run CTAS',
  'Commit round',
  'Discard round',
  'Clean up days',
  'Notify failure',
] as const;
export type LakeRewriteTask = (typeof LAKE_REWRITE_TASKS)[number];

/** Each deployed state machine: its definition and the names of its Task states. */
export const STATE_MACHINES = {
  dailyPipeline: { document: definitionDocument, tasks: DAILY_PIPELINE_TASKS },
  lakeRewrite: { document: lakeRewriteDocument, tasks: LAKE_REWRITE_TASKS },
} as const;
export type StateMachineName = keyof typeof STATE_MACHINES;
/** The Task names of one state machine: a local binding must give each of them a handler. */
export type TaskOf<M extends StateMachineName> = (typeof STATE_MACHINES)[M]['tasks'][number];

/** One state's visit, for progress output and the run report. */
export interface StepEvent {
  readonly state: string;
  readonly outcome: 'succeeded' | 'failed' | 'caught' | 'retried';
  readonly startedAt: number;
  readonly endedAt: number;
  readonly error?: string | undefined;
  /** What the step worked on (transform, table, load or export), read from the state's input. */
  readonly subject?: string | undefined;
}

export interface LocalExecution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output: Json | undefined;
  readonly error: { readonly name: string; readonly cause: string } | undefined;
  readonly steps: readonly StepEvent[];
  /** The largest payload the execution handed between states, in UTF-8 bytes of its JSON. */
  readonly largestPayload: { readonly where: string; readonly bytes: number };
  /**
   * About how many events AWS would write to the execution's history (at most 25,000): entry and
   * exit of every state, three more per task (scheduled, started, succeeded or failed), start and
   * end of every Map or Parallel state and of each Map iteration, and the execution's own two.
   */
  readonly historyEvents: number;
}

/** Step Functions fails a Standard execution whose history would grow past this many events. */
export const MAX_HISTORY_EVENTS = 25_000;

/**
 * Step Functions' payload quota: execution input and output, each state's input and output, a
 * task's parameters and its result are each at most 256 KiB, counted as UTF-8 bytes of the JSON.
 */
export const MAX_PAYLOAD_BYTES = 262_144;

export function payloadBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** The execution fails with this, and no Catch (not even States.ALL) catches it, as in AWS. */
export class DataLimitExceededError extends Error {
  override readonly name = 'States.DataLimitExceeded';
  constructor(
    readonly where: string,
    readonly bytes: number,
  ) {
    super(`${where} is ${bytes} bytes, over the ${MAX_PAYLOAD_BYTES}-byte payload quota`);
  }
}

/** What the interpreter reports as states run (the fields used here). */
interface EventLog {
  readonly type: string;
  readonly timestamp: number;
  readonly state?: {
    readonly name: string;
    readonly type?: string;
    readonly input?: unknown;
    readonly output?: unknown;
  };
  readonly Error?: string;
  readonly Cause?: string;
}

/** `Fn::GetAtt`/`Ref` of resources become ARNs of local stand-ins, as CloudFormation would make real ones. */
export function resolveForLocalRun(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveForLocalRun);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if (Array.isArray(object['Fn::GetAtt'])) {
    return `arn:aws:lambda:us-east-1:000000000000:function:${String(object['Fn::GetAtt'][0])}`;
  }
  if (typeof object.Ref === 'string') return `arn:aws:sns:us-east-1:000000000000:${object.Ref}`;
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolveForLocalRun(v)]));
}

/** A state machine as deployed, with intrinsics resolved for a local run. */
export function stateMachineDefinition(name: StateMachineName): Record<string, unknown> {
  return resolveForLocalRun(structuredClone(STATE_MACHINES[name].document)) as Record<string, unknown>;
}

/** The daily pipeline as deployed, with intrinsics resolved for a local run. */
export function dailyPipelineDefinition(): Record<string, unknown> {
  return stateMachineDefinition('dailyPipeline');
}

/** The lake rewrite as deployed, with intrinsics resolved for a local run. */
export function lakeRewriteDefinition(): Record<string, unknown> {
  return stateMachineDefinition('lakeRewrite');
}

/**
 * The interpreter reports a task's error as its name and its `cause` when it has one (else its
 * message), so a typed error wrapping another would read as the wrapped one
 * (`DatabaseUnavailableError: Error: connect ECONNREFUSED`): a task's error reaches it as its own
 * name and message only.
 */
function withoutCause(error: unknown): unknown {
  if (!(error instanceof Error) || error.cause === undefined) return error;
  const plain = new Error(error.message);
  plain.name = error.name;
  return plain;
}

export async function runStateMachineLocally(
  definition: Record<string, unknown>,
  input: Json,
  handlers: Readonly<Record<string, TaskHandler>>,
  options: {
    readonly executionName: string;
    /** Wait states and retry intervals take this many milliseconds instead of their real duration. */
    readonly fastForwardMs?: number;
    readonly onStep?: (step: StepEvent) => void;
  },
): Promise<LocalExecution> {
  const machine = new StateMachine(definition as never, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const names = stateNames(definition);
  const fastForward = options.fastForwardMs;
  const steps: StepEvent[] = [];
  let largestPayload = { where: 'execution input', bytes: payloadBytes(input) };
  let historyEvents = 2;
  let exceeded: DataLimitExceededError | undefined;
  let abort = () => {};
  /** Measures a payload; the first one over the quota stops the execution. */
  const measure = (where: string, value: unknown) => {
    const bytes = payloadBytes(value);
    if (bytes > largestPayload.bytes) largestPayload = { where, bytes };
    if (bytes > MAX_PAYLOAD_BYTES && !exceeded) {
      exceeded = new DataLimitExceededError(where, bytes);
      abort();
    }
  };
  const failed = (error: DataLimitExceededError): LocalExecution => ({
    status: 'FAILED',
    output: undefined,
    error: { name: error.name, cause: error.message },
    steps,
    largestPayload,
    historyEvents,
  });
  measure('The execution input', input);
  if (exceeded) return failed(exceeded);

  // a task's parameters and its result are measured where the task runs
  const measuredHandlers = Object.fromEntries(
    Object.entries(handlers).map(([state, handler]): [string, TaskHandler] => [
      state,
      async (taskInput) => {
        measure(`The parameters of task ${JSON.stringify(state)}`, taskInput);
        if (exceeded) throw exceeded;
        let result: Json;
        try {
          result = await handler(taskInput);
        } catch (error) {
          throw withoutCause(error);
        }
        measure(`The result of task ${JSON.stringify(state)}`, result);
        if (exceeded) throw exceeded;
        return result;
      },
    ]),
  );
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: measuredHandlers as never,
      ...(fastForward === undefined
        ? {}
        : {
            waitTimeOverrides: Object.fromEntries(names.wait.map((name) => [name, fastForward])),
            retryIntervalOverrides: Object.fromEntries(names.retrying.map((name) => [name, fastForward])),
          }),
    },
    context: {
      Execution: {
        Id: `arn:aws:states:local:000000000000:execution:tributary:${options.executionName}`,
        Name: options.executionName,
        StartTime: new Date().toISOString(),
        Input: input,
      },
    } as never,
  });
  abort = execution.abort;
  const entered = new Map<string, number[]>();
  // after a Catch the interpreter also exits the state; that exit is the catch, not a success
  const caught = new Map<string, number>();
  const events = (async () => {
    for await (const event of execution.eventLogs as AsyncIterable<EventLog>) {
      historyEvents += historyEventsOf(event);
      const state = event.state?.name;
      if (!state) continue;
      if (event.type === 'StateEntered')
        measure(`The input of state ${JSON.stringify(state)}`, event.state?.input);
      if (event.type === 'StateExited')
        measure(`The output of state ${JSON.stringify(state)}`, event.state?.output);
      const step = (outcome: StepEvent['outcome'], error?: string) => {
        const starts = entered.get(state) ?? [];
        const startedAt = outcome === 'retried' ? event.timestamp : (starts.pop() ?? event.timestamp);
        const subject = stepSubject(event.state?.input);
        const recorded = {
          state,
          ...(subject ? { subject } : {}),
          outcome,
          startedAt,
          endedAt: event.timestamp,
          ...(error ? { error } : {}),
        };
        steps.push(recorded);
        options.onStep?.(recorded);
      };
      if (event.type === 'StateEntered') entered.set(state, [...(entered.get(state) ?? []), event.timestamp]);
      else if (event.type === 'StateExited') {
        const pending = caught.get(state) ?? 0;
        if (pending > 0) caught.set(state, pending - 1);
        else step('succeeded');
      } else if (event.type === 'StateFailed') step('failed', `${event.Error}: ${event.Cause}`);
      else if (event.type === 'StateRetried') {
        step('retried');
        // the interpreter runs the next attempt now, without a StateEntered of its own
        entered.set(state, [...(entered.get(state) ?? []), event.timestamp]);
      } else if (event.type === 'StateCaught') {
        step('caught');
        caught.set(state, (caught.get(state) ?? 0) + 1);
      }
    }
  })();
  try {
    const output = (await execution.result) as Json;
    await events;
    measure('The execution output', output);
    if (exceeded) return failed(exceeded);
    return { status: 'SUCCEEDED', output, error: undefined, steps, largestPayload, historyEvents };
  } catch (error) {
    await events.catch(() => undefined);
    if (exceeded && (error instanceof ExecutionAbortedError || error instanceof ExecutionError)) {
      return failed(exceeded);
    }
    if (!(error instanceof ExecutionError)) throw error;
    const cause = error.cause as { name?: string; message?: string } | undefined;
    return {
      status: 'FAILED',
      output: undefined,
      error: { name: cause?.name ?? 'Error', cause: cause?.message ?? String(error) },
      steps,
      largestPayload,
      historyEvents,
    };
  }
}

function historyEventsOf(event: EventLog): number {
  if (event.type.startsWith('MapIteration')) return 1;
  if (event.type !== 'StateEntered' && event.type !== 'StateExited' && event.type !== 'StateFailed') return 0;
  // a task's entry and exit come with scheduled/started and succeeded/failed; a Map or Parallel
  // state's with its started and succeeded/failed
  return ['Task', 'Map', 'Parallel'].includes(event.state?.type ?? '') ? 2 : 1;
}

const QUERY_TARGET = /^\s*(?:CREATE\s+TABLE|INSERT\s+INTO)\s+(?:"[^"]+"\.)?"([^"]+)"/i;
const TABLE_ARN = /:table\/([^/]+)/;

/**
 * The transform, table or load a step of the daily pipeline works on, from the state's input: a
 * planned transform run, a load, a CTAS or INSERT statement, or an export request.
 */
export function stepSubject(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const value = input as Record<string, unknown>;
  const text = (candidate: unknown) =>
    typeof candidate === 'string' && candidate !== '' ? candidate : undefined;
  const nested = (key: string) =>
    typeof value[key] === 'object' && value[key] !== null ? (value[key] as Record<string, unknown>) : {};
  // a load names its target table; a CTAS its run's table, `<transform>__run_<run id>`
  if (text(value.load) && text(value.table)) return text(value.table);
  return (
    text(nested('run').transform) ??
    text(value.transform) ??
    text(value.check) ??
    text(value.table) ??
    (typeof value.QueryString === 'string'
      ? QUERY_TARGET.exec(value.QueryString)?.[1]?.replace(/__run_\w+$/, '')
      : undefined) ??
    text(nested('request').TableArn)?.match(TABLE_ARN)?.[1] ??
    text(nested('request').ExportTaskIdentifier)
  );
}

/** Names of Wait states and of states with a Retry field, at any depth. */
function stateNames(definition: Record<string, unknown>): { wait: string[]; retrying: string[] } {
  const wait: string[] = [];
  const retrying: string[] = [];
  const visit = (machine: unknown) => {
    const states = (machine as { States?: Record<string, Record<string, unknown>> }).States ?? {};
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Wait') wait.push(name);
      if (Array.isArray(state.Retry)) retrying.push(name);
      for (const branch of (state.Branches as unknown[]) ?? []) visit(branch);
      if (state.ItemProcessor) visit(state.ItemProcessor);
      if (state.Iterator) visit(state.Iterator);
    }
  };
  visit(definition);
  return { wait, retrying };
}
