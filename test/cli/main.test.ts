import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { PROJECT_ROOT } from '../../src/lib/local/project-paths';
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
