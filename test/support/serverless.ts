import { execFile } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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
  /** The package, shared by every suite that asks for the same stage: read it, never write into it. */
  readonly directory: string;
  /** What `sls package` printed, stdout then stderr. */
  readonly output: string;
}

/** Everything `sls package` reads from the project; a change to any of them packages again. */
const PACKAGE_INPUTS = [
  'serverless.yml',
  'serverless',
  'pipeline.yml',
  'src',
  'statemachines',
  'transforms',
  'scripts',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
];

/** Packages survive the test run that made them, so a later run with the same inputs skips `sls package`. */
export const PACKAGE_CACHE = join(tmpdir(), 'tributary-sls-package');

async function hashInputs(hash: Hash, path: string): Promise<void> {
  const entries = await readdir(path, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') return undefined;
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries === undefined) {
    hash.update(`\0${relative(PROJECT_ROOT, path)}\0`).update(await readFile(path));
    return;
  }
  for (const entry of entries.map((e) => e.name).sort()) await hashInputs(hash, join(path, entry));
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/**
 * A package's name: which project, stage and params (the part shared with its older packages,
 * which a new one replaces), then the hash of the project's files it reads and the Node running it.
 */
async function packageName(
  stage: string,
  paramOptions: readonly string[],
): Promise<{ prefix: string; name: string }> {
  const prefix = `${shortHash(PROJECT_ROOT)}-${stage}-${shortHash(JSON.stringify(paramOptions))}@`;
  const hash = createHash('sha256').update(process.version);
  for (const input of PACKAGE_INPUTS) await hashInputs(hash, join(PROJECT_ROOT, input));
  return { prefix, name: `${prefix}${hash.digest('hex').slice(0, 24)}` };
}

/**
 * `sls package --stage <stage>` and its template; `params` override the stage's (`--param`, lists
 * and mappings as JSON). Each stage is packaged once for all the suites that ask (jest workers are
 * separate processes, so the package is kept in PACKAGE_CACHE under a hash of its inputs); an
 * older package of the same project, stage and params is removed when a new one is made.
 */
export async function packageStage(
  stage: string,
  params: Record<string, unknown> = {},
): Promise<PackagedStage> {
  const paramOptions = Object.entries(params).map(
    ([name, value]) => `--param=${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  const { prefix, name } = await packageName(stage, paramOptions);
  const directory = join(PACKAGE_CACHE, name);
  const outputFile = join(directory, 'sls-package-output.txt');
  await withServerlessLock(async () => {
    // the output file is written last: a directory without it is an interrupted package
    if (
      await access(outputFile).then(
        () => true,
        () => false,
      )
    )
      return;
    await mkdir(PACKAGE_CACHE, { recursive: true });
    for (const stale of await readdir(PACKAGE_CACHE)) {
      if (stale.startsWith(prefix)) await rm(join(PACKAGE_CACHE, stale), { recursive: true, force: true });
    }
    const { stdout, stderr } = await run(
      SLS,
      ['package', '--stage', stage, '--package', directory, ...paramOptions],
      { cwd: PROJECT_ROOT, env: offlineEnv(), maxBuffer: 16 * 1024 * 1024 },
    );
    await writeFile(outputFile, `${stdout}${stderr}`);
  });
  const template = JSON.parse(
    await readFile(join(directory, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  return { template, directory, output: await readFile(outputFile, 'utf8') };
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
