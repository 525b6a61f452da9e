import { parseArgs } from 'node:util';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CheckRunError } from '../../lib/checks/check-run';
import {
  athenaCheckQueryRunner,
  type CheckRunOutcome,
  checksOn,
  runChecks,
} from '../../lib/checks/run-checks';
import { STAGE_NAME, stageDatabaseName, stageResourcePrefix } from '../../lib/config/stage-names';
import { readStageParams, stageRegion } from '../../lib/deploy/stage-params';
import { localCheckQueryRunner } from '../../lib/local/local-check-queries';
import {
  DEFAULT_LOCAL_ROOT,
  type LocalEnvironment,
  localEnvironment,
  openLocalAthena,
} from '../../lib/local/local-environment';
import { requireLocalLake } from '../../lib/local/local-root';
import { isDay, yesterday } from '../../lib/orchestration/run-input';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import type { Pipeline } from '../../lib/pipeline/pipeline';
import { workGroupName } from '../../lib/query/workgroups';
import { checkOutcomeLines } from '../check-outcome';
import { type CommandIo, UsageError, writeLine } from '../io';
import { SAMPLE_DAY } from './run';

export const CHECK_HELP = `Usage: tributary check [--table T] [--date D | --from D --to D] [--stage S [--region R]] [--root DIR]

Runs the data checks of pipeline.yml on demand: each check is the one Athena query the daily
pipeline runs for it, over the days given, and prints whether it passed, how many rows failed and
a sample of them. Exits 1 when an error check fails (a warn check only reports).

  --table T      only the checks on table T (a lake table or transform output)
  --date D       the day to check (default: ${SAMPLE_DAY}, the samples' day, locally; yesterday (UTC)
                 with --stage, as the schedule runs)
  --from D --to D  a range of days instead
  --stage S      check deployed stage S with its Athena (workgroup tributary-S), in the stage's
                 region (serverless.yml's region param), with the AWS credentials of the
                 environment; without it, the local lake
  --region R     the region stage S was deployed to, when not its region param (sls deploy --region R)
  --root DIR     local root (default: $TRIBUTARY_LOCAL_ROOT or ${DEFAULT_LOCAL_ROOT})
  --help         show this help`;

function days(values: { date?: string; from?: string; to?: string }, defaultDay: string) {
  if (values.date !== undefined && (values.from !== undefined || values.to !== undefined))
    throw new UsageError('give either --date, or --from and --to');
  if ((values.from === undefined) !== (values.to === undefined))
    throw new UsageError('a range needs both --from and --to');
  const from = values.from ?? values.date ?? defaultDay;
  const to = values.to ?? values.date ?? defaultDay;
  for (const day of [from, to]) {
    if (!isDay(day)) throw new UsageError(`${day} is not a day (YYYY-MM-DD)`);
  }
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  return { from, to };
}

/**
 * A check on a transform output needs the table its transform publishes; name the table and its
 * checks rather than let the first check's query fail on a table that does not exist.
 */
async function requirePublished(
  pipeline: Pipeline,
  checks: readonly string[],
  environment: LocalEnvironment,
): Promise<void> {
  const selected = pipeline.checks.filter((check) => checks.includes(check.name));
  for (const transform of pipeline.transforms) {
    const on = selected.filter((check) => check.table === transform.name).map((check) => check.name);
    if (on.length === 0) continue;
    if (await environment.catalog.getTable(environment.database, transform.name)) continue;
    throw new Error(
      `${transform.name} has no table in ${environment.root}: its transform has not been published there (tributary run publishes it); checks on it: ${on.join(', ')}`,
    );
  }
}

export async function checkCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      table: { type: 'string' },
      date: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
      root: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    writeLine(io.stdout, CHECK_HELP);
    return 0;
  }
  const pipeline = bundledPipeline();
  if (values.region !== undefined && values.stage === undefined)
    throw new UsageError('--region goes with --stage: the local lake has no region');
  if (values.stage !== undefined && !STAGE_NAME.test(values.stage))
    throw new UsageError(`--stage ${values.stage} is not a stage name (lowercase letters, digits, dashes)`);
  const { from, to } = days(values, values.stage ? yesterday(new Date().toISOString()) : SAMPLE_DAY);
  const checks = (() => {
    try {
      return checksOn(pipeline, values.table);
    } catch (error) {
      if (error instanceof CheckRunError) throw new UsageError(error.message);
      throw error;
    }
  })();
  const runId = `check-${new Date().toISOString().replace(/[-:.]/g, '')}`;

  let outcomes: CheckRunOutcome[];
  let where: string;
  if (values.stage !== undefined) {
    const settings = {
      database: stageDatabaseName(pipeline.database, values.stage),
      workGroup: workGroupName(stageResourcePrefix(values.stage), 'queries'),
    };
    where = `stage ${values.stage} (Athena workgroup ${settings.workGroup})`;
    outcomes = await runChecks(
      pipeline,
      { checks, runId, from, to },
      settings,
      athenaCheckQueryRunner(
        new AthenaClient({ region: stageRegion(readStageParams(values.stage), values.region) }),
      ),
    );
  } else {
    const environment = localEnvironment(values.root, pipeline.database);
    requireLocalLake(environment);
    await requirePublished(pipeline, checks, environment);
    where = `the local lake in ${environment.root}`;
    const athena = await openLocalAthena(environment, pipeline);
    try {
      outcomes = await runChecks(
        pipeline,
        { checks, runId, from, to },
        { database: environment.database, workGroup: workGroupName(environment.resourcePrefix, 'queries') },
        localCheckQueryRunner(athena, environment),
      );
    } finally {
      athena.close();
    }
  }

  writeLine(io.stdout, `Data checks on ${where}, ${from === to ? from : `${from} to ${to}`}:`);
  for (const outcome of outcomes) {
    for (const line of checkOutcomeLines(outcome)) writeLine(io.stdout, `  ${line}`);
    if (!outcome.passed && outcome.resultLocation)
      writeLine(io.stdout, `    every failing row: ${outcome.resultLocation}`);
  }
  const failedErrors = outcomes.filter((o) => !o.passed && o.severity === 'error').length;
  const failedWarnings = outcomes.filter((o) => !o.passed && o.severity === 'warn').length;
  writeLine(
    io.stdout,
    `${outcomes.length} checks: ${outcomes.length - failedErrors - failedWarnings} passed, ${failedErrors} failed, ${failedWarnings} warnings`,
  );
  return failedErrors > 0 ? 1 : 0;
}
