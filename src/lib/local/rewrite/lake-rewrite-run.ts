import { flattenerForStream } from '../../firehose/stream-resolver';
import type { Pipeline } from '../../pipeline/pipeline';
import { workGroupName } from '../../query/workgroups';
import {
  type LakeRewriteDependencies,
  type LakeRewriteEvent,
  type RewriteRunRequest,
  runLakeRewriteStep,
} from '../../rewrite/lake-rewrite';
import { objectStorePointers, type PointerStore } from '../../rewrite/pointer-store';
import type { LocalAthena } from '../../standins/athena/local-athena';
import {
  type LakeRewriteTask,
  type LocalExecution,
  lakeRewriteDefinition,
  runStateMachineLocally,
  type StepEvent,
  type TaskHandler,
} from '../../standins/stepfunctions/local-state-machine';
import type { ObjectStore } from '../../storage/object-store';
import { localQueryTask } from '../athena-sync-task';
import { type LocalEnvironment, openLocalAthena } from '../local-environment';
import { localHashKey } from '../local-hash-key';

type Json = Parameters<TaskHandler>[0];

export interface LocalLakeRewriteOptions {
  readonly now?: () => Date;
  /**
   * What the Lambda's steps read and write through (default the environment's store): a wrapper
   * may stop it where a killed process would stop (src/lib/storage/killed-store.ts), or let
   * virtual time pass between writes, as the simulation does. The CTAS writes beside it, as Athena does.
   */
  readonly store?: ObjectStore;
  /** Defaults to conditional writes on `store`. */
  readonly pointers?: PointerStore;
  /** The local Athena to run the CTAS in (default one opened for the run and closed after it). */
  readonly athena?: LocalAthena;
  /** Names generations (default random bytes): a simulation draws them from its seed. */
  readonly random?: () => string;
  readonly onStep?: (step: StepEvent) => void;
  /** Wraps the bound tasks (a test interposes on one: a competing flip, a failing query). */
  readonly wrapTasks?: (tasks: Record<LakeRewriteTask, TaskHandler>) => Record<LakeRewriteTask, TaskHandler>;
}

export interface LocalLakeRewrite {
  readonly executionName: string;
  readonly execution: LocalExecution;
  /** Failure notifications the alerts topic would have sent. */
  readonly alerts: readonly string[];
}

/**
 * Every Task state of the lake rewrite bound to what runs it here: the Lambda's steps with the
 * local object store, conditional writes on it and the local catalog; the CTAS in the local Athena.
 */
export function localLakeRewriteTasks(
  dependencies: LakeRewriteDependencies,
  athena: LocalAthena,
  alerts: string[],
): Record<LakeRewriteTask, TaskHandler> {
  const step = (input: Json) =>
    runLakeRewriteStep(input as unknown as LakeRewriteEvent, dependencies) as unknown as Promise<Json>;
  return {
    'Plan days': step,
    'Rebuild day': step,
    'Prepare round': step,
    'Commit round': step,
    'Discard round': step,
    'Clean up days': step,
    'Run CTAS': localQueryTask(athena),
    'Notify failure': (input) => {
      alerts.push(String((input as { Message?: unknown }).Message ?? ''));
      return { MessageId: `local-${alerts.length}` };
    },
  };
}

/** Runs the lake-rewrite state machine, as deployed, against this machine's lake. */
export async function runLakeRewriteLocally(
  environment: LocalEnvironment,
  pipeline: Pipeline,
  request: RewriteRunRequest,
  options: LocalLakeRewriteOptions = {},
): Promise<LocalLakeRewrite> {
  const athena = options.athena ?? (await openLocalAthena(environment, pipeline));
  try {
    const dependencies = localLakeRewriteDependencies(environment, pipeline, options);
    const alerts: string[] = [];
    const bound = localLakeRewriteTasks(dependencies, athena, alerts);
    const tasks = options.wrapTasks ? options.wrapTasks(bound) : bound;
    const executionName = `local-rewrite-${Date.now()}`;
    const execution = await runStateMachineLocally(lakeRewriteDefinition(), request as Json, tasks, {
      executionName,
      fastForwardMs: 0,
      ...(options.onStep ? { onStep: options.onStep } : {}),
    });
    return { executionName, execution, alerts };
  } finally {
    if (!options.athena) athena.close();
  }
}

/** What the lake rewrite's Lambda steps work with here: the local lake, catalog and raw copies. */
export function localLakeRewriteDependencies(
  environment: LocalEnvironment,
  pipeline: Pipeline,
  options: Pick<LocalLakeRewriteOptions, 'now' | 'store' | 'pointers' | 'random'> = {},
): LakeRewriteDependencies {
  const store = options.store ?? environment.store;
  return {
    store,
    pointers: options.pointers ?? objectStorePointers(store),
    catalog: environment.catalog,
    lakeBucket: environment.lakeBucket,
    database: environment.database,
    workGroup: workGroupName(environment.resourcePrefix, 'transforms'),
    streams: pipeline.streams,
    rebuild: {
      rawBucket: environment.rawBucket,
      lakeStartDate: environment.lakeStartDate,
      flattenerFor: (stream) =>
        flattenerForStream(stream, stream.flatten.hash.length > 0 ? localHashKey().key : undefined),
    },
    ...(options.now ? { now: options.now } : {}),
    ...(options.random ? { random: options.random } : {}),
  };
}
