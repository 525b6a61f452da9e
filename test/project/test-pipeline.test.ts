import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { parsePipeline } from '../../src/lib/pipeline/pipeline';
import { SHIPPED_PIPELINE_FILE } from '../support/shipped-pipeline';

const ROOT = join(__dirname, '..', '..');
const DEMO = join(ROOT, 'test', 'fixtures', 'pipelines', 'demo', 'pipeline.yml');

describe("the tests' pipeline description", () => {
  it('is the demo fixture wherever a test or the code under test imports pipeline.yml', () => {
    expect(require.resolve('../../pipeline.yml')).toBe(DEMO);
    expect(bundledPipeline()).toEqual(parsePipeline(require(DEMO)));
  });

  it('carries its own transform SQL, not the shipped transforms/', () => {
    const document = require(DEMO) as { transforms: Array<{ sql: string; sqlText?: string }> };
    expect(document.transforms.length).toBeGreaterThan(0);
    for (const transform of document.transforms)
      expect(transform.sqlText).toEqual(expect.stringContaining('SELECT'));
    for (const transform of document.transforms)
      expect(existsSync(join(dirname(DEMO), transform.sql))).toBe(true);
  });

  it('leaves the shipped file to the suites about what ships', () => {
    expect(SHIPPED_PIPELINE_FILE).toBe(join(ROOT, 'pipeline.yml'));
  });
});
