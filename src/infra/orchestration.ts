import { AuroraExportLayout, LakeLayout } from '../lib/pipeline/lake-layout';
import type { Pipeline } from '../lib/pipeline/pipeline';
import {
  workGroupName as nameOf,
  stageWorkGroups,
  type WorkGroup,
  type WorkGroupPurpose,
} from '../lib/query/workgroups';
import { REWRITE_TABLE_PREFIX } from '../lib/rewrite/lake-sql';
import { captureSources } from './dynamodb';
import {
  bucketArn,
  type Cfn,
  getAtt,
  glueDatabaseName,
  LogicalId,
  ref,
  resourcePrefix,
  serviceRole,
  sub,
  subWhereNeeded,
} from './names';
import { hashKeyStatements } from './secrets';
import type { StackSettings } from './settings';

/** The workgroup for people and the loads (its configuration enforced). */
export function workGroupName(settings: StackSettings): string {
  return nameOf(resourcePrefix(settings), 'queries');
}

/** The workgroup the daily pipeline's CTAS and INSERT INTO run in. */
export function transformWorkGroupName(settings: StackSettings): string {
  return nameOf(resourcePrefix(settings), 'transforms');
}

const WORK_GROUP_LOGICAL_IDS: Record<WorkGroupPurpose, string> = {
  queries: LogicalId.athenaWorkGroup,
  transforms: LogicalId.athenaTransformsWorkGroup,
};

/** The pipeline's Glue database and its tables, as IAM resources. */
function glueResources(pipeline: Pipeline, settings: StackSettings, tables = '*'): Cfn[] {
  const database = glueDatabaseName(pipeline.database, settings);
  return [
    sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog'),
    sub(`arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:database/${database}`),
    sub(`arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:table/${database}/${tables}`),
  ];
}

/**
 * What an Athena query run with the caller's role needs beside its workgroup: the data catalog,
 * the Glue database's tables (a CTAS creates its own; a stream's readers also read
 * `<stream>__compacted`) and the lake's objects.
 */
function athenaQueryStatements(pipeline: Pipeline, settings: StackSettings): Cfn[] {
  return [
    {
      Sid: 'UseDataCatalog',
      Effect: 'Allow',
      Action: ['athena:GetDataCatalog'],
      Resource: [
        sub('arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:datacatalog/AwsDataCatalog'),
      ],
    },
    {
      Sid: 'CatalogForQueries',
      Effect: 'Allow',
      Action: [
        'glue:GetDatabase',
        'glue:GetTable',
        'glue:GetTables',
        'glue:CreateTable',
        'glue:UpdateTable',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:BatchGetPartition',
        'glue:CreatePartition',
        'glue:BatchCreatePartition',
        'glue:UpdatePartition',
      ],
      Resource: glueResources(pipeline, settings),
    },
    {
      Sid: 'ReadLake',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
      Resource: [bucketArn(settings, 'lake'), bucketArn(settings, 'lake', '/lake/*')],
    },
  ];
}

const workGroupArn = (name: string) =>
  sub(`arn:\${AWS::Partition}:athena:\${AWS::Region}:\${AWS::AccountId}:workgroup/${name}`);

/**
 * An Athena workgroup of src/lib/query/workgroups.ts: encrypted results in the results bucket
 * and the stage's cap on bytes scanned per query, which applies whether or not the workgroup
 * overrides client-side settings.
 */
function workGroup(group: WorkGroup, settings: StackSettings): Cfn {
  return {
    Type: 'AWS::Athena::WorkGroup',
    Properties: {
      Name: group.name,
      Description: `Tributary ${settings.stage}: ${group.description}`,
      State: 'ENABLED',
      RecursiveDeleteOption: true,
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: group.enforceConfiguration,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: settings.athenaBytesScannedCutoff,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: sub(`s3://\${${LogicalId.resultsBucket}}/`),
          EncryptionConfiguration: settings.kmsKeyArn
            ? { EncryptionOption: 'SSE_KMS', KmsKey: settings.kmsKeyArn }
            : { EncryptionOption: 'SSE_S3' },
        },
      },
    },
  };
}

