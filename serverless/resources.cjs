// Variable source for serverless.yml: values built from pipeline.yml and the stage's params by the
// TypeScript in src/infra (osls only loads .js/.cjs files, so tsx compiles it on the fly).
const { join } = require('node:path');
const tsx = require('tsx/cjs/api');
const { parseYamlFile } = require('../scripts/yaml-loader.cjs');

const { serverlessValues } = tsx.require('../src/infra/serverless-values.ts', __filename);
const { parsePipeline } = tsx.require('../src/lib/pipeline/pipeline.ts', __filename);
const { readStackSettings } = tsx.require('../src/infra/settings.ts', __filename);
const { packagingWarnings } = tsx.require('../src/infra/preflight-warnings.ts', __filename);

const PARAMS = [
  'firehoseBufferMB',
  'firehoseBufferSeconds',
  'rawRetentionDays',
  'errorRetentionDays',
  'logRetentionDays',
  'lakeStartDate',
  'alarmEmail',
  'quietStreamAlarms',
  'hashKeySecretArn',
  'hashKeySecretKmsKeyArn',
  'privateRawRetentionDays',
  'privateRawReaderArns',
  'kmsKeyArn',
  'demoTables',
  'dynamodbSources',
  'streamBatchSize',
  'streamMaxRetries',
  'streamMaxRecordAgeSeconds',
  'streamFailureDestination',
  'athenaBytesScannedCutoff',
  'queryResultRetentionDays',
  'loaderSecretArn',
  'loaderSecretKmsKeyArn',
  'loaderSubnetIds',
  'loaderSecurityGroupIds',
  'auroraClusterArn',
  'auroraExportRoleArn',
  'auroraExportKmsKeyArn',
  'auroraExportOnly',
];

// serverless resolves each value separately: the preflight is printed for the first one only
let warned = false;

async function load({ resolveVariable }) {
  const raw = { service: await resolveVariable('self:service'), stage: await resolveVariable('sls:stage') };
  for (const name of PARAMS) raw[name] = await resolveVariable(`param:${name}, null`);
  const pipelinePath = join(__dirname, '..', 'pipeline.yml');
  const pipeline = parsePipeline(parseYamlFile(pipelinePath), pipelinePath);
  const settings = readStackSettings(raw);
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

module.exports = Object.fromEntries(
  Object.entries(serverlessValues).map(([name, value]) => [
    name,
    async (context) => value(...(await load(context))),
  ]),
);
