import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  checkLocalRoot,
  LocalRootError,
  localEnvironment,
  markLocalRoot,
  resetLocalRoot,
} from '../../lib/local/local-environment';
import { loadLocalHandlers } from '../../lib/local/local-handlers';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { DEFAULT_FIRST_DAY, type SimulationReport, simulate } from '../../lib/simulation/simulate';
import { type CommandIo, UsageError, writeLine } from '../io';

export const SIMULATE_HELP = `Usage: tributary simulate [--seed N] [--seeds K] [--days D] [--root DIR]

Runs the real handlers and the daily state machine for D simulated days against local stand-ins
that behave as AWS documents: S3 notifications late and twice, Firehose flushing on size and age,
stream batches retried, Lambda invocations killed and retried, exports that take minutes, Athena
throttling, producers that resend and devices that come back online with weeks of events; each
night the due days are compacted while late files land in them, and some rewrites are killed. Every
delay and fault is drawn from the seed, in virtual time (no real waiting), and the pipeline's
invariants are checked after every execution and at the end. A failing seed replays exactly.

  --seed N     the first seed (default: 1)
  --seeds K    how many seeds to run, N, N+1, ... (default: 1; thousands make a soak)
  --days D     simulated days per seed (default: 4)
  --root DIR   where the simulated stage lives (default: a new temporary directory)
  --help       show this help

Exit code 0 when every invariant held for every seed, 1 when one broke (each violation printed
with its seed, so \`tributary simulate --seed N\` replays it).`;

function positiveInteger(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`${name} takes a whole number of 1 or more`);
  return Number(value);
}

function describe(report: SimulationReport): string {
  const c = report.counts;
  const failed = report.executions.filter((e) => e.status === 'FAILED').length;
  return (
    `seed ${report.seed}: ${report.days} days from ${report.firstDay}, ${report.scheduled} scheduled actions (schedule ${report.scheduleDigest.slice(0, 12)}); ` +
    `${c.recordsSent} records sent (${c.duplicateSends} twice, ${c.lateEvents} late), ${c.changes} changes ` +
    `(${c.poisonChanges} poison), ${c.notifications} notifications (${c.duplicateNotifications} twice), ` +
    `${c.kills} invocations killed; ${c.compactions} rounds of the lake rewrite flipped (${c.landedDuringCompaction} files landed during one, ` +
    `${c.rewritesKilled} rewrites killed, ${c.rewritesSuperseded} superseded, ${c.queriesFailed} queries failed, ` +
    `${c.filesRemoved} replaced files removed); ` +
    `${report.executions.length} executions (${failed} failed); ` +
    `${report.violations.length === 0 ? 'every invariant held' : `${report.violations.length} violations`}`
  );
}

export async function simulateCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      seed: { type: 'string' },
      seeds: { type: 'string' },
      days: { type: 'string' },
      root: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    writeLine(io.stdout, SIMULATE_HELP);
    return 0;
  }
  const first = positiveInteger(values.seed, 1, '--seed');
  const seeds = positiveInteger(values.seeds, 1, '--seeds');
  const days = positiveInteger(values.days, 4, '--days');
  const pipeline = bundledPipeline();
  const root = values.root ?? (await mkdtemp(join(tmpdir(), 'tributary-simulate-')));
  const environment = localEnvironment(root, pipeline.database);
  // a --root that is not a local stage's own (or empty) is refused before anything is cleared
  await checkLocalRoot(environment).catch((error: unknown) => {
    throw error instanceof LocalRootError ? new UsageError(error.message) : error;
  });
  await markLocalRoot(environment);
  const handlers = await loadLocalHandlers(environment, pipeline);
  let broken = 0;
  writeLine(
    io.stdout,
    `Simulating ${seeds} seed(s) from ${first}, ${days} days each from ${DEFAULT_FIRST_DAY}, in ${environment.root}`,
  );
  for (let seed = first; seed < first + seeds; seed++) {
    await resetLocalRoot(environment);
    const report = await simulate({ seed, days, environment, pipeline, handlers });
    writeLine(io.stdout, describe(report));
    for (const violation of report.violations) {
      broken++;
      writeLine(
        io.stdout,
        `  VIOLATION [seed ${seed}, ${violation.at}] ${violation.invariant}: ${violation.detail}`,
      );
    }
  }
  if (broken > 0) {
    writeLine(
      io.stdout,
      `${broken} invariant violations. Replay one with: npx tributary simulate --seed <seed> --days ${days}`,
    );
    return 1;
  }
  return 0;
}
