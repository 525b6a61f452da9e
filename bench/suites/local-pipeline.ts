import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/lib/local/project-paths';
import { DuckDb, sqlString } from '../../src/lib/query/duckdb';
import { CLICKSTREAM_DEFAULTS, clickstreamEventJson } from '../../src/lib/samples/clickstream';
import { printResults } from '../harness';

const EVENTS = 1_000_000;
const TARGET_SECONDS = 60;
const execFileAsync = promisify(execFile);

/**
 * The README's main command at scale: `tributary run --events 1000000` in a fresh process, wall
 * clock from start to exit (generation, the local Firehose with the transform Lambda and Parquet
 * conversion, DynamoDB capture, the daily state machine, loads). Beside it, DuckDB's native
 * NDJSON-to-Parquet conversion of the same events: one step, no flattening, no contracts.
 */
export async function run(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'tributary-bench-local-'));
  try {
    const started = process.hrtime.bigint();
    const { stdout } = await runCli(['run', '--events', String(EVENTS), '--root', join(root, 'local')]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rows = /clickstream\s+(\d+)/.exec(stdout.slice(stdout.indexOf('Lake tables')))?.[1];
    if (rows !== String(EVENTS))
      throw new Error(`expected ${EVENTS} clickstream rows, the run said:\n${stdout}`);
    const stages = /Time: (.*)/.exec(stdout)?.[1] ?? '';
    const floor = await duckDbFloor(root);
    printResults('Local pipeline (tributary run)', [
      {
        metric: `${EVENTS.toLocaleString('en')} generated events, whole pipeline, wall clock (${stages})`,
        value: `${seconds.toFixed(1)} s`,
        baseline: `${floor.toFixed(1)} s for DuckDB NDJSON → Parquet alone`,
        ratio: `${(seconds / floor).toFixed(1)}x`,
        target: `< ${TARGET_SECONDS} s`,
        met: seconds < TARGET_SECONDS,
      },
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function runCli(args: string[]): Promise<{ stdout: string }> {
  return execFileAsync(process.execPath, [join(PROJECT_ROOT, 'bin', 'tributary.js'), ...args], {
    cwd: PROJECT_ROOT,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TRIBUTARY_MYSQL_URL: '', TRIBUTARY_POSTGRES_URL: '' },
  });
}

async function duckDbFloor(root: string): Promise<number> {
  const input = join(root, 'events.ndjson');
  const output = createWriteStream(input);
  const options = { ...CLICKSTREAM_DEFAULTS, eventsPerDay: EVENTS };
  for (let i = 0; i < EVENTS; i++) {
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
