import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../lib/util/errors';
import { PROJECT_ROOT } from '../lib/util/project-paths';
import { type CommandIo, processIo, UsageError, writeLine } from './io';

/**
 * A command's module, required only when that command runs: start-up then pays for one command's
 * imports (DuckDB, the AWS SDK, ...) instead of all of them. `require`, not `import()`: the CLI runs
 * under tsx's CommonJS hook, which compiles required TypeScript but leaves `import()` to Node.
 */
interface CommandModule {
  readonly help: string;
  readonly run: (args: string[], io: CommandIo) => Promise<number>;
}

interface Command {
  readonly summary: string;
  readonly load: () => CommandModule;
}

const COMMANDS: Record<string, Command> = {
  run: {
    summary: 'run the pipeline locally on sample or generated data',
    load: () => {
      const m: typeof import('./commands/run') = require('./commands/run');
      return { help: m.RUN_HELP, run: m.runCommand };
    },
  },
  flatten: {
    summary: 'flatten NDJSON from stdin or files to stdout',
    load: () => {
      const m: typeof import('./commands/flatten') = require('./commands/flatten');
      return { help: m.FLATTEN_HELP, run: m.flattenCommand };
    },
  },
  query: {
    summary: 'run Athena SQL against the local lake',
    load: () => {
      const m: typeof import('./commands/query') = require('./commands/query');
      return { help: m.QUERY_HELP, run: m.queryCommand };
    },
  },
  replay: {
    summary: 'send failed records back through the pipeline, locally or to a stage',
    load: () => {
      const m: typeof import('./commands/replay') = require('./commands/replay');
      return { help: m.REPLAY_HELP, run: m.replayCommand };
    },
  },
  compact: {
    summary: "rewrite a day of each stream's lake table into few large files, one copy per key",
    load: () => {
      const m: typeof import('./commands/compact') = require('./commands/compact');
      return { help: m.COMPACT_HELP, run: m.compactCommand };
    },
  },
  backfill: {
    summary:
      "rebuild a stream's days from the raw copies, so a newly declared column gets its earlier values",
    load: () => {
      const m: typeof import('./commands/backfill') = require('./commands/backfill');
      return { help: m.BACKFILL_HELP, run: m.backfillCommand };
    },
  },
  athena: {
    summary:
      "run a planned transform's statements or a load's query on the local Athena, for sls invoke local",
    load: () => {
      const m: typeof import('./commands/athena') = require('./commands/athena');
      return { help: m.ATHENA_HELP, run: m.athenaCommand };
    },
  },
  check: {
    summary: "run pipeline.yml's data checks on demand, on the local lake or a deployed stage's Athena",
    load: () => {
      const m: typeof import('./commands/check') = require('./commands/check');
      return { help: m.CHECK_HELP, run: m.checkCommand };
    },
  },
  simulate: {
    summary:
      'run the pipeline for simulated days against AWS stand-ins that are late, repeat and fail, and check its invariants',
    load: () => {
      const m: typeof import('./commands/simulate') = require('./commands/simulate');
      return { help: m.SIMULATE_HELP, run: m.simulateCommand };
    },
  },
  doctor: {
    summary:
      "check a stage's params before deploying it: alerts, BI database, VPC, region, captured tables, permissions",
    load: () => {
      const m: typeof import('./commands/doctor') = require('./commands/doctor');
      return { help: m.DOCTOR_HELP, run: m.doctorCommand };
    },
  },
  cost: {
    summary:
      "estimate a stage's month on AWS per service and line item, from a traffic profile or a local run",
    load: () => {
      const m: typeof import('./commands/cost') = require('./commands/cost');
      return { help: m.COST_HELP, run: m.costCommand };
    },
  },
  schema: {
    summary: 'infer a table entry from samples, or diff samples against pipeline.yml',
    load: () => {
      const m: typeof import('./commands/schema') = require('./commands/schema');
      return { help: m.SCHEMA_HELP, run: m.schemaCommand };
    },
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`);
  return `Usage: tributary <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun tributary <command> --help for a command's options.`;
}

function version(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** The AWS SDK's "Region is missing", said as what to do about it. */
function explained(error: unknown, name: string, args: readonly string[]): string {
  const message = errorMessage(error);
  if (!/Region is missing/.test(message)) return message;
  return (
    `${message}: reading AWS resources needs an AWS region: set AWS_REGION ` +
    `(for example AWS_REGION=us-east-1 npx tributary ${[name, ...args].join(' ')}) or a region in your AWS profile`
  );
}

/** Runs one CLI command; returns the exit code. Usage mistakes print help and exit with 2. */
export async function main(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(io.stdout, usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    writeLine(io.stdout, `tributary ${version()}`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    writeLine(io.stderr, `tributary: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  const module = command.load();
  try {
    return await module.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      writeLine(io.stderr, `tributary ${name}: ${(error as Error).message}\n\n${module.help}`);
      return 2;
    }
    writeLine(io.stderr, `tributary ${name}: ${explained(error, name, args)}`);
    return 1;
  }
}
