import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PROJECT_ROOT = join(__dirname, '..', '..');
const SLS = join(PROJECT_ROOT, 'node_modules', '.bin', 'sls');

const LOCK = join(PROJECT_ROOT, '.esbuild.lock');

/**
 * serverless-esbuild builds in the project's shared .esbuild directory, so jest workers take turns
 * running the serverless CLI (mkdir is atomic; a lock older than two minutes is abandoned).
 */
export async function withServerlessLock<T>(work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() - started > 120_000) await rm(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await work();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

/** Environment for the serverless CLI: no AWS credentials and no profile, as on a fresh machine. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) if (key.startsWith('AWS_')) delete env[key];
  return env;
}

export interface PackagedStage {
  readonly template: Record<string, any>;
  readonly directory: string;
  /** What `sls package` printed, stdout then stderr. */
  readonly output: string;
}

/**
 * Runs `sls package --stage <stage>` into a temporary directory and reads the template; `params`
 * override the stage's (`--param`, lists and mappings as JSON).
 */
export async function packageStage(
  stage: string,
  params: Record<string, unknown> = {},
): Promise<PackagedStage> {
  const directory = await mkdtemp(join(tmpdir(), `tributary-package-${stage}-`));
  const paramOptions = Object.entries(params).map(
    ([name, value]) => `--param=${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  const { stdout, stderr } = await withServerlessLock(() =>
    run(SLS, ['package', '--stage', stage, '--package', directory, ...paramOptions], {
      cwd: PROJECT_ROOT,
      env: offlineEnv(),
      maxBuffer: 16 * 1024 * 1024,
    }),
  );
  const template = JSON.parse(
    await readFile(join(directory, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  return { template, directory, output: `${stdout}${stderr}` };
}

export async function removePackage(packaged: PackagedStage | undefined): Promise<void> {
  if (packaged) await rm(packaged.directory, { recursive: true, force: true });
}

/** What a finished `sls invoke local` printed, and how it exited (`timedOut` when it had to be killed). */
export interface InvokeLocalRun {
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `sls invoke local` expecting it may fail: never throws, and kills it after `timeoutMs`. */
export async function invokeLocalRun(
  fn: string,
  eventPath: string,
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<InvokeLocalRun> {
  return withServerlessLock(
    () =>
      new Promise<InvokeLocalRun>((resolve) => {
        execFile(
          SLS,
          [
            'invoke',
            'local',
            '--stage',
            'dev',
            '-f',
            fn,
            '-p',
            eventPath,
            ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
          ],
          {
            cwd: PROJECT_ROOT,
            env: offlineEnv({ POWERTOOLS_METRICS_DISABLED: 'true' }),
            maxBuffer: 64 * 1024 * 1024,
            timeout: timeoutMs,
            killSignal: 'SIGKILL',
          },
          (error, stdout, stderr) => {
            const failure = error as (Error & { code?: number; killed?: boolean }) | null;
            resolve({
              code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0,
              timedOut: failure?.killed === true,
              stdout,
              stderr,
            });
          },
        );
      }),
  );
}

/** Runs `sls invoke local` and returns the handler's JSON result (the last JSON document printed). */
export async function invokeLocal(
  fn: string,
  eventPath: string,
  env: Record<string, string> = {},
): Promise<{ result: any; stdout: string; stderr: string }> {
  const { code, timedOut, stdout, stderr } = await invokeLocalRun(fn, eventPath, env);
  if (code !== 0) {
    throw new Error(
      `sls invoke local -f ${fn} ${timedOut ? 'timed out' : `exited ${code}`}:\n${stdout}\n${stderr}`,
    );
  }
  const start = stdout.lastIndexOf('\n{\n');
  return { result: JSON.parse(stdout.slice(Math.max(start, 0))), stdout, stderr };
}
