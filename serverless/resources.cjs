// Variable source for serverless.yml: builds CloudFormation from pipeline.yml with the TypeScript
// in src/infra (osls only loads .js/.cjs files, so tsx compiles it on the fly).
const { join } = require('node:path');
const tsx = require('tsx/cjs/api');
const { parseYamlFile } = require('../scripts/yaml-loader.cjs');

const PARAMS = [
  'firehoseBufferMB',
  'firehoseBufferSeconds',
  'rawRetentionDays',
  'errorRetentionDays',
  'logRetentionDays',
  'lakeStartDate',
  'alarmEmail',
  'hashKeySecretArn',
  'kmsKeyArn',
];

async function load({ resolveVariable }) {
  const { parsePipeline } = tsx.require('../src/lib/pipeline/pipeline.ts', __filename);
  const { readStackSettings } = tsx.require('../src/infra/settings.ts', __filename);
  const raw = {
    service: await resolveVariable('self:service'),
    stage: await resolveVariable('sls:stage'),
  };
  for (const name of PARAMS) raw[name] = await resolveVariable(`param:${name}, null`);
  const pipelinePath = join(__dirname, '..', 'pipeline.yml');
  return {
    pipeline: parsePipeline(parseYamlFile(pipelinePath), pipelinePath),
    settings: readStackSettings(raw),
  };
}

module.exports = {
  async resources(context) {
    const { pipeline, settings } = await load(context);
    return tsx.require('../src/infra/stack.ts', __filename).stackResources(pipeline, settings);
  },
  async firehoseTransformStatements(context) {
    const { pipeline, settings } = await load(context);
    return tsx
      .require('../src/infra/firehose.ts', __filename)
      .firehoseTransformStatements(pipeline, settings);
  },
};
