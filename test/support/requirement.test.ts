import { execFile } from 'node:child_process';
import { join } from 'node:path';

const PROJECT_ROOT = join(__dirname, '..', '..');
const JEST = join(PROJECT_ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
/** The project's jest config, narrowed to the fixture that declares one missing and one present requirement. */
const CONFIG = JSON.stringify({
  rootDir: PROJECT_ROOT,
  roots: ['<rootDir>/test/fixtures/requirement'],
  testMatch: ['**/*.check.ts'],
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
});

interface JestRun {
  readonly exitCode: number;
  readonly stderr: string;
  readonly tests: Array<{
    ancestorTitles: string[];
    title: string;
    status: string;
    failureMessages: string[];
  }>;
}

function runFixture(ci: string | undefined): Promise<JestRun> {
  const env = { ...process.env };
  delete env.CI;
  if (ci !== undefined) env.CI = ci;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [JEST, '--config', CONFIG, '--json', '--ci', '--no-cache'],
      { cwd: PROJECT_ROOT, env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        try {
          const report = JSON.parse(stdout);
          resolve({
            exitCode: error ? Number(error.code) : 0,
            stderr,
            tests: report.testResults.flatMap(
              (file: { assertionResults: JestRun['tests'] }) => file.assertionResults,
            ),
          });
        } catch {
          reject(new Error(`jest printed no report (${error?.message}):\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

const outcome = (run: JestRun) =>
  run.tests.map((t) => `${[...t.ancestorTitles, t.title].join(' > ')}: ${t.status}`).sort();

describe('describeWhenAvailable', () => {
  it('skips the tests of a missing requirement, naming the reason, and runs the rest', async () => {
    const run = await runFixture(undefined);
    expect(outcome(run)).toEqual([
      'with a missing thing > skipped, no thing: not installed here: pending',
      'with a thing that is there > uses the other thing: passed',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain('SKIPPED with a missing thing: no thing: not installed here');
  }, 60_000);

  it.each(['true', '1'])(
    'fails, naming the reason, when CI=%s',
    async (ci) => {
      const run = await runFixture(ci);
      expect(outcome(run)).toEqual([
        'with a missing thing > has thing (CI provides it): failed',
        'with a thing that is there > uses the other thing: passed',
      ]);
      expect(run.tests.find((t) => t.status === 'failed')?.failureMessages.join('')).toContain(
        'with a missing thing: no thing: not installed here',
      );
      expect(run.exitCode).toBe(1);
    },
    60_000,
  );
});
