import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { PROJECT_ROOT } from '../../src/lib/util/project-paths';
import { captureIo } from '../support/cli';

describe('tributary', () => {
  it.each([['--version'], ['-v'], ['version']])('prints its version for %s', async (flag) => {
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));
    const io = captureIo();
    expect(await main([flag], io)).toBe(0);
    expect(io.out()).toBe(`tributary ${version}\n`);
  });

  it('says how to give a region when reading s3:// without one', async () => {
    const saved = { ...process.env };
    try {
      for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[name];
      process.env.AWS_CONFIG_FILE = join(PROJECT_ROOT, 'no-such-aws-config');
      process.env.AWS_SHARED_CREDENTIALS_FILE = join(PROJECT_ROOT, 'no-such-aws-credentials');
      const io = captureIo();
      expect(await main(['replay', 's3://tributary-dev-lake/errors/clickstream/'], io)).toBe(1);
      expect(io.err()).toContain('needs an AWS region: set AWS_REGION');
      expect(io.err()).toContain('AWS_REGION=us-east-1 npx tributary replay');
    } finally {
      process.env = saved;
    }
  });
});

describe('start-up', () => {
  /** The command modules, and the slow libraries, a fresh CLI process has loaded when `<args>` end. */
  function loadedModules(args: readonly string[]): { commands: string[]; heavy: string[] } {
    const script = [
      "require('./scripts/register.cjs');",
      "const { main } = require('./src/cli/main.ts');",
      "const { PassThrough } = require('node:stream');",
      'const io = { stdin: process.stdin, stdout: new PassThrough(), stderr: new PassThrough(), cwd: process.cwd() };',
      `main(${JSON.stringify(args)}, io).then(() => {`,
      '  const loaded = Object.keys(require.cache);',
      "  const commands = loaded.filter((k) => k.includes('/src/cli/commands/')).map((k) => k.slice(k.lastIndexOf('/') + 1));",
      "  const heavy = ['@duckdb/', '@aws-sdk/client-s3/', '@aws-sdk/client-athena/'].filter((l) => loaded.some((k) => k.includes(l)));",
      '  process.stdout.write(JSON.stringify({ commands, heavy }));',
      '});',
    ].join('\n');
    const out = execFileSync(process.execPath, ['-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    return JSON.parse(out) as { commands: string[]; heavy: string[] };
  }

  it('loads no command module to print its version or its list of commands', () => {
    expect(loadedModules(['--version'])).toEqual({ commands: [], heavy: [] });
    expect(loadedModules(['--help'])).toEqual({ commands: [], heavy: [] });
  });

  it("loads only the module of the command it runs, for that command's help", () => {
    expect(loadedModules(['flatten', '--help']).commands).toEqual(['flatten.ts']);
  });

  it('flattens without loading DuckDB or the AWS SDK', () => {
    expect(loadedModules(['flatten', '--table', 'clickstream', 'no-such-file.ndjson']).heavy).toEqual([]);
  });
});
