import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/local/project-paths';
import { errorMessage } from '../lib/util/errors';
import { ATHENA_HELP, athenaCommand } from './commands/athena';
import { CHECK_HELP, checkCommand } from './commands/check';
import { FLATTEN_HELP, flattenCommand } from './commands/flatten';
import { QUERY_HELP, queryCommand } from './commands/query';
import { REPLAY_HELP, replayCommand } from './commands/replay';
import { RUN_HELP, runCommand } from './commands/run';
import { SCHEMA_HELP, schemaCommand } from './commands/schema';
import { SIMULATE_HELP, simulateCommand } from './commands/simulate';
import { type CommandIo, processIo, UsageError, writeLine } from './io';

interface Command {
  readonly summary: string;
  readonly help: string;
  readonly run: (args: string[], io: CommandIo) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  run: { summary: 'run the pipeline locally on sample or generated data', help: RUN_HELP, run: runCommand },
  flatten: {
    summary: 'flatten NDJSON from stdin or files to stdout',
    help: FLATTEN_HELP,
    run: flattenCommand,
  },
  query: { summary: 'run Athena SQL against the local lake', help: QUERY_HELP, run: queryCommand },
  replay: {
    summary: 'send failed records back through the pipeline, locally or to a stage',
    help: REPLAY_HELP,
    run: replayCommand,
  },
  athena: {
    summary:
      "run a planned transform's statements or a load's query on the local Athena, for sls invoke local",
    help: ATHENA_HELP,
    run: athenaCommand,
  },
  check: {
    summary: "run pipeline.yml's data checks on demand, on the local lake or a deployed stage's Athena",
    help: CHECK_HELP,
    run: checkCommand,
  },
  simulate: {
    summary:
      'run the pipeline for simulated days against AWS stand-ins that are late, repeat and fail, and check its invariants',
    help: SIMULATE_HELP,
    run: simulateCommand,
  },
  schema: {
    summary: 'infer a table entry from samples, or diff samples against pipeline.yml',
    help: SCHEMA_HELP,
    run: schemaCommand,
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
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      writeLine(io.stderr, `tributary ${name}: ${(error as Error).message}\n\n${command.help}`);
      return 2;
    }
    writeLine(io.stderr, `tributary ${name}: ${explained(error, name, args)}`);
    return 1;
  }
}
