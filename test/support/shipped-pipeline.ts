import { join } from 'node:path';
import { type Pipeline, parsePipeline } from '../../src/lib/pipeline/pipeline';

const { parseYamlFile } = require('../../scripts/yaml-loader.cjs') as {
  parseYamlFile: (path: string) => unknown;
};

export const SHIPPED_PIPELINE_FILE = join(__dirname, '..', '..', 'pipeline.yml');

/**
 * The shipped pipeline.yml, as `sls package` and the Lambda bundles read it. Only for tests whose
 * subject is what ships (the packaged stack): every other test gets the tests' own copy when it
 * imports pipeline.yml (jest.config.js, test/fixtures/pipelines/demo/).
 */
let shipped: Pipeline | undefined;
export function shippedPipeline(): Pipeline {
  shipped ??= parsePipeline(parseYamlFile(SHIPPED_PIPELINE_FILE));
  return shipped;
}