/** What the daily pipeline's executions may do: exactly the tasks of its definition. */
function pipelineRole(pipeline: Pipeline, settings: StackSettings): Cfn {
  const transforms = pipeline.transforms.map((t) => t.name);
  const statements: Cfn[] = [
    {
      Sid: 'InvokeSteps',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [LogicalId.planRunFunction, LogicalId.publishTransformFunction, LogicalId.loaderFunction].map(
        (id) => getAtt(id, 'Arn'),
      ),
    },
    // what Step Functions' published policy for athena:startQueryExecution.sync grants, scoped to
    // this stage; left out: database changes, table and partition deletes, bucket creation and
    // Lake Formation, which the pipeline's CTAS and INSERT INTO never need
    {
      // transforms in their workgroup, the loads' queries in the enforced one
      Sid: 'RunQueries',
      Effect: 'Allow',
      Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
      Resource: [workGroupArn(transformWorkGroupName(settings)), workGroupArn(workGroupName(settings))],
    },
    {
      // the Get check result state reads the first page of a data check's result
      Sid: 'ReadCheckResults',
      Effect: 'Allow',
      Action: ['athena:GetQueryResults'],
      Resource: [workGroupArn(workGroupName(settings))],
    },
    ...athenaQueryStatements(pipeline, settings),
    ...(pipeline.aurora.length > 0
      ? [
          {
            Sid: 'ReadAuroraExports',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation'],
            Resource: [
              bucketArn(settings, 'raw'),
              bucketArn(settings, 'raw', `/${AuroraExportLayout.root}*`),
            ],
          },
        ]
      : []),
    {
      Sid: 'WriteTransformRuns',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: transforms.map((name) => bucketArn(settings, 'lake', `/lake/${name}/runs/*`)),
    },
    {
      Sid: 'QueryResults',
      Effect: 'Allow',
      Action: [
        's3:GetObject',
        's3:PutObject',
        's3:ListBucket',
        's3:GetBucketLocation',
        's3:AbortMultipartUpload',
        's3:ListBucketMultipartUploads',
        's3:ListMultipartUploadParts',
      ],
      Resource: [bucketArn(settings, 'results'), bucketArn(settings, 'results', '/*')],
    },
    {
      Sid: 'NotifyFailure',
      Effect: 'Allow',
      Action: ['sns:Publish'],
      Resource: [ref(LogicalId.alertsTopic)],
    },
  ];
  const tables = captureSources(pipeline, settings);
  if (tables.length > 0) {
    statements.push(
      {
        // DescribeContinuousBackups reads the recovery window the export time must lie in
        Sid: 'ExportDynamoDbTables',
        Effect: 'Allow',
        Action: ['dynamodb:ExportTableToPointInTime', 'dynamodb:DescribeContinuousBackups'],
        Resource: tables.map((t) => subWhereNeeded(t.tableArn)),
      },
      {
        Sid: 'WatchDynamoDbExports',
        Effect: 'Allow',
        Action: ['dynamodb:DescribeExport'],
        Resource: tables.map((t) => subWhereNeeded(`${t.tableArn}/export/*`)),
      },
      {
        Sid: 'WriteDynamoDbExports',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:PutObjectAcl'],
        Resource: [bucketArn(settings, 'raw', '/exports/dynamodb/*')],
      },
    );
  }
  if (settings.aurora) {
    statements.push(
      {
        Sid: 'ExportAurora',
        Effect: 'Allow',
        Action: ['rds:StartExportTask'],
        Resource: [settings.aurora.clusterArn],
      },
      {
        // the check names only the export task, which is no IAM resource: authorized on "*"
        Sid: 'WatchAuroraExport',
        Effect: 'Allow',
        Action: ['rds:DescribeExportTasks'],
        Resource: ['*'],
      },
      {
        Sid: 'PassAuroraExportRole',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [settings.aurora.exportRoleArn],
        Condition: { StringEquals: { 'iam:PassedToService': 'export.rds.amazonaws.com' } },
      },
      {
        // StartExportTask grants the export its key; Athena decrypts the exported Parquet with it
        Sid: 'UseAuroraExportKey',
        Effect: 'Allow',
        Action: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt'],
        Resource: [settings.aurora.exportKmsKeyArn],
      },
    );
  }
  return serviceRole({
    service: 'states.amazonaws.com',
    condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
    policyName: 'daily-pipeline',
    statements,
    settings,
  });
}

/**
 * What the lake rewrite's executions may do: invoke its function, run each round's CTAS in the
 * transforms workgroup (reading the streams' live files and compacted generations, writing the
 * new generation's data folder: what AWS's policy for athena:startQueryExecution.sync grants,
 * scoped to this), and publish to the alerts topic.
 */
