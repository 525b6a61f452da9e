import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type LocalEnvironment,
  localEnvironment,
  resetLocalRoot,
} from '../../src/lib/local/local-environment';
import { type LocalHandlers, loadLocalHandlers } from '../../src/lib/local/local-handlers';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import type { Pipeline } from '../../src/lib/pipeline/pipeline';
import { type SimulationOptions, type SimulationReport, simulate } from '../../src/lib/simulation/simulate';

/** One simulated stage per test file (handlers load once per process), emptied before each run. */
export function simulatedStage(pipeline: Pipeline = bundledPipeline()): {
  run(
    options: Omit<SimulationOptions, 'environment' | 'pipeline' | 'handlers'> & {
      readonly wrap?: (handlers: LocalHandlers) => LocalHandlers;
    },
  ): Promise<SimulationReport>;
} {
  let environment: LocalEnvironment | undefined;
  let handlers: LocalHandlers | undefined;
  return {
    async run({ wrap, ...options }) {
      environment ??= localEnvironment(
        await mkdtemp(join(tmpdir(), 'tributary-simulate-')),
        pipeline.database,
      );
      handlers ??= await loadLocalHandlers(environment, pipeline);
      await resetLocalRoot(environment);
      return simulate({ ...options, environment, pipeline, handlers: wrap ? wrap(handlers) : handlers });
    },
  };
}

/** The invariants a report says were broken, each once. */
export function brokenInvariants(report: SimulationReport): string[] {
  return [...new Set(report.violations.map((v) => v.invariant))];
}

/**
 * The pipeline with its streams compacted a day after (pipeline.yml says two): two simulated
 * days then see each day compacted, compacted again as late files land, and cleaned up.
 */
export const COMPACTED_NEXT_DAY: Pipeline = {
  ...bundledPipeline(),
  streams: bundledPipeline().streams.map((stream) => ({
    ...stream,
    compaction: { afterDays: 1, targetFileMB: 128, maxFilesPerDay: 64 },
  })),
};

/**
 * Every compaction meets late files, half of the rewrites are killed, a third of the rounds lose
 * their flip to a competing rewrite or their query, and no backlog (a minute a seed).
 */
export const COMPACTION_FAULTS = {
  backlogDay: 0,
  compactionLateDelivery: 1,
  rewriteKill: 0.5,
  competingRewrite: 0.3,
  compactionQueryFailure: 0.3,
} as const;
