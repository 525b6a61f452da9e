import type { Pipeline } from '../lib/pipeline/pipeline';
import { dynamodbTableMap } from './dynamodb';
import { bucketNameForEnvironment, glueDatabaseName } from './names';
import {
  auroraExportSetting,
  dynamodbExportsSetting,
  loaderStatements,
  planRunStatements,
  publishTransformStatements,
  rewriteLakeStatements,
  transformWorkGroupName,
  workGroupName,
} from './orchestration';
import { hashKeySecretForEnvironment } from './secrets';
import type { StackSettings } from './settings';
import { sourceFunctionStatements } from './sources';
import { stackResources } from './stack';

/**
 * Everything serverless.yml takes from the pipeline description, by name:
 * `${file(./serverless/resources.cjs):<name>}`.
 */
export const serverlessValues = {
  resources: stackResources,
  ...sourceFunctionStatements(),
  dynamodbTableMap,
  firehoseTransformHashKeySecret: (pipeline: Pipeline, settings: StackSettings) =>
    hashKeySecretForEnvironment(pipeline, settings, 'firehoseTransform'),
  s3FlattenHashKeySecret: (pipeline: Pipeline, settings: StackSettings) =>
    hashKeySecretForEnvironment(pipeline, settings, 's3Flatten'),
  lakeBucketName: (_pipeline: Pipeline, settings: StackSettings) =>
    bucketNameForEnvironment(settings, 'lake'),
  rawBucketName: (_pipeline: Pipeline, settings: StackSettings) => bucketNameForEnvironment(settings, 'raw'),
  databaseName: (pipeline: Pipeline, settings: StackSettings) =>
    glueDatabaseName(pipeline.database, settings),
  workGroupName: (_pipeline: Pipeline, settings: StackSettings) => workGroupName(settings),
  transformWorkGroupName: (_pipeline: Pipeline, settings: StackSettings) => transformWorkGroupName(settings),
  /** The first day the Glue tables project, for the functions that must file data within it. */
  lakeStartDate: (_pipeline: Pipeline, settings: StackSettings) => settings.lakeStartDate,
  /** planRun's per-run scan budget, as the text an environment variable holds. */
  runScanBudgetBytes: (_pipeline: Pipeline, settings: StackSettings) => String(settings.runScanBudgetBytes),
  dynamodbExportsSetting,
  auroraExportSetting,
  planRunStatements,
  publishTransformStatements,
  loaderStatements,
  rewriteLakeStatements,
} satisfies Record<string, (pipeline: Pipeline, settings: StackSettings) => unknown>;
