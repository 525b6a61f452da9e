/**
 * Rewrites the README's stage params table from src/infra/stage-params.ts and serverless.yml's
 * per-stage params: `npm run stage-params-table`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderStageParamsTable } from '../src/infra/stage-params';

const ROOT = join(__dirname, '..');
const { params } = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
  params: Record<string, Record<string, unknown>>;
};
const { default: _, ...stages } = params;
const readmePath = join(ROOT, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const marked = /(<!-- stage-params:start -->\n)[\s\S]*?(\n<!-- stage-params:end -->)/;
if (!marked.test(readme)) throw new Error('README.md has no <!-- stage-params:start --> marker');
writeFileSync(
  readmePath,
  readme.replace(marked, (_m, start, end) => `${start}${renderStageParamsTable(stages)}${end}`),
);
// padded as the formatter pads every table of the README
execFileSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', readmePath]);