function lakeRewriteRole(pipeline: Pipeline, settings: StackSettings): Cfn {
  const streams = pipeline.streams.map((s) => s.name);
  const statements: Cfn[] = [
    {
      Sid: 'InvokeSteps',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [getAtt(LogicalId.rewriteLakeFunction, 'Arn')],
    },
    {
      Sid: 'RunQueries',
      Effect: 'Allow',
      Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
      Resource: [workGroupArn(transformWorkGroupName(settings))],
    },
    ...athenaQueryStatements(pipeline, settings),
    {
      Sid: 'WriteGenerations',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: streams.map((name) => bucketArn(settings, 'lake', `/lake/${name}/compacted/*`)),
    },
    {
      Sid: 'QueryResults',
      Effect: 'Allow',
      Action: [
        's3:GetObject',
        's3:PutObject',
        's3:ListBucket',
        's3:GetBucketLocation',
        's3:AbortMultipartUpload',
        's3:ListBucketMultipartUploads',
        's3:ListMultipartUploadParts',
      ],
      Resource: [bucketArn(settings, 'results'), bucketArn(settings, 'results', '/*')],
    },
    {
      Sid: 'NotifyFailure',
      Effect: 'Allow',
      Action: ['sns:Publish'],
      Resource: [ref(LogicalId.alertsTopic)],
    },
  ];
  return serviceRole({
    service: 'states.amazonaws.com',
    condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
    policyName: 'lake-rewrite',
    statements,
    settings,
  });
}

/**
 * rewriteLake: reads each day's pointer, live files and generations; writes a generation's
 * consumed list, plan and summary and the day's pointer (all under `lake/<stream>/compacted/`);
 * drops the CTAS's own table from the catalog; and, for cleanup, deletes replaced live files and
 * generations once their grace period has passed.
 */
export function rewriteLakeStatements(pipeline: Pipeline, settings: StackSettings): Cfn[] {
  const streams = pipeline.streams.map((s) => s.name);
  const database = glueDatabaseName(pipeline.database, settings);
  if (streams.length === 0)
    return [{ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(settings, 'lake')] }];
  return [
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(settings, 'lake')] },
    {
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: streams.map((name) => bucketArn(settings, 'lake', `/lake/${name}/*`)),
    },
    {
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:DeleteObject'],
      Resource: streams.map((name) => bucketArn(settings, 'lake', `/lake/${name}/compacted/*`)),
    },
    // cleanup: live files a generation consumed, after the grace period
    {
      Effect: 'Allow',
      Action: ['s3:DeleteObject'],
      Resource: streams.map((name) => bucketArn(settings, 'lake', `/lake/${name}/dt=*`)),
    },
    {
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:DeleteTable'],
      Resource: [
        sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog'),
        sub(`arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:database/${database}`),
        sub(
          `arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:table/${database}/${REWRITE_TABLE_PREFIX}*`,
        ),
      ],
    },
    // a backfill reads the raw copies of the streams' records, and hashes as the transform does
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(settings, 'raw')] },
    {
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: streams.map((name) => bucketArn(settings, 'raw', `/${LakeLayout.firehoseBackup(name)}*`)),
    },
    ...hashKeyStatements(pipeline, settings, 'firehoseTransform'),
    ...(settings.kmsKeyArn
      ? [{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [settings.kmsKeyArn] }]
      : []),
  ];
}

export function orchestrationResources(pipeline: Pipeline, settings: StackSettings): Cfn {
  const workGroups = stageWorkGroups(resourcePrefix(settings)).map((group) => [
    WORK_GROUP_LOGICAL_IDS[group.purpose],
    workGroup(group, settings),
  ]);
  return {
    ...Object.fromEntries(workGroups),
    [LogicalId.dailyPipelineRole]: pipelineRole(pipeline, settings),
    [LogicalId.lakeRewriteRole]: lakeRewriteRole(pipeline, settings),
  };
}

/**
 * planRun: finding late data lists the sources' day partitions in the lake (ListObjectsV2 is
 * s3:ListBucket on the bucket) and reads each incremental transform's computed markers; checking
 * a DynamoDB snapshot reads its export's manifest-files.json in the raw bucket and lists the
 * snapshot's day partition; after each Athena query it records the bytes scanned under
 * `_runs/<execution>/scans/` and lists them to total the run against its scan budget.
 */
export function planRunStatements(pipeline: Pipeline, settings: StackSettings): Cfn[] {
  const incremental = pipeline.transforms.filter((t) => t.mode === 'incremental').map((t) => t.name);
  const exported = captureSources(pipeline, settings).map((s) => s.table.name);
  const reads = incremental.length > 0 || exported.length > 0;
  return [
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(settings, 'lake')] },
    // each Athena query's scanned bytes, one object per query under the run's _runs/<execution>/scans/
    { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [bucketArn(settings, 'lake', '/_runs/*')] },
    // which export data files have a quarantine file beside them (names only)
    ...(exported.length > 0
      ? [{ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(settings, 'raw')] }]
      : []),
    // which export data files have a quarantine file beside them (names only)
    ...(exported.length > 0
      ? [{ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(settings, 'raw')] }]
      : []),
    ...(reads
      ? [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: [
              ...incremental.map((name) => bucketArn(settings, 'lake', `/lake/${name}/computed/*`)),
              ...exported.map((name) =>
                bucketArn(settings, 'raw', `/exports/dynamodb/${name}/*/AWSDynamoDB/*/manifest-files.json`),
              ),
            ],
          },
        ]
      : []),
    // the markers and manifests are encrypted with the stage's key, like everything stored, and so
    // is what it writes
    ...(settings.kmsKeyArn
      ? [
          ...(reads ? [{ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [settings.kmsKeyArn] }] : []),
          { Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: [settings.kmsKeyArn] },
        ]
      : []),
  ];
}

