import type { Pipeline } from '../../src/lib/pipeline/pipeline';

/**
 * For `jest.mock('../../src/lib/pipeline/bundled', () => …)`: the tests' pipeline
 * (test/fixtures/pipelines/demo/pipeline.yml, which jest.config.js maps pipeline.yml to) changed by
 * `change`, as the module every handler and command reads it from. Jest's mock factories may not
 * close over the test file's variables, so a factory requires this module and calls it.
 */
export function bundledPipelineWith(change: (shipped: Record<string, any>) => Record<string, unknown>): {
  bundledPipeline: () => Pipeline;
} {
  const loaded = jest.requireActual('../fixtures/pipelines/demo/pipeline.yml');
  const shipped = loaded.default ?? loaded;
  const { parsePipeline } = jest.requireActual('../../src/lib/pipeline/pipeline');
  const pipeline: Pipeline = parsePipeline(change(shipped));
  return { bundledPipeline: () => pipeline };
}
