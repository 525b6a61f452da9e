import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isPlainObject } from '../config/config-error';
import { PROJECT_ROOT } from '../util/project-paths';

/**
 * A stage's params as serverless resolves them: `params.default`, then `params.<stage>`, then
 * `--param name=value`. The commands that reach a deployed stage (`doctor`, `check --stage`,
 * `replay --to deployed`) read its region here instead of asking for AWS_REGION.
 */

export class StageParamsError extends Error {
  override readonly name = 'StageParamsError';
}

/** An AWS region name: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function stageParams(
  serverless: unknown,
  stage: string,
  overrides: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const params = isPlainObject(serverless) && isPlainObject(serverless.params) ? serverless.params : {};
  const layer = (name: string) => (isPlainObject(params[name]) ? params[name] : {});
  return { ...layer('default'), ...layer(stage), ...overrides };
}

/** The shipped serverless.yml's params for a stage. */
export function readStageParams(
  stage: string,
  overrides: Readonly<Record<string, unknown>> = {},
  file = join(PROJECT_ROOT, 'serverless.yml'),
): Record<string, unknown> {
  return stageParams(parse(readFileSync(file, 'utf8')), stage, overrides);
}

/** Where the stage deploys: `--region` when given (serverless takes it over the param), else its `region` param. */
export function stageRegion(params: Readonly<Record<string, unknown>>, override?: string): string {
  const region = override ?? params.region;
  if (region === undefined || region === null || region === '') {
    throw new StageParamsError(
      'the stage has no region: set params.default.region in serverless.yml or pass --region',
    );
  }
  if (typeof region !== 'string' || !REGION.test(region)) {
    throw new StageParamsError(`${JSON.stringify(region)} is not an AWS region (such as us-east-1)`);
  }
  return region;
}
