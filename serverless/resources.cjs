// Variable source for serverless.yml: values built from pipeline.yml and the stage's params by the
// TypeScript in src/infra (osls only loads .js/.cjs files, so tsx compiles it on the fly).
const { join, relative } = require('node:path');
const ServerlessError = require('osls/lib/serverless-error');
const tsx = require('tsx/cjs/api');
const { parseYamlFile } = require('../scripts/yaml-loader.cjs');

const { serverlessValues } = tsx.require('../src/infra/serverless-values.ts', __filename);
const { parsePipeline } = tsx.require('../src/lib/pipeline/pipeline.ts', __filename);
const { readStackSettings } = tsx.require('../src/infra/settings.ts', __filename);
const { packagingWarnings } = tsx.require('../src/infra/preflight-warnings.ts', __filename);
const { STAGE_PARAM_NAMES } = tsx.require('../src/infra/stage-params.ts', __filename);

// every declared stage param, so none resolves as unset because a list here missed it
const PARAMS = STAGE_PARAM_NAMES;

/**
 * osls resolves each of these variables on its own and prints every failure, so a mistake in
 * pipeline.yml or in the params would be listed once per variable (25 times). It prints the same
 * error object once, and passes on unchanged an error of its own class whose message begins
 * `Cannot resolve variable at `: a configuration problem becomes one such error, shared by every
 * variable, and the pipeline is parsed once. The packaging preflight is printed for the first
 * variable only.
 */
function variablesFor(pipelinePath) {
  let pipeline;
  let warned = false;
  const shared = new Map();
  const sharedError = (error) => {
    let reported = shared.get(error.message);
    if (!reported) {
      reported = new ServerlessError(
        `Cannot resolve variable at "${relative(process.cwd(), pipelinePath) || pipelinePath}": ${error.message}`,
        'TRIBUTARY_CONFIGURATION_ERROR',
      );
      shared.set(error.message, reported);
    }
    return reported;
  };
  async function load({ resolveVariable }) {
    const raw = { service: await resolveVariable('self:service'), stage: await resolveVariable('sls:stage') };
    for (const name of PARAMS) raw[name] = await resolveVariable(`param:${name}, null`);
    let settings;
    try {
      pipeline ??= parsePipeline(parseYamlFile(pipelinePath), pipelinePath);
      settings = readStackSettings(raw);
    } catch (error) {
      if (error?.name === 'ConfigError' || error?.name === 'PipelineFileError') throw sharedError(error);
      throw error;
    }
    if (!warned) {
      warned = true;
      // --region wins over the region param, as it does for the provider
      const region =
        (await resolveVariable('opt:region, null')) ?? (await resolveVariable('param:region, null'));
      const scheduleEnabled = String(await resolveVariable('param:scheduleEnabled, null')) === 'true';
      const lines = packagingWarnings(pipeline, settings, { region: String(region), scheduleEnabled });
      if (lines.length > 0) process.stderr.write(`${lines.join('\n')}\n`);
    }
    return [pipeline, settings];
  }
  return Object.fromEntries(
    Object.entries(serverlessValues).map(([name, value]) => [
      name,
      async (context) => value(...(await load(context))),
    ]),
  );
}

module.exports = variablesFor(join(__dirname, '..', 'pipeline.yml'));
// for tests: the same variables over another pipeline description (osls reads only the above)
Object.defineProperty(module.exports, 'variablesFor', { value: variablesFor, enumerable: false });
