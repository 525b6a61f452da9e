import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { stackCostFacts } from '../../infra/cost-facts';
import { readStackSettings } from '../../infra/settings';
import { SERVICE, STAGE_NAME } from '../../lib/config/stage-names';
import { dailyRunShape, estimateMonth, lakeRewriteShape } from '../../lib/cost/estimate';
import { measureLocalRun } from '../../lib/cost/measure-local-run';
import { regionPrices } from '../../lib/cost/prices';
import {
  PROFILE_DEFAULTS,
  profileProblems,
  readTrafficProfile,
  type TrafficProfile,
} from '../../lib/cost/profile';
import { type KnobEffect, renderEstimate } from '../../lib/cost/report';
import { runsPerMonth } from '../../lib/cost/schedule';
import { walkRun } from '../../lib/cost/state-machine-walk';
import { stageParams, stageRegion } from '../../lib/deploy/stage-params';
import { localEnvironment } from '../../lib/local/local-environment';
import { requireLocalLake } from '../../lib/local/local-root';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import {
  dailyPipelineDefinition,
  lakeRewriteDefinition,
} from '../../lib/standins/stepfunctions/local-state-machine';
import { PROJECT_ROOT } from '../../lib/util/project-paths';
import { type CommandIo, UsageError, writeLine } from '../io';

export const COST_HELP = `Usage: tributary cost (--profile FILE | --stream S:EVENTS:BYTES... --table T:CHANGES:GB[:BYTES]... | --from-run [--root DIR])
                      [--history-days N] [--stage S] [--region R] [--param name=value]...

Estimates a stage's month on AWS, per service and line item, from a traffic profile and the stage's
own settings (buffers, lifecycle rules, memory sizes, alarms, schedule, as serverless.yml and
pipeline.yml make them), at the prices in src/lib/cost/prices.ts for the stage's region. Names the
three biggest line items, what drives each, and the param that lowers the month most.

  --profile FILE         a traffic profile (YAML or JSON; see samples/cost/small.yml)
  --stream S:EVENTS:BYTES  a stream's events per day and their average size in bytes
  --table T:CHANGES:GB[:BYTES]  a DynamoDB table's changes per day, its size in GB, and the
                         average change's size in bytes (default ${PROFILE_DEFAULTS.averageChangeBytes})
  --from-run             measure the profile from the last local run (tributary run), as if every
                         day were like its day
  --root DIR             the local run's root (default: $TRIBUTARY_LOCAL_ROOT or .tributary)
  --history-days N       days of data already kept (default ${PROFILE_DEFAULTS.historyDays}; overrides the profile's)
  --stage S              the stage whose params apply (default prod)
  --region R             the region \`sls deploy --region R\` would use (default: the stage's region param)
  --param name=value     a param as \`sls deploy --param\` gives it (lists and mappings as JSON)
  --help                 show this help`;

/** Params whose change the estimate tries, cheapest direction first; each within its allowed range. */
const KNOBS: readonly { param: string; to: (current: unknown) => unknown }[] = [
  { param: 'firehoseBufferSeconds', to: () => 900 },
  { param: 'firehoseBufferMB', to: () => 128 },
  { param: 'rawRetentionDays', to: (current) => Math.min(Number(current), 30) },
  { param: 'streamBatchSize', to: (current) => Math.max(Number(current), 1000) },
];

function parseParams(values: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new UsageError(`--param ${value} is not name=value`);
    params[value.slice(0, at)] = value.slice(at + 1);
  }
  return params;
}

function number(text: string | undefined, what: string): number {
  const value = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(value) || value < 0)
    throw new UsageError(`${what}: ${JSON.stringify(text)} is not a number of at least 0`);
  return value;
}

function profileFromFlags(streams: readonly string[], tables: readonly string[]): TrafficProfile {
  const document = {
    streams: Object.fromEntries(
      streams.map((flag) => {
        const [name, events, bytes, ...rest] = flag.split(':');
        if (!name || rest.length > 0) throw new UsageError(`--stream ${flag} is not S:EVENTS:BYTES`);
        return [
          name,
          {
            eventsPerDay: number(events, `--stream ${flag}`),
            averageEventBytes: number(bytes, `--stream ${flag}`),
          },
        ];
      }),
    ),
    tables: Object.fromEntries(
      tables.map((flag) => {
        const [name, changes, gb, bytes, ...rest] = flag.split(':');
        if (!name || rest.length > 0) throw new UsageError(`--table ${flag} is not T:CHANGES:GB[:BYTES]`);
        return [
          name,
          {
            changesPerDay: number(changes, `--table ${flag}`),
            tableGB: number(gb, `--table ${flag}`),
            ...(bytes === undefined ? {} : { averageChangeBytes: number(bytes, `--table ${flag}`) }),
          },
        ];
      }),
    ),
  };
  return readTrafficProfile(document, 'the --stream and --table flags');
}

