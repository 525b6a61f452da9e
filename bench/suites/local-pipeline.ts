import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLICKSTREAM_DEFAULTS, clickstreamEventJson } from '../../src/lib/samples/clickstream';
import { DuckDb, sqlString } from '../../src/lib/standins/athena/duckdb';
import { PROJECT_ROOT } from '../../src/lib/util/project-paths';
import { printResults, type ResultRow } from '../harness';

/** Times DuckDB alone may take for the whole pipeline (issue 12's target). */
const TARGET_RATIO = 4;
/** Peak memory is bounded when 10x (or 50x) the events need less than this factor more of it. */
const MEMORY_GROWTH_BOUND = 2;

/**
 * The scale points: 100k and 1M events by default; `BENCH_LOCAL_5M=1` adds 5M (several minutes
 * on a 2-core machine), `BENCH_LOCAL_EVENTS=200000,...` picks its own.
 */
export function scalePoints(env: NodeJS.ProcessEnv = process.env): number[] {
  if (env.BENCH_LOCAL_EVENTS) return env.BENCH_LOCAL_EVENTS.split(',').map((n) => Number(n.trim()));
  return env.BENCH_LOCAL_5M === '1' ? [100_000, 1_000_000, 5_000_000] : [100_000, 1_000_000];
}

interface PipelineRun {
  readonly events: number;
  readonly seconds: number;
  readonly stages: string;
  readonly peakRssBytes: number | undefined;
  readonly duckDbSeconds: number;
}

/**
 * The README's main command at scale: `tributary run --events N` in a fresh process, wall clock
 * from start to exit (generation, the local Firehose with the transform Lambda and Parquet
 * conversion, DynamoDB capture, the daily state machine, loads) and its peak resident memory.
 * Beside it, DuckDB's native NDJSON-to-Parquet conversion of the same events: one step, no
 * flattening, no contracts.
 */
export async function run(): Promise<void> {
  const runs: PipelineRun[] = [];
  for (const events of scalePoints()) runs.push(await measure(events));
  const smallest = runs[0]!;
  printResults('Local pipeline (tributary run)', [
    ...runs.map((r): ResultRow => {
      const ratio = r.seconds / r.duckDbSeconds;
      return {
        metric: `${r.events.toLocaleString('en')} events, wall clock (${r.stages})`,
        value: `${r.seconds.toFixed(1)} s`,
        baseline: `${r.duckDbSeconds.toFixed(1)} s DuckDB NDJSON → Parquet alone`,
        ratio: `${ratio.toFixed(1)}x`,
        target: `<= ${TARGET_RATIO}x`,
        met: ratio <= TARGET_RATIO,
      };
    }),
    ...runs.map(
      (r): ResultRow => ({
        metric: `${r.events.toLocaleString('en')} events, peak RSS (main process and its threads)`,
        value: r.peakRssBytes === undefined ? 'n/a' : `${Math.round(r.peakRssBytes / 2 ** 20)} MB`,
        ...(r === smallest || r.peakRssBytes === undefined || smallest.peakRssBytes === undefined
          ? {}
          : {
              baseline: `${Math.round(smallest.peakRssBytes / 2 ** 20)} MB at ${smallest.events.toLocaleString('en')}`,
              ratio: `${(r.peakRssBytes / smallest.peakRssBytes).toFixed(2)}x`,
              target: `< ${MEMORY_GROWTH_BOUND}x`,
              met: r.peakRssBytes / smallest.peakRssBytes < MEMORY_GROWTH_BOUND,
            }),
      }),
    ),
  ]);
}

async function measure(events: number): Promise<PipelineRun> {
  const root = await mkdtemp(join(tmpdir(), 'tributary-bench-local-'));
  try {
    const started = process.hrtime.bigint();
    const { stdout, peakRssBytes } = await runCli([
      'run',
      '--events',
      String(events),
      '--root',
      join(root, 'local'),
    ]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rows = /clickstream\s+(\d+)/.exec(stdout.slice(stdout.indexOf('Lake tables')))?.[1];
    if (rows !== String(events))
      throw new Error(`expected ${events} clickstream rows, the run said:\n${stdout}`);
    const stages = /Time: (.*)/.exec(stdout)?.[1] ?? '';
    const duckDbSeconds = await duckDbFloor(root, events);
    return { events, seconds, stages, peakRssBytes, duckDbSeconds };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Runs the CLI; the peak RSS is the child's VmHWM (Linux), read until it exits. */
function runCli(args: string[]): Promise<{ stdout: string; peakRssBytes: number | undefined }> {
  return new Promise((resolve, reject) => {
    let peakRssBytes: number | undefined;
    const child = execFile(
      process.execPath,
      [join(PROJECT_ROOT, 'bin', 'tributary.js'), ...args],
      {
        cwd: PROJECT_ROOT,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, TRIBUTARY_MYSQL_URL: '', TRIBUTARY_POSTGRES_URL: '' },
      },
      (error, stdout) => {
        clearInterval(poll);
        if (error) reject(error);
        else resolve({ stdout, peakRssBytes });
      },
    );
    const poll = setInterval(() => {
      readFile(`/proc/${child.pid}/status`, 'utf8').then(
        (status) => {
          const kilobytes = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
          if (kilobytes) peakRssBytes = Math.max(peakRssBytes ?? 0, Number(kilobytes) * 1024);
        },
        () => undefined,
      );
    }, 100);
  });
}

async function duckDbFloor(root: string, events: number): Promise<number> {
  const input = join(root, 'events.ndjson');
  const output = createWriteStream(input);
  const options = { ...CLICKSTREAM_DEFAULTS, eventsPerDay: events };
  for (let i = 0; i < events; i++) {
    if (!output.write(`${clickstreamEventJson(i, options)}\n`)) {
      await new Promise<void>((resolve) => output.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve) => output.end(() => resolve()));
  const duck = await DuckDb.open();
  try {
    const started = process.hrtime.bigint();
    await duck.run(
      `COPY (SELECT * FROM read_ndjson(${sqlString(input)})) TO ${sqlString(join(root, 'events.parquet'))} (FORMAT parquet, COMPRESSION snappy)`,
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if ((await stat(join(root, 'events.parquet'))).size === 0) throw new Error('DuckDB wrote nothing');
    return seconds;
  } finally {
    duck.close();
  }
}
