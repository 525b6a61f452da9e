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
import { type SimulationOptions, type SimulationReport, simulate } from '../../src/lib/simulation/simulate';

/** One simulated stage per test file (handlers load once per process), emptied before each run. */
export function simulatedStage(): {
  run(
    options: Omit<SimulationOptions, 'environment' | 'pipeline' | 'handlers'> & {
      readonly wrap?: (handlers: LocalHandlers) => LocalHandlers;
    },
  ): Promise<SimulationReport>;
} {
  const pipeline = bundledPipeline();
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
