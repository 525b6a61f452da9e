import { planCheck } from '../../../src/lib/checks/check-run';
import { readRunSettings } from '../../../src/lib/orchestration/config';
import {
  type AthenaQuery,
  planPipelineRun,
  planTransform,
  type RunSettings,
} from '../../../src/lib/orchestration/run-plan';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import { LakeLayout } from '../../../src/lib/pipeline/lake-layout';
import {
  compactedTableName,
  generationDataPrefix,
  rewriteTableName,
} from '../../../src/lib/rewrite/lake-sql';
import { RewriteLayout } from '../../../src/lib/rewrite/layout';
import { planTransformRun } from '../../../src/lib/transforms/transform-run';
import type { IamRequest } from './simulate';
import { ACCOUNT, type DeployedTemplate, REGION } from './template';

/**
 * What AWS services do with a role of the stack, derived from the template: the state machine's
 * Task states (with AWS's published policy for each service integration), the delivery streams'
 * configuration (Firehose's documented role permissions), event source mappings and schedules.
 */

const pipeline = bundledPipeline();

/**
 * Actions of AWS's published policy for `athena:startQueryExecution.sync` ("IAM policies for
 * Amazon Athena" in the Step Functions guide). The role grants each on the stage's own
 * workgroup, catalog tables and buckets; `WITHHELD_ATHENA_ACTIONS` says why the rest are not.
 */
const ATHENA_SYNC = {
  athena: ['athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution'],
  dataCatalog: ['athena:GetDataCatalog'],
  glueCatalog: ['glue:GetDatabase'],
  glueTables: [
    'glue:CreateTable',
    'glue:UpdateTable',
    'glue:GetTable',
    'glue:GetTables',
    'glue:BatchCreatePartition',
    'glue:CreatePartition',
    'glue:UpdatePartition',
    'glue:GetPartition',
    'glue:GetPartitions',
    'glue:BatchGetPartition',
  ],
  s3Bucket: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
  s3Read: ['s3:GetObject'],
  s3Write: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
} as const;

/** Published for the integration, but not granted: what the pipeline's queries never do. */
export const WITHHELD_ATHENA_ACTIONS: Record<string, string> = {
  'glue:CreateDatabase': 'the database is CloudFormation’s',
  'glue:UpdateDatabase': 'the database is CloudFormation’s',
  'glue:DeleteDatabase': 'the database is CloudFormation’s',
  'glue:GetDatabases': 'no query lists databases',
  'glue:DeleteTable': 'publishTransform drops staging tables through Glue, not a query',
  'glue:BatchDeleteTable': 'publishTransform drops staging tables through Glue, not a query',
  'glue:DeletePartition': 'CTAS and INSERT INTO only add partitions',
  'glue:BatchDeletePartition': 'CTAS and INSERT INTO only add partitions',
  's3:CreateBucket': 'the buckets are CloudFormation’s',
  'lakeformation:GetDataAccess': 'the lake is governed by IAM, not Lake Formation',
};

