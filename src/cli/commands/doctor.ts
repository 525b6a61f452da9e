import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readStackSettings } from '../../infra/settings';
import { ConfigError } from '../../lib/config/reader';
import { SERVICE, STAGE_NAME } from '../../lib/config/stage-names';
import { awsDescribeCapturedTable, environmentHasAwsCredentials } from '../../lib/deploy/aws-captured-tables';
import { awsGlueColumns } from '../../lib/deploy/aws-glue-columns';
import { lakeTypeFindings } from '../../lib/deploy/lake-type-findings';
import {
  capturedTableFindings,
  deployPermissions,
  type Finding,
  type FindingLevel,
  preflightFindings,
} from '../../lib/deploy/preflight';
import { readStageParams, stageRegion } from '../../lib/deploy/stage-params';
import { bundledPipeline } from '../../lib/pipeline/bundled';
import { type CommandIo, UsageError, writeLine } from '../io';

export const DOCTOR_HELP = `Usage: tributary doctor --stage S [--region R] [--param name=value]... [--offline]

Checks a stage's params before anything is deployed: alerts without an alarmEmail, loads without a
BI database, a loader VPC config Lambda would refuse, resources in another region than the stage,
captured DynamoDB tables without point-in-time recovery or a NEW_AND_OLD_IMAGES stream, a column
type in pipeline.yml that Athena could not read the deployed tables' files as (Glue GetTable), and
the permissions the person deploying needs. Reads serverless.yml's params as \`sls deploy\` would.
Exits 1 when something would fail.

  --stage S          the stage to check (params.default, then params.S)
  --region R         the region \`sls deploy --region R\` would use (default: the stage's region param)
  --param name=value a param as \`sls deploy --param\` gives it (lists and mappings as JSON)
  --offline          do not ask DynamoDB about captured tables nor Glue about the deployed tables
                     (the default when this shell has no AWS credentials); says what was left unchecked
  --help             show this help`;

const MARK: Record<FindingLevel, string> = { ok: '✓', warning: '!', error: '✗', unchecked: '?' };

function parseParams(values: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new UsageError(`--param ${value} is not name=value`);
    params[value.slice(0, at)] = value.slice(at + 1);
  }
  return params;
}

export async function doctorCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      param: { type: 'string', multiple: true, default: [] },
      offline: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    writeLine(io.stdout, DOCTOR_HELP);
    return 0;
  }
  if (values.stage === undefined) throw new UsageError('name the stage to check: --stage prod');
  if (!STAGE_NAME.test(values.stage))
    throw new UsageError(`--stage ${values.stage} is not a stage name (lowercase letters, digits, dashes)`);
  const stage = values.stage;
  const params = readStageParams(stage, parseParams(values.param));
  const region = stageRegion(params, values.region);
  const pipeline = bundledPipeline();
  writeLine(io.stdout, `Preflight of stage ${stage} (region ${region}):`);

  const findings: Finding[] = [];
  let settings: ReturnType<typeof readStackSettings> | undefined;
  try {
    settings = readStackSettings({ ...params, service: SERVICE, stage });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) writeLine(io.stdout, `  ${MARK.error} params: ${problem}`);
    writeLine(io.stdout, `${error.problems.length} errors: sls package and sls deploy stop on these`);
    return 1;
  }
  const online =
    !values.offline &&
    environmentHasAwsCredentials(
      process.env,
      existsSync(join(homedir(), '.aws', 'credentials')) || existsSync(join(homedir(), '.aws', 'config')),
    );
  findings.push(
    ...preflightFindings({
      pipeline,
      settings,
      region,
      scheduleEnabled: params.scheduleEnabled === true || params.scheduleEnabled === 'true',
      environmentRegion: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
    }),
    ...(await capturedTableFindings(settings, online ? awsDescribeCapturedTable(region) : undefined)),
    ...(await lakeTypeFindings(pipeline, stage, online ? awsGlueColumns(region) : undefined)),
  );
  for (const { level, topic, message } of findings)
    writeLine(io.stdout, `  ${MARK[level]} ${topic}: ${message}`);
  writeLine(io.stdout, '');
  writeLine(
    io.stdout,
    `The person deploying needs (on the stage's resources, tributary-${stage}-*): ${deployPermissions(pipeline, settings).join(', ')}`,
  );
  const count = (level: FindingLevel) => findings.filter((f) => f.level === level).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  writeLine(
    io.stdout,
    `${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${count('unchecked')} not checked`,
  );
  return count('error') > 0 ? 1 : 0;
}