/** publishTransform: the transforms' tables in Glue, their manifests and run outputs in the lake. */
export function publishTransformStatements(pipeline: Pipeline, settings: StackSettings): Cfn[] {
  const transforms = pipeline.transforms.map((t) => t.name);
  return [
    {
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:GetTables', 'glue:CreateTable', 'glue:UpdateTable', 'glue:DeleteTable'],
      Resource: glueResources(pipeline, settings),
    },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(settings, 'lake')] },
    {
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:DeleteObject'],
      Resource: transforms.flatMap((name) => [
        bucketArn(settings, 'lake', `/lake/${name}/runs/*`),
        bucketArn(settings, 'lake', `/lake/${name}/manifests/*`),
        bucketArn(settings, 'lake', `/lake/${name}/computed/*`),
      ]),
    },
    // manifests are written to the lake, which S3 encrypts with the stage's key
    ...(settings.kmsKeyArn
      ? [{ Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: [settings.kmsKeyArn] }]
      : []),
  ];
}

/** loader: the result of its query in the workgroup, and the database secret. */
export function loaderStatements(_pipeline: Pipeline, settings: StackSettings): Cfn[] {
  const statements: Cfn[] = [
    {
      Effect: 'Allow',
      Action: ['athena:GetQueryExecution', 'athena:GetQueryResults'],
      Resource: [workGroupArn(workGroupName(settings))],
    },
    { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [bucketArn(settings, 'results', '/*')] },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn(settings, 'results')] },
  ];
  if (settings.loaderSecretArn) {
    statements.push({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [settings.loaderSecretArn],
    });
    // Secrets Manager decrypts a secret under a customer managed key with the caller's rights on
    // that key: only through Secrets Manager, so the grant opens nothing else the key encrypts
    if (settings.loaderSecretKmsKeyArn) {
      statements.push({
        Sid: 'DecryptDatabaseSecret',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [settings.loaderSecretKmsKeyArn],
        Condition: { StringEquals: { 'kms:ViaService': sub('secretsmanager.${AWS::Region}.amazonaws.com') } },
      });
    }
  }
  if (settings.kmsKeyArn) {
    statements.push({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [settings.kmsKeyArn] });
  }
  if (settings.loaderSubnetIds.length > 0) {
    // what AWSLambdaVPCAccessExecutionRole grants; these EC2 actions take no resource-level scope
    statements.push({
      Effect: 'Allow',
      Action: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      Resource: ['*'],
    });
  }
  return statements;
}

/**
 * The loader runs in the database's VPC when params name subnets. Set as a CloudFormation
 * extension of the function rather than serverless's `vpc`, which cannot be left out per stage.
 */
export function loaderVpcExtension(settings: StackSettings): Cfn {
  if (settings.loaderSubnetIds.length === 0) return {};
  return {
    [LogicalId.loaderFunction]: {
      Properties: {
        VpcConfig: {
          SubnetIds: [...settings.loaderSubnetIds],
          SecurityGroupIds: [...settings.loaderSecurityGroupIds],
        },
      },
    },
  };
}

/** DynamoDB tables the plan step exports (TRIBUTARY_DYNAMODB_EXPORTS) and the Aurora export (TRIBUTARY_AURORA_EXPORT). */
export function dynamodbExportsSetting(pipeline: Pipeline, settings: StackSettings): string {
  // pseudo parameters spelled #{…}: see serverless/plugins/pseudo-parameters.cjs
  const exports = captureSources(pipeline, settings).map((s) => ({
    table: s.table.name,
    tableArn: s.tableArn.replace(/\$\{/g, '#{'),
  }));
  return JSON.stringify(exports);
}

export function auroraExportSetting(_pipeline: Pipeline, settings: StackSettings): string {
  if (!settings.aurora) return '';
  return JSON.stringify({
    clusterArn: settings.aurora.clusterArn,
    roleArn: settings.aurora.exportRoleArn,
    kmsKeyArn: settings.aurora.exportKmsKeyArn,
    identifierPrefix: resourcePrefix(settings),
    exportOnly: settings.aurora.exportOnly,
  });
}