const glue = (path: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${path}`;
const s3 = (bucket: string, key?: string) => `arn:aws:s3:::${bucket}${key === undefined ? '' : `/${key}`}`;

export interface StageNames {
  readonly lakeBucket: string;
  readonly rawBucket: string;
  readonly resultsBucket: string;
  readonly database: string;
  readonly workGroup: string;
}

export function stageNames(template: DeployedTemplate): StageNames {
  return {
    lakeBucket: template.ref('LakeBucket'),
    rawBucket: template.ref('RawBucket'),
    resultsBucket: template.ref('ResultsBucket'),
    database: template.ref('GlueDatabase'),
    workGroup: template.resolve(template.resource('AthenaWorkGroup').Properties.Name) as string,
  };
}

/** KMS requests S3 makes with the caller's credentials for a bucket encrypted with a customer key. */
function kms(template: DeployedTemplate, bucket: string, actions: string[], because: string): IamRequest[] {
  const key = template.bucketKey(bucket);
  return key ? actions.map((action) => ({ action, resource: key, because })) : [];
}

/**
 * What an Athena query of the pipeline needs: running in the workgroup it names, reading the lake,
 * writing its run and results.
 */
function athenaQueryRequests(
  template: DeployedTemplate,
  names: StageNames,
  workGroup: string,
  because: string,
  touched: {
    tables: ReadonlySet<string>;
    read: readonly string[];
    written: readonly string[];
  } = transformQueries(names),
): IamRequest[] {
  const requests: IamRequest[] = [];
  const add = (actions: readonly string[], resources: string[]) => {
    for (const action of actions)
      for (const resource of resources) requests.push({ action, resource, because });
  };
  add(ATHENA_SYNC.athena, [`arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${workGroup}`]);
  add(ATHENA_SYNC.dataCatalog, [`arn:aws:athena:${REGION}:${ACCOUNT}:datacatalog/AwsDataCatalog`]);
  add(ATHENA_SYNC.glueCatalog, [glue('catalog'), glue(`database/${names.database}`)]);
  const { tables, read, written } = touched;
  for (const table of tables) {
    add(ATHENA_SYNC.glueTables, [
      glue('catalog'),
      glue(`database/${names.database}`),
      glue(`table/${names.database}/${table}`),
    ]);
  }
  add(ATHENA_SYNC.s3Bucket, [s3(names.lakeBucket), s3(names.resultsBucket)]);
  add(ATHENA_SYNC.s3Read, [
    ...read.map((key) => s3(names.lakeBucket, key)),
    s3(names.resultsBucket, 'query-id.csv'),
  ]);
  add(ATHENA_SYNC.s3Write, [
    ...written.map((key) => s3(names.lakeBucket, key)),
    s3(names.resultsBucket, 'query-id.csv'),
  ]);
  requests.push(
    ...kms(template, names.lakeBucket, ['kms:Decrypt', 'kms:GenerateDataKey'], `${because}: lake objects`),
    ...kms(template, names.resultsBucket, ['kms:Decrypt', 'kms:GenerateDataKey'], `${because}: results`),
    ...workGroupResultKey(template, workGroup, because),
  );
  return requests;
}

/** The tables, files read and files written of the daily pipeline's transform statements. */
function transformQueries(names: StageNames): {
  tables: Set<string>;
  read: string[];
  written: string[];
} {
  const tables = new Set<string>();
  const written: string[] = [];
  const generationReads: string[] = [];
  for (const spec of pipeline.transforms) {
    const run = planTransformRun(spec, {
      runId: 'iam-simulation',
      database: names.database,
      lakeBucket: names.lakeBucket,
      from: '2026-01-01',
      to: '2026-04-30',
    });
    for (const source of spec.sources) tables.add(source);
    // a stream is read with its rewritten days (src/lib/rewrite/lake-sql.ts)
    for (const stream of pipeline.streams.filter((s) => spec.sources.includes(s.name))) {
      tables.add(compactedTableName(stream.name));
      generationReads.push(
        RewriteLayout.pointer(stream.name, '2026-01-01'),
        `${RewriteLayout.generation(stream.name, '2026-01-01', '1767225600000-0a1b2c3d')}data/part-0.parquet`,
      );
    }
    tables.add(run.stagingTable);
    tables.add(run.target);
    written.push(`${run.outputPrefix}dt=2026-01-01/part-0.parquet`);
  }
  const read = [
    ...[...tables]
      .filter((t) => !t.includes('__run_') && !t.endsWith('__compacted'))
      .map((t) => `${LakeLayout.table(t)}dt=2026-01-01/part-0.parquet`),
    ...generationReads,
  ];
  return { tables, read, written };
}

/**
 * The tables, files read and files written of the lake rewrite's compaction CTAS, for each stream:
 * its live files and its current generation, the new generation's data folder.
 */
function compactionQueries(): { tables: Set<string>; read: string[]; written: string[] } {
  const tables = new Set<string>();
  const read: string[] = [];
  const written: string[] = [];
  for (const stream of pipeline.streams) {
    const generation = '1767225600000-abcd1234';
    tables.add(stream.name);
    tables.add(compactedTableName(stream.name));
    tables.add(rewriteTableName(stream.name, generation));
    read.push(
      `${LakeLayout.table(stream.name)}dt=2026-01-01/hour=09/part.parquet`,
      RewriteLayout.pointer(stream.name, '2026-01-01'),
      `${RewriteLayout.generation(stream.name, '2026-01-01', '1767139200000-00000000')}data/part`,
      `${RewriteLayout.generation(stream.name, '2026-01-01', '1767139200000-00000000')}consumed.parquet`,
    );
    written.push(`${generationDataPrefix(stream.name, '2026-01-01', generation)}part`);
  }
  return { tables, read, written };
}

/**
 * A workgroup whose results are encrypted with a customer managed key (SSE_KMS): Athena writes
 * and reads the query's results with the caller's permissions on that key.
 */
function workGroupResultKey(template: DeployedTemplate, workGroup: string, because: string): IamRequest[] {
  const [, resource] =
    template.resourcesOfType('AWS::Athena::WorkGroup').find(([id]) => template.ref(id) === workGroup) ?? [];
  if (!resource) throw new Error(`${because} names workgroup ${workGroup}, which the stack does not make`);
  const encryption = template.resolve(
    resource.Properties.WorkGroupConfiguration?.ResultConfiguration?.EncryptionConfiguration ?? {},
  ) as { EncryptionOption?: string; KmsKey?: string };
  if (encryption.EncryptionOption !== 'SSE_KMS') return [];
  return ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
    action,
    resource: encryption.KmsKey!,
    because: `${because}: results encrypted by workgroup ${workGroup}`,
  }));
}

interface TaskState {
  readonly name: string;
  readonly resource: string;
  readonly parameters: Record<string, unknown> | undefined;
  /** `ItemsPath` of the Map state whose iterations run this state, if any. */
  readonly itemsPath: string | undefined;
}

function taskStates(states: Record<string, any>, itemsPath?: string): TaskState[] {
  const tasks: TaskState[] = [];
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task')
      tasks.push({ name, resource: state.Resource, parameters: state.Parameters, itemsPath });
    for (const machine of [state.ItemProcessor, state.Iterator].filter(Boolean))
      tasks.push(...taskStates(machine.States, state.ItemsPath ?? itemsPath));
    for (const machine of state.Branches ?? []) tasks.push(...taskStates(machine.States, itemsPath));
  }
  return tasks;
}

/** planRun's settings as deployed, read by its own configuration parser. */
function runSettings(template: DeployedTemplate): RunSettings {
  const env = template.resolve(
    template.resource('PlanRunLambdaFunction').Properties.Environment.Variables,
  ) as Record<string, string>;
  // every stage's role must allow the loads' queries, whether or not it has a database yet
  return { ...readRunSettings(env), loaderDatabase: true };
}

/**
 * The items a Map state iterates over in an execution, by its ItemsPath: what the plan step
 * returns for every transform (`Plan transform`), every check (`Plan check`) and for the run
 * (`Plan run`).
 */
function mapItems(itemsPath: string | undefined, settings: RunSettings): unknown[] {
  const run = { runId: 'iam-simulation', from: '2026-01-01', to: '2026-04-30' };
  switch (itemsPath) {
    // each statement's iteration gets it as `query`, beside its transform's name (the ItemSelector)
    case '$.planned.queries':
      return pipeline.transforms.flatMap((spec) =>
        planTransform(pipeline, { ...run, transform: spec.name }, settings).queries.map((query) => ({
          query,
          transform: spec.name,
        })),
      );
    case '$.plan.checks':
      // each iteration plans its check first; the Athena task reads the planned query
      return pipeline.checks.map((check) => ({
        planned: planCheck(pipeline, { ...run, check: check.name }, settings),
      }));
    // the loads no failed check holds back: all of the plan's, when every check passes
    case '$.gate.loads':
    case '$.plan.loads':
      return planPipelineRun(
        pipeline,
        { from: run.from, to: run.to, exports: true, loads: true, transforms: undefined },
        { name: run.runId, startTime: '2026-05-01T01:00:00.000Z' },
        settings,
      ).loads as unknown[];
    default:
      throw new Error(`no model of the items of a Map over ${itemsPath}`);
  }
}

/** A Task's `Key.$: $.a.b` parameter evaluated on its input (the Map item). */
function parameter(task: TaskState, key: string, input: unknown): unknown {
  const path = task.parameters?.[`${key}.$`];
  if (typeof path !== 'string' || !/^\$(\.[A-Za-z]+)+$/.test(path))
    throw new Error(`state "${task.name}" sets ${key} in a way this model does not read`);
  return path
    .split('.')
    .slice(1)
    .reduce<any>((value, field) => value?.[field], input);
}

/** The StartQueryExecution parameters of each query an Athena Task state runs. */
function athenaQueries(task: TaskState, settings: RunSettings): AthenaQuery[] {
  return mapItems(task.itemsPath, settings).map((item) => ({
    QueryString: parameter(task, 'QueryString', item) as string,
    WorkGroup: parameter(task, 'WorkGroup', item) as string,
    QueryExecutionContext: parameter(
      task,
      'QueryExecutionContext',
      item,
    ) as AthenaQuery['QueryExecutionContext'],
  }));
}

/** A state machine's definition, as deployed. */
export function stateMachineDefinition(
  template: DeployedTemplate,
  logicalId = 'DailyPipelineStateMachine',
): { States: Record<string, any> } {
  return JSON.parse(template.resolve(template.resource(logicalId).Properties.DefinitionString) as string);
}

/**
 * Every request the lake rewrite's executions make: its function, each round's compaction CTAS
 * in the workgroup the function names (AWS's published policy for the .sync integration), and
 * the alerts topic.
 */
export function lakeRewriteRequests(template: DeployedTemplate): IamRequest[] {
  const names = stageNames(template);
  const requests: IamRequest[] = [];
  const env = template.resolve(
    template.resource('RewriteLakeLambdaFunction').Properties.Environment.Variables,
  ) as Record<string, string>;
  for (const task of taskStates(stateMachineDefinition(template, 'LakeRewriteStateMachine').States)) {
    const because = `lake rewrite state "${task.name}" (${task.resource})`;
    if (/^arn:aws:lambda:/.test(task.resource)) {
      requests.push({ action: 'lambda:InvokeFunction', resource: task.resource, because });
      continue;
    }
    switch (task.resource) {
      case 'arn:aws:states:::athena:startQueryExecution.sync':
        requests.push(
          ...athenaQueryRequests(
            template,
            names,
            env.TRIBUTARY_TRANSFORM_WORKGROUP!,
            `${because} in ${env.TRIBUTARY_TRANSFORM_WORKGROUP}`,
            compactionQueries(),
          ),
        );
        break;
      case 'arn:aws:states:::sns:publish':
        requests.push({ action: 'sns:Publish', resource: template.ref('AlertsTopic'), because });
        break;
      default:
        throw new Error(`no IAM model for Task resource ${task.resource} (${task.name})`);
    }
  }
  return requests;
}

/**
 * Every request the daily pipeline's executions make, from each Task state's resource: a Lambda
 * function, an optimized integration (with its published policy) or an AWS SDK integration
 * (`aws-sdk:<service>:<action>`, authorized as that action), with the stage's resources.
 */
export function stateMachineRequests(template: DeployedTemplate): IamRequest[] {
  const names = stageNames(template);
  const requests: IamRequest[] = [];
  const exports = exportSettings(template);
  const settings = runSettings(template);
  for (const task of taskStates(stateMachineDefinition(template).States)) {
    const because = `state "${task.name}" (${task.resource})`;
    const lambda = /^arn:aws:lambda:/.test(task.resource);
    if (lambda) {
      requests.push({ action: 'lambda:InvokeFunction', resource: task.resource, because });
      continue;
    }
    switch (task.resource) {
      case 'arn:aws:states:::athena:startQueryExecution.sync': {
        const queries = athenaQueries(task, settings);
        if (queries.length === 0) throw new Error(`${because} runs no query in this model`);
        for (const workGroup of new Set(queries.map((q) => q.WorkGroup)))
          requests.push(...athenaQueryRequests(template, names, workGroup, `${because} in ${workGroup}`));
        break;
      }
      case 'arn:aws:states:::sns:publish':
        requests.push({ action: 'sns:Publish', resource: template.ref('AlertsTopic'), because });
        break;
      case 'arn:aws:states:::aws-sdk:dynamodb:exportTableToPointInTime':
        for (const table of exports.dynamodb) {
          requests.push({ action: 'dynamodb:ExportTableToPointInTime', resource: table, because });
          // DynamoDB writes the export with the caller's permissions
          const key = 'exports/dynamodb/users/2026-01-01/AWSDynamoDB/0000-1/data/part.json.gz';
          for (const action of ['s3:PutObject', 's3:AbortMultipartUpload', 's3:PutObjectAcl'])
            requests.push({ action, resource: s3(names.rawBucket, key), because });
          requests.push(...kms(template, names.rawBucket, ['kms:GenerateDataKey'], because));
        }
        break;
      case 'arn:aws:states:::aws-sdk:dynamodb:describeContinuousBackups':
        for (const table of exports.dynamodb)
          requests.push({ action: 'dynamodb:DescribeContinuousBackups', resource: table, because });
        break;
      case 'arn:aws:states:::aws-sdk:dynamodb:describeExport':
        for (const table of exports.dynamodb)
          requests.push({
            action: 'dynamodb:DescribeExport',
            resource: `${table}/export/01700000000000-abcdef12`,
            because,
          });
        break;
      case 'arn:aws:states:::aws-sdk:rds:startExportTask':
        if (exports.aurora) {
          requests.push(
            { action: 'rds:StartExportTask', resource: exports.aurora.clusterArn, because },
            {
              action: 'iam:PassRole',
              resource: exports.aurora.roleArn,
              because,
              context: { 'iam:PassedToService': 'export.rds.amazonaws.com' },
            },
            // the caller grants the export the key (RDS: exporting DB cluster data to Amazon S3)
            { action: 'kms:CreateGrant', resource: exports.aurora.kmsKeyArn, because },
            { action: 'kms:DescribeKey', resource: exports.aurora.kmsKeyArn, because },
          );
        }
        break;
      case 'arn:aws:states:::aws-sdk:athena:getQueryResults':
        // a data check's first page, in the queries workgroup: Athena reads the result file
        // from the results bucket with the caller's credentials
        requests.push(
          {
            action: 'athena:GetQueryResults',
            resource: `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${names.workGroup}`,
            because,
          },
          { action: 's3:GetObject', resource: s3(names.resultsBucket, 'query-id.csv'), because },
          ...kms(template, names.resultsBucket, ['kms:Decrypt'], because),
        );
        break;
      case 'arn:aws:states:::aws-sdk:rds:describeExportTasks':
        // the call names only the task identifier: the Service Authorization Reference gives
        // DescribeExportTasks no required resource, so it is authorized on "*"
        if (exports.aurora) requests.push({ action: 'rds:DescribeExportTasks', resource: '*', because });
        break;
      default:
        throw new Error(`no IAM model for Task resource ${task.resource} (${task.name})`);
    }
  }
  return requests;
}

/** The DynamoDB tables and Aurora cluster the plan step exports, from planRun's environment. */
function exportSettings(template: DeployedTemplate): {
  dynamodb: string[];
  aurora: { clusterArn: string; roleArn: string; kmsKeyArn: string } | undefined;
} {
  const env = template.resolve(
    template.resource('PlanRunLambdaFunction').Properties.Environment.Variables,
  ) as Record<string, string>;
  const tables = JSON.parse(env.TRIBUTARY_DYNAMODB_EXPORTS!) as Array<{ tableArn: string }>;
  return {
    dynamodb: tables.map((t) =>
      t.tableArn
        .replace(/#\{AWS::AccountId\}/g, ACCOUNT)
        .replace(/#\{AWS::Region\}/g, REGION)
        .replace(/#\{AWS::Partition\}/g, 'aws'),
    ),
    aurora: env.TRIBUTARY_AURORA_EXPORT ? JSON.parse(env.TRIBUTARY_AURORA_EXPORT) : undefined,
  };
}

/** Fills Firehose's `!{...}` prefix expressions with example values. */
const examplePrefix = (prefix: string) =>
  prefix
    .replace(/!\{partitionKeyFromLambda:dt\}/g, '2026-01-01')
    .replace(/!\{partitionKeyFromLambda:hour\}/g, '09')
    .replace(/!\{firehose:error-output-type\}/g, 'processing-failed')
    .replace(/!\{timestamp:[^}]+\}/g, '2026-01-01');

/**
 * What a delivery stream does with its role ("Controlling access with Amazon Data Firehose"):
 * S3 destination and backup (bucket and objects under its prefixes), the Lambda processor, the
 * Glue table for format conversion, its log streams, and the bucket keys.
 */
export function deliveryStreamRequests(template: DeployedTemplate, logicalId: string): IamRequest[] {
  const config = template.resolve(
    template.resource(logicalId).Properties.ExtendedS3DestinationConfiguration,
  ) as any;
  const because = `delivery stream ${logicalId}`;
  const requests: IamRequest[] = [];
  for (const destination of [config, config.S3BackupConfiguration]) {
    const bucket = destination.BucketARN.replace('arn:aws:s3:::', '');
    for (const action of ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'])
      requests.push({ action, resource: destination.BucketARN, because });
    for (const prefix of [destination.Prefix, destination.ErrorOutputPrefix]) {
      const object = `${destination.BucketARN}/${examplePrefix(prefix)}file.parquet`;
      for (const action of ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'])
        requests.push({ action, resource: object, because });
    }
    requests.push(...kms(template, bucket, ['kms:GenerateDataKey', 'kms:Decrypt'], because));
    const logging = destination.CloudWatchLoggingOptions;
    requests.push({
      action: 'logs:PutLogEvents',
      resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logging.LogGroupName}:log-stream:${logging.LogStreamName}`,
      because,
    });
  }
  for (const processor of config.ProcessingConfiguration.Processors) {
    const arn = processor.Parameters.find((p: any) => p.ParameterName === 'LambdaArn').ParameterValue;
    for (const action of ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'])
      requests.push({ action, resource: arn, because });
  }
  const schema = config.DataFormatConversionConfiguration.SchemaConfiguration;
  for (const action of ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'])
    for (const resource of [
      glue('catalog'),
      glue(`database/${schema.DatabaseName}`),
      glue(`table/${schema.DatabaseName}/${schema.TableName}`),
    ])
      requests.push({ action, resource, because });
  return requests;
}

/**
 * What Lambda does with a function's role for its event source mappings: read the stream and,
 * for an S3 on-failure destination, write the failed batch record there (s3:PutObject and
 * s3:ListBucket, and kms:GenerateDataKey for a bucket with a customer key).
 */
export function eventSourceMappingRequests(
  template: DeployedTemplate,
  functionLogicalId: string,
): IamRequest[] {
  const requests: IamRequest[] = [];
  for (const [id, mapping] of template.resourcesOfType('AWS::Lambda::EventSourceMapping')) {
    const properties = template.resolve(mapping.Properties) as any;
    if (template.resolve({ Ref: functionLogicalId }) !== properties.FunctionName) continue;
    const because = `event source mapping ${id}`;
    for (const action of ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'])
      requests.push({ action, resource: properties.EventSourceArn, because });
    // ListStreams names no stream: the Service Authorization Reference gives it no resource type
    requests.push({ action: 'dynamodb:ListStreams', resource: '*', because });
    const destination: string | undefined = properties.DestinationConfig?.OnFailure?.Destination;
    if (destination?.startsWith('arn:aws:s3:::')) {
      const bucket = destination.replace('arn:aws:s3:::', '');
      requests.push(
        { action: 's3:ListBucket', resource: destination, because },
        {
          action: 's3:PutObject',
          resource: `${destination}/aws/lambda/11111111-2222-3333-4444-555555555555/shardId-0001/2026/01/01/2026-01-01T09.15.02-abc`,
          because: `${because}: on-failure record`,
        },
        ...kms(template, bucket, ['kms:GenerateDataKey'], `${because}: on-failure record`),
      );
    } else if (destination?.startsWith('arn:aws:sqs:')) {
      requests.push({ action: 'sqs:SendMessage', resource: destination, because });
    }
  }
  return requests;
}
