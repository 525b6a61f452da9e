import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { readStackSettings } from '../../src/infra/settings';
import {
  renderStageParamsTable,
  STAGE_PARAM_NAMES,
  STAGE_PARAMS,
  serverlessParamsMismatches,
} from '../../src/infra/stage-params';
import { ConfigError } from '../../src/lib/config/config-error';

const ROOT = join(__dirname, '..', '..');
const serverless = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
  params: Record<string, Record<string, unknown>>;
};
const { default: defaults, ...stages } = serverless.params;

describe('the stage params, declared once in src/infra/stage-params.ts', () => {
  it('are the params serverless.yml gives defaults for, with the same defaults', () => {
    expect(serverlessParamsMismatches(serverless.params)).toEqual([]);
  });

  it.each([
    [
      'a default missing',
      { default: { ...defaults, streamBatchSize: undefined } },
      /streamBatchSize is missing/,
    ],
    ['a default changed', { default: { ...defaults, rawRetentionDays: 30 } }, /rawRetentionDays is 30, but/],
    [
      'a stage naming an undeclared param',
      { default: defaults, qa: { rawRetentionDay: 3 } },
      /params.qa.rawRetentionDay is not declared/,
    ],
  ])('name the mismatch when serverless.yml has %s', (_, params, message) => {
    const cleaned = JSON.parse(JSON.stringify(params)) as Record<string, unknown>;
    expect(serverlessParamsMismatches(cleaned).join('\n')).toMatch(message);
  });

  it('have defaults their own schemas accept, which a stage given nothing gets', () => {
    const none = readStackSettings({ service: 'tributary', stage: 'qa' });
    const every = readStackSettings({ service: 'tributary', stage: 'qa', ...defaults });
    expect(every).toEqual(none);
    expect(none.firehoseBufferMB).toBe(STAGE_PARAMS.firehoseBufferMB.default);
  });

  it.each(Object.keys(stages))('hold the %s stage of serverless.yml to their schemas', (stage) => {
    expect(() =>
      readStackSettings({ service: 'tributary', stage, ...defaults, ...stages[stage] }),
    ).not.toThrow();
  });

  it('refuse a bad value with the param, what was wrong and what to write', () => {
    expect(() => readStackSettings({ service: 'tributary', stage: 'qa', firehoseBufferMB: 32 })).toThrow(
      'firehoseBufferMB: expected an integer from 64 to 128, got number 32',
    );
    expect(() =>
      readStackSettings({ service: 'tributary', stage: 'qa', loaderSubnetIds: ['vpc-1'] }),
    ).toThrow(ConfigError);
  });

  it('are the README’s params table, default and per-stage columns included (npm run stage-params-table)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = /<!-- stage-params:start -->\n([\s\S]*?)\n<!-- stage-params:end -->/.exec(readme)?.[1];
    // cell by cell: the formatter pads the README's tables
    const cells = (markdown: string | undefined) =>
      markdown?.split('\n').map((row) =>
        row
          .split(/(?<!\\)\|/)
          .slice(1, -1)
          .map((cell) => cell.trim().replace(/^-+$/, '---')),
      );
    expect(cells(table)).toEqual(cells(renderStageParamsTable(stages)));
  });

  it('are every param serverless/resources.cjs resolves for the stack', async () => {
    // osls loads resources.cjs through tsx, which jest's module system cannot host: a Node of its own
    const probe = `
      const asked = new Set();
      const variables = require(process.argv[1]);
      const context = { resolveVariable: async (name) => {
        asked.add(name);
        return name === 'self:service' ? 'tributary' : name === 'sls:stage' ? 'dev' : null;
      } };
      Object.values(variables)[0](context).then(() => process.stdout.write(JSON.stringify([...asked])));`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '-e',
      probe,
      join(ROOT, 'serverless', 'resources.cjs'),
    ]);
    const asked = (JSON.parse(stdout) as string[])
      .filter((name) => name.startsWith('param:'))
      .map((name) => name.slice('param:'.length).replace(/, null$/, ''));
    expect(new Set(asked)).toEqual(new Set(STAGE_PARAM_NAMES));
  }, 60_000);
});