function readServerlessYml(): Record<string, unknown> {
  return parse(readFileSync(join(PROJECT_ROOT, 'serverless.yml'), 'utf8')) as Record<string, unknown>;
}

export async function costCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      profile: { type: 'string' },
      stream: { type: 'string', multiple: true, default: [] },
      table: { type: 'string', multiple: true, default: [] },
      'from-run': { type: 'boolean', default: false },
      root: { type: 'string' },
      'history-days': { type: 'string' },
      stage: { type: 'string', default: 'prod' },
      region: { type: 'string' },
      param: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    writeLine(io.stdout, COST_HELP);
    return 0;
  }
  const flags = values.stream.length + values.table.length > 0;
  const sources = [values.profile !== undefined, flags, values['from-run']].filter(Boolean).length;
  if (sources !== 1)
    throw new UsageError('give one traffic source: --profile FILE, --stream/--table flags, or --from-run');
  if (!STAGE_NAME.test(values.stage))
    throw new UsageError(`--stage ${values.stage} is not a stage name (lowercase letters, digits, dashes)`);

  const pipeline = bundledPipeline();
  let profile: TrafficProfile;
  let source: string;
  if (values.profile !== undefined) {
    const path = resolve(io.cwd, values.profile);
    profile = readTrafficProfile(parse(readFileSync(path, 'utf8')), values.profile);
    source = `profile ${relative(io.cwd, path) || values.profile}`;
  } else if (flags) {
    profile = profileFromFlags(values.stream, values.table);
    source = 'profile from flags';
  } else {
    const environment = localEnvironment(values.root, pipeline.database);
    requireLocalLake(environment);
    profile = await measureLocalRun(
      environment.store,
      { lake: environment.lakeBucket, raw: environment.rawBucket },
      pipeline,
    );
    source = 'profile measured from the local run';
  }
  if (values['history-days'] !== undefined) {
    const days = number(values['history-days'], '--history-days');
    if (!Number.isInteger(days)) throw new UsageError('--history-days must be a whole number of days');
    profile = { ...profile, historyDays: days };
  }
  const problems = profileProblems(profile, pipeline);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));

  const serverless = readServerlessYml();
  const overrides = parseParams(values.param);
  const params = stageParams(serverless, values.stage, overrides);
  const region = stageRegion(params, values.region);
  const prices = regionPrices(region);
  const estimateWith = (variant: Record<string, unknown>) => {
    const settings = readStackSettings({ ...variant, service: SERVICE, stage: values.stage });
    const scheduleEnabled = variant.scheduleEnabled === true || variant.scheduleEnabled === 'true';
    const schedule = String(variant.pipelineSchedule ?? '');
    const runs = runsPerMonth(schedule);
    if (scheduleEnabled && runs === undefined)
      throw new UsageError(
        `pipelineSchedule ${JSON.stringify(schedule)}: cost reads rate(...) and daily cron(...) schedules only`,
      );
    const facts = stackCostFacts(pipeline, settings, serverless, {
      region,
      runsPerMonth: scheduleEnabled ? (runs ?? 0) : 0,
    });
    const run = walkRun(dailyPipelineDefinition(), dailyRunShape(pipeline, profile, facts));
    // the lake-rewrite state machine runs on its own schedule, switched on with the same param
    const compaction = String(variant.compactionSchedule ?? '');
    const rewriteRuns = runsPerMonth(compaction);
    if (scheduleEnabled && rewriteRuns === undefined)
      throw new UsageError(
        `compactionSchedule ${JSON.stringify(compaction)}: cost reads rate(...) and daily cron(...) schedules only`,
      );
    const rewrite = {
      walk: walkRun(lakeRewriteDefinition(), lakeRewriteShape(pipeline, profile)),
      runsPerMonth: scheduleEnabled ? (rewriteRuns ?? 0) : 0,
    };
    return { facts, estimate: estimateMonth(pipeline, profile, facts, prices, run, rewrite) };
  };
  const { facts, estimate } = estimateWith(params);
  const knobs: KnobEffect[] = [];
  for (const knob of KNOBS) {
    const to = knob.to(params[knob.param]);
    if (String(to) === String(params[knob.param])) continue;
    const { estimate: changed } = estimateWith({ ...params, [knob.param]: to });
    knobs.push({
      param: knob.param,
      from: String(params[knob.param]),
      to: String(to),
      totalUsd: changed.totalUsd,
    });
  }
  writeLine(io.stdout, renderEstimate(estimate, { profile, facts, prices, knobs, source }));
  return 0;
}
