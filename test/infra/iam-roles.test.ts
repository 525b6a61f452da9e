import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { DynamoDBStreamEvent, FirehoseTransformationEvent, S3Event } from 'aws-lambda';
import type { PlanRunEvent } from '../../src/handlers/plan-run';
import type { PublishTransformEvent } from '../../src/handlers/publish-transform';
import { parseColumnType } from '../../src/lib/columns/column-types';
import { ParquetRowWriter } from '../../src/lib/parquet/parquet-writer';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { LakeLayout } from '../../src/lib/pipeline/lake-layout';
import type { LakeRewriteEvent } from '../../src/lib/rewrite/lake-rewrite';
import { generationDataPrefix } from '../../src/lib/rewrite/lake-sql';
import { encodeS3EventKey } from '../../src/lib/storage/s3-event-key';
import { computedMarkerKey, planTransformRun } from '../../src/lib/transforms/transform-run';
import streamEvent from '../fixtures/events/dynamodb/stream-users.json';
import objectCreated from '../fixtures/events/s3/object-created.json';
import { firehoseEvent } from '../support/firehose';
import { type Answers, iamRequestsFor, loadRecordedHandler, type SdkCall } from '../support/iam/sdk-calls';
import {
  deliveryStreamRequests,
  eventSourceMappingRequests,
  lakeRewriteRequests,
  type StageNames,
  stageNames,
  stateMachineRequests,
} from '../support/iam/service-duties';
import { granted, type IamRequest, refused } from '../support/iam/simulate';
import { ACCOUNT, DeployedTemplate, REGION } from '../support/iam/template';
import { type S3Server, startS3Server } from '../support/s3-server';
import { type PackagedStage, packageStage } from '../support/serverless';

// Its subject is the stack as shipped: `sls package` reads the shipped pipeline.yml, so this suite does too.
jest.mock('../../src/lib/pipeline/bundled', () => ({
  bundledPipeline: jest.requireActual('../support/shipped-pipeline').shippedPipeline,
}));

jest.setTimeout(240_000);

/** A Parquet file of `rows` rows, as the rewrite's footers are read from (a live file, a CTAS output). */
async function parquetBytes(rows: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  const writer = new ParquetRowWriter([{ name: 'v', type: parseColumnType('string') }], sink);
  for (let i = 0; i < rows; i++) await writer.append([`row-${i}`]);
  await writer.close();
  return Buffer.concat(chunks);
}

const pipeline = bundledPipeline();
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
/** The keys the stage's own secrets are encrypted with (an RDS-managed secret often has one). */
const HASH_SECRET_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/22222222-3333-4444-5555-666666666666`;
const DATABASE_SECRET_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/33333333-4444-5555-6666-777777777777`;
/** Every optional param set, so every conditional statement is in the roles. */
const FULL_PARAMS = {
  kmsKeyArn: KMS_KEY,
  hashKeySecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:tributary-hash-key-AbCdEf`,
  hashKeySecretKmsKeyArn: HASH_SECRET_KEY,
  loaderSecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:bi-database-AbCdEf`,
  loaderSecretKmsKeyArn: DATABASE_SECRET_KEY,
  loaderSubnetIds: ['subnet-0a1b2c3d'],
  loaderSecurityGroupIds: ['sg-0a1b2c3d'],
  auroraClusterArn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:app`,
  auroraExportRoleArn: `arn:aws:iam::${ACCOUNT}:role/aurora-export`,
  auroraExportKmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/66666666-7777-8888-9999-000000000000`,
  dynamodbSources: {
    users: {
      tableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/app-users`,
      streamArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/app-users/stream/2026-01-01T00:00:00.000`,
    },
  },
};
const STAGES = ['dev', 'prod', 'full'] as const;
type Stage = (typeof STAGES)[number];

const packaged: Partial<Record<Stage, PackagedStage>> = {};
const deployed: Partial<Record<Stage, DeployedTemplate>> = {};
const recorded: Partial<Record<Stage, Record<string, SdkCall[]>>> = {};
let s3: S3Server;

beforeAll(async () => {
  for (const stage of STAGES) {
    packaged[stage] = await packageStage(stage, stage === 'full' ? FULL_PARAMS : undefined);
    deployed[stage] = new DeployedTemplate(packaged[stage]!.template);
  }
  const buckets = STAGES.flatMap((stage) => {
    const names = stageNames(deployed[stage]!);
    return [names.lakeBucket, names.rawBucket, names.resultsBucket];
  });
  s3 = await startS3Server(buckets);
  for (const stage of STAGES) recorded[stage] = await runFunctions(deployed[stage]!);
}, 600_000);

afterAll(async () => {
  await s3?.stop();
});

/** A function's environment as deployed, pointed at the local S3 server. */
function environment(
  template: DeployedTemplate,
  functionLogicalId: string,
): Record<string, string | undefined> {
  const variables = template.resolve(
    template.resource(functionLogicalId).Properties.Environment?.Variables ?? {},
  ) as Record<string, string>;
  const deployedEnv = Object.fromEntries(
    Object.entries(variables).map(([k, v]) => [
      k,
      v.replace(/#\{AWS::AccountId\}/g, ACCOUNT).replace(/#\{AWS::Region\}/g, REGION),
    ]),
  );
  return {
    TRIBUTARY_LOCAL_ROOT: undefined,
    TRIBUTARY_HASH_KEY: undefined,
    TRIBUTARY_MYSQL_URL: undefined,
    TRIBUTARY_POSTGRES_URL: undefined,
    ...s3.env,
    ...deployedEnv,
  };
}

const HASH_KEY_ANSWER: Answers = {
  'secretsmanager:GetSecretValue': () => ({ SecretString: 'a-hash-key-for-the-iam-simulation-0123456789' }),
};

/** Runs each function on real events as the handler tests do, recording every AWS call it makes. */
async function runFunctions(template: DeployedTemplate): Promise<Record<string, SdkCall[]>> {
  const names = stageNames(template);
  const calls: Record<string, SdkCall[]> = {};

  // dynamodbStream: a stream batch of each captured table becomes a change file
  const tables = JSON.parse(
    (environment(template, 'DynamodbStreamLambdaFunction').TRIBUTARY_DYNAMODB_TABLES as string) || '{}',
  ) as Record<string, string>;
  const changeFiles: string[] = [];
  calls.DynamodbStreamLambdaFunction = [];
  for (const table of Object.keys(tables)) {
    const stream = await loadRecordedHandler<DynamoDBStreamEvent, unknown>(
      () => import('../../src/handlers/dynamodb-stream'),
      environment(template, 'DynamodbStreamLambdaFunction'),
    );
    const event = structuredClone(streamEvent) as DynamoDBStreamEvent;
    for (const record of event.Records)
      record.eventSourceARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}/stream/2026-01-01T00:00:00.000`;
    await stream.invoke(event);
    calls.DynamodbStreamLambdaFunction.push(...stream.calls);
    changeFiles.push(
      ...stream.calls.filter((c) => c.operation === 'PutObject').map((c) => c.input.Key as string),
    );
  }

  if (changeFiles.length === 0) {
    // a stage that captures no table here (prod before dynamodbSources are set) still flattens
    // what lands in raw/dynamodb/: the stream's change file, written by the test itself
    const key =
      'raw/dynamodb/users/dt=2026-11-20/20261101T000000000-4000000000000000000001-4000000000000000000004.ndjson.gz';
    const source = recorded.dev?.DynamodbStreamLambdaFunction?.find((c) => c.operation === 'PutObject');
    if (!source) throw new Error('the dev stage, which captures its demo table, runs first');
    const written = await s3.client.send(
      new GetObjectCommand({ Bucket: source.input.Bucket, Key: source.input.Key }),
    );
    const body = await written.Body!.transformToByteArray();
    await s3.client.send(new PutObjectCommand({ Bucket: names.rawBucket, Key: key, Body: body }));
    changeFiles.push(key);
  }

  // a change file with a line the flattener quarantines: the line stays beside it in the raw bucket
  const badLines = 'raw/dynamodb/users/dt=2026-11-20/quarantine-5-5.ndjson.gz';
  await s3.client.send(
    new PutObjectCommand({ Bucket: names.rawBucket, Key: badLines, Body: gzipSync('{"eventName":"INSERT"') }),
  );
  changeFiles.push(badLines);

  // s3Flatten: each change file becomes Parquet in the lake
  // every stage names a hash key secret (the stack makes one unless hashKeySecretArn is set), so
  // reading it is simulated with the rest
  const flatten = await loadRecordedHandler<S3Event, void>(
    () => import('../../src/handlers/s3-flatten'),
    environment(template, 'S3FlattenLambdaFunction'),
    HASH_KEY_ANSWER,
  );
  for (const key of changeFiles) {
    const event = structuredClone(objectCreated) as S3Event;
    event.Records[0]!.s3.bucket.name = names.rawBucket;
    event.Records[0]!.s3.object.key = encodeS3EventKey(key);
    await flatten.invoke(event);
  }
  calls.S3FlattenLambdaFunction = flatten.calls;

  // publishTransform: publish and discard a run of every transform
  calls.PublishTransformLambdaFunction = [];
  for (const spec of pipeline.transforms) {
    const run = planTransformRun(spec, {
      runId: 'iam-run',
      database: names.database,
      lakeBucket: names.lakeBucket,
      from: '2026-01-01',
      to: '2026-01-02',
    });
    const output = `${run.outputPrefix}${spec.partitionedBy.length > 0 ? 'dt=2026-01-01/' : ''}part-0.parquet`;
    await s3.client.send(new PutObjectCommand({ Bucket: names.lakeBucket, Key: output, Body: 'PAR1' }));
    const staging = {
      Name: run.stagingTable,
      StorageDescriptor: {
        Columns: [{ Name: 'a', Type: 'string' }],
        Location: `s3://${names.lakeBucket}/${run.outputPrefix}`,
      },
      PartitionKeys: spec.partitionedBy.map((name) => ({ Name: name, Type: 'string' })),
    };
    const notFound = () => {
      throw Object.assign(new Error('not found'), { name: 'EntityNotFoundException' });
    };
    const publish = await loadRecordedHandler<PublishTransformEvent, unknown>(
      () => import('../../src/handlers/publish-transform'),
      environment(template, 'PublishTransformLambdaFunction'),
      {
        'glue:GetTable': (input) => (input.Name === run.stagingTable ? { Table: staging } : notFound()),
        'glue:UpdateTable': notFound,
        'glue:CreateTable': () => ({}),
        'glue:DeleteTable': () => ({}),
        'glue:GetTables': () => ({ TableList: [{ Name: `${run.target}__run_older` }] }),
      },
    );
    await publish.invoke({ action: 'publish', run });
    await publish.invoke({ action: 'discard', run });
    calls.PublishTransformLambdaFunction.push(...publish.calls);
  }

  // planRun: finding late data reads the computed markers in the lookback window (one there, the
  // others missing) and lists the sources' partitions of a day that has one
  await s3.client.send(
    new PutObjectCommand({
      Bucket: names.lakeBucket,
      Key: computedMarkerKey('daily_event_counts', '2026-01-03'),
      Body: JSON.stringify({ computedAt: '2026-01-04T01:30:00.000Z' }),
    }),
  );
  await s3.client.send(
    new PutObjectCommand({
      Bucket: names.lakeBucket,
      Key: 'lake/clickstream/dt=2026-01-03/hour=23/late.parquet',
      Body: 'PAR1',
    }),
  );
  const planRun = await loadRecordedHandler<PlanRunEvent, unknown>(
    () => import('../../src/handlers/plan-run'),
    environment(template, 'PlanRunLambdaFunction'),
  );
  await planRun.invoke({
    input: { date: '2026-01-05' },
    executionName: 'iam-run',
    startTime: '2026-01-06T01:30:00.000Z',
  });
  // planRun: once an export is COMPLETED, the snapshot check reads its manifest and lists the
  // snapshot's day partition, for every captured table
  for (const [dynamoName, table] of Object.entries(tables)) {
    const prefix = `exports/dynamodb/${table}/dt=2026-01-05/exported_at=20260106T000000Z/`;
    const exportId = '01767657600000-abcdef12';
    await s3.client.send(
      new PutObjectCommand({
        Bucket: names.rawBucket,
        Key: `${prefix}AWSDynamoDB/${exportId}/manifest-files.json`,
        Body: JSON.stringify({ dataFileS3Key: `${prefix}AWSDynamoDB/${exportId}/data/part0000.json.gz` }),
      }),
    );
    await planRun.invoke({
      kind: 'checkSnapshot',
      table,
      exportArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${dynamoName}/export/${exportId}`,
      S3Bucket: names.rawBucket,
      S3Prefix: prefix,
      attempts: 0,
    } as never);
  }
  // planRun: after each Athena query it records the bytes scanned, and totals the run's at its end
  await planRun.invoke({
    kind: 'recordScan',
    execution: 'iam-run',
    step: 'transform',
    subject: 'daily_event_counts',
    queryExecutionId: 'a2b9c1d0-0000-4000-8000-000000000000',
    scannedBytes: 12_345_678,
  } as never);
  await planRun.invoke({ kind: 'summariseScans', execution: 'iam-run' } as never);
  calls.PlanRunLambdaFunction = planRun.calls;

  // firehoseTransform: a response over 6 MB re-ingests records into its delivery stream
  const transform = await loadRecordedHandler<FirehoseTransformationEvent, unknown>(
    () => import('../../src/handlers/firehose-transform'),
    environment(template, 'FirehoseTransformLambdaFunction'),
    { ...HASH_KEY_ANSWER, 'firehose:PutRecordBatch': () => ({ FailedPutCount: 0, RequestResponses: [] }) },
  );
  const leaves = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i]));
  const deep = { level_one_key: { level_two_key: { level_three_key: { level_four_key: leaves } } } };
  const event = firehoseEvent(
    Array.from({ length: 1500 }, (_, i) => JSON.stringify({ event_id: `e${i}`, ...deep })),
  );
  const streamName = template.ref('DeliveryStreamClickstream');
  event.deliveryStreamArn = `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${streamName}`;
  await transform.invoke(event);
  calls.FirehoseTransformLambdaFunction = transform.calls;

  // rewriteLake: plans the days due, prepares a round of a day with live files, commits what the
  // CTAS wrote (dropping its table), prepares and discards another round, then cleans up at once
  const rewrite = await loadRecordedHandler<LakeRewriteEvent, unknown>(
    () => import('../../src/handlers/rewrite-lake'),
    environment(template, 'RewriteLakeLambdaFunction'),
    { ...HASH_KEY_ANSWER, 'glue:DeleteTable': () => ({}) },
  );
  const day = { stream: 'clickstream', dt: '2026-01-04', round: 0, options: {} };
  const livePrefix = `lake/${day.stream}/dt=${day.dt}/hour=09/`;
  for (const name of ['a.parquet', 'b.parquet'])
    await s3.client.send(
      new PutObjectCommand({
        Bucket: names.lakeBucket,
        Key: `${livePrefix}${name}`,
        Body: await parquetBytes(2),
      }),
    );
  await rewrite.invoke({ action: 'plan', request: {}, startTime: '2026-01-06T04:00:00.000Z' });
  const first = (await rewrite.invoke({ action: 'prepare', ...day })) as { generation: string };
  await s3.client.send(
    new PutObjectCommand({
      Bucket: names.lakeBucket,
      Key: `${generationDataPrefix(day.stream, day.dt, first.generation)}part-0`,
      Body: await parquetBytes(3),
    }),
  );
  await rewrite.invoke({ action: 'commit', ...day, generation: first.generation });
  await s3.client.send(
    new PutObjectCommand({
      Bucket: names.lakeBucket,
      Key: `${livePrefix}c.parquet`,
      Body: await parquetBytes(1),
    }),
  );
  const second = (await rewrite.invoke({ action: 'prepare', ...day, round: 1 })) as { generation: string };
  await rewrite.invoke({
    action: 'discard',
    state: {
      stream: day.stream,
      dt: day.dt,
      prepared: second,
      error: { Error: 'States.TaskFailed', Cause: 'x' },
    },
  });
  // a backfill rebuilds the day from the raw copies (and hashes as the transform does)
  await s3.client.send(
    new PutObjectCommand({
      Bucket: names.rawBucket,
      Key: `${LakeLayout.firehoseBackup(day.stream)}2026/01/04/09/delivery-1.gz`,
      Body: gzipSync(
        `${JSON.stringify({ event_id: 'r1', event_type: 'click', event_time: '2026-01-04T09:00:00Z' })}\n`,
      ),
    }),
  );
  await rewrite.invoke({ action: 'rebuild', stream: day.stream, dt: day.dt });
  await rewrite.invoke({
    action: 'cleanup',
    days: [{ stream: day.stream, dt: day.dt, status: 'failed' }],
    graceHours: 0,
  });
  calls.RewriteLakeLambdaFunction = rewrite.calls;

  // loader: reads its query's execution and result metadata, and the database secret
  const loaderEnv = environment(template, 'LoaderLambdaFunction');
  if (loaderEnv.TRIBUTARY_DATABASE_SECRET_ARN) {
    const loader = await loadRecordedHandler<unknown, unknown>(
      () => import('../../src/handlers/loader'),
      loaderEnv,
      {
        'secretsmanager:GetSecretValue': () => ({
          SecretString: JSON.stringify({
            engine: 'postgres',
            host: '127.0.0.1',
            port: 1,
            username: 'nobody',
            password: 'x',
            dbname: 'bi',
          }),
        }),
        'athena:GetQueryExecution': (input) => ({
          QueryExecution: {
            QueryExecutionId: input.QueryExecutionId,
            Status: { State: 'SUCCEEDED' },
            ResultConfiguration: {
              OutputLocation: `s3://${names.resultsBucket}/${input.QueryExecutionId}.csv`,
            },
          },
        }),
        'athena:GetQueryResults': () => ({
          ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'dt', Type: 'varchar' }] } },
        }),
      },
    );
    // nothing listens on port 1: the load stops at the connection, after every AWS call
    await loader
      .invoke({
        load: 'l',
        table: 't',
        mode: 'insert',
        keys: [],
        queryExecutionId: 'a2b9c1d0-0000-4000-8000-000000000000',
      })
      .catch(() => undefined);
    calls.LoaderLambdaFunction = loader.calls;
  }
  return calls;
}

const FUNCTIONS = [
  'PlanRunLambdaFunction',
  'DynamodbStreamLambdaFunction',
  'S3FlattenLambdaFunction',
  'PublishTransformLambdaFunction',
  'FirehoseTransformLambdaFunction',
  'LoaderLambdaFunction',
  'RewriteLakeLambdaFunction',
] as const;

/** Which key encrypts each secret a stage's params name (the secrets live outside the stack). */
const SECRET_KEYS: Record<Stage, Record<string, string>> = {
  dev: {},
  prod: {},
  full: {
    [FULL_PARAMS.hashKeySecretArn]: HASH_SECRET_KEY,
    [FULL_PARAMS.loaderSecretArn]: DATABASE_SECRET_KEY,
  },
};

function functionRequests(stage: Stage, functionLogicalId: string): IamRequest[] {
  const template = deployed[stage]!;
  const names = stageNames(template);
  return [
    ...(recorded[stage]![functionLogicalId] ?? []).flatMap((call) =>
      iamRequestsFor(call, template, names, SECRET_KEYS[stage]),
    ),
    ...eventSourceMappingRequests(template, functionLogicalId),
  ];
}

describe.each(STAGES)('IAM roles of the %s stage, simulated', (stage) => {
  const template = () => deployed[stage]!;
  const names = (): StageNames => stageNames(template());

  it('has s3Flatten keep quarantined lines beside their change file in the raw bucket', () => {
    const puts = recorded[stage]!.S3FlattenLambdaFunction!.filter(
      (c) =>
        ['PutObject', 'CreateMultipartUpload'].includes(c.operation) &&
        String(c.input.Key).endsWith('.quarantine.ndjson'),
    );
    expect(puts.map((c) => [c.input.Bucket, c.input.Key])).toEqual([
      [names().rawBucket, 'raw/dynamodb/users/dt=2026-11-20/_quarantine-5-5.quarantine.ndjson'],
    ]);
  });

  it('records AWS calls from every function that makes them', () => {
    for (const fn of [
      'PlanRunLambdaFunction',
      'S3FlattenLambdaFunction',
      'PublishTransformLambdaFunction',
      'FirehoseTransformLambdaFunction',
      'RewriteLakeLambdaFunction',
    ])
      expect(recorded[stage]![fn]!.length).toBeGreaterThan(0);
  });

  it('has s3Flatten read the hash key secret its environment names, the stack’s unless a stage names one', () => {
    const secret = environment(template(), 'S3FlattenLambdaFunction').TRIBUTARY_HASH_KEY_SECRET_ARN;
    const expected = stage === 'full' ? FULL_PARAMS.hashKeySecretArn : template().ref('HashKeySecret');
    expect(secret).toBe(expected);
    const reads = recorded[stage]!.S3FlattenLambdaFunction!.filter((c) => c.service === 'secretsmanager');
    expect(reads.map((c) => [c.operation, c.input.SecretId])).toEqual([['GetSecretValue', expected]]);
  });

  it.each(FUNCTIONS)('lets %s make every AWS call its code and its event sources make', async (fn) => {
    const requests = functionRequests(stage, fn);
    expect(await refused(template(), template().roleOf(fn), requests)).toEqual([]);
  });

  it('lets the state machine make every call of its Task states, per AWS’s integration policies', async () => {
    const requests = stateMachineRequests(template());
    expect(await refused(template(), template().roleOf('DailyPipelineStateMachine'), requests)).toEqual([]);
  });

  it('lets the lake rewrite make every call of its Task states, per AWS’s integration policies', async () => {
    const requests = lakeRewriteRequests(template());
    expect(requests.some((r) => r.action === 'athena:StartQueryExecution')).toBe(true);
    expect(await refused(template(), template().roleOf('LakeRewriteStateMachine'), requests)).toEqual([]);
  });

  it('lets each delivery stream write its destination and backup, convert, transform and log', async () => {
    for (const [id] of template().resourcesOfType('AWS::KinesisFirehose::DeliveryStream')) {
      const role =
        template().resource(id).Properties.ExtendedS3DestinationConfiguration.RoleARN['Fn::GetAtt'][0];
      expect(await refused(template(), role, deliveryStreamRequests(template(), id))).toEqual([]);
    }
  });

  it('lets the schedule start the daily pipeline', async () => {
    for (const [, rule] of template().resourcesOfType('AWS::Events::Rule')) {
      for (const target of rule.Properties.Targets) {
        const request = {
          action: 'states:StartExecution',
          resource: template().resolve(target.Arn) as string,
          because: 'the schedule',
        };
        expect(await refused(template(), target.RoleArn['Fn::GetAtt'][0], [request])).toEqual([]);
      }
    }
  });

  it('lets the loader decrypt its database secret’s key only through Secrets Manager, and only when a param names it', async () => {
    const decrypt = (context?: Record<string, string>) => ({
      action: 'kms:Decrypt',
      resource: DATABASE_SECRET_KEY,
      because: 'the database secret’s key',
      ...(context ? { context } : {}),
    });
    const viaSecretsManager = decrypt({ 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` });
    const directly = decrypt();
    const viaS3 = decrypt({ 'kms:ViaService': `s3.${REGION}.amazonaws.com` });
    const loader = template().roleOf('LoaderLambdaFunction');
    expect(await granted(template(), loader, [viaSecretsManager, directly, viaS3])).toEqual(
      stage === 'full' ? [`kms:Decrypt on ${DATABASE_SECRET_KEY} (the database secret’s key)`] : [],
    );
    for (const other of FUNCTIONS.filter((fn) => fn !== 'LoaderLambdaFunction'))
      expect(await granted(template(), template().roleOf(other), [viaSecretsManager])).toEqual([]);
  });

  it('passes the Aurora export role only to the export service principal its trust policy names', async () => {
    const pass = (service: string) => ({
      action: 'iam:PassRole',
      resource: FULL_PARAMS.auroraExportRoleArn,
      because: `passing the export role to ${service}`,
      context: { 'iam:PassedToService': service },
    });
    const role = template().roleOf('DailyPipelineStateMachine');
    expect(
      await granted(template(), role, [
        pass('export.rds.amazonaws.com'),
        pass('rds.amazonaws.com'),
        pass('lambda.amazonaws.com'),
      ]),
    ).toEqual(
      stage === 'full'
        ? [
            `iam:PassRole on ${FULL_PARAMS.auroraExportRoleArn} (passing the export role to export.rds.amazonaws.com)`,
          ]
        : [],
    );
  });

  it('denies each role the calls outside its job', async () => {
    const { lakeBucket, rawBucket, resultsBucket, database } = names();
    const lake = (key: string) => `arn:aws:s3:::${lakeBucket}/${key}`;
    const raw = (key: string) => `arn:aws:s3:::${rawBucket}/${key}`;
    const fn = (id: string) => template().getAtt(id, 'Arn');
    const outside: Record<string, Array<[string, string]>> = {
      FirehoseTransformLambdaFunction: [
        ['s3:GetObject', lake('lake/clickstream/dt=2026-01-01/hour=09/part.parquet')],
        ['s3:PutObject', lake('lake/clickstream/dt=2026-01-01/hour=09/part.parquet')],
      ],
      DynamodbStreamLambdaFunction: [
        ['s3:GetObject', raw('raw/dynamodb/users/dt=2026-01-01/x.ndjson.gz')],
        ['s3:PutObject', lake('lake/users_changes/dt=2026-01-01/x.parquet')],
      ],
      S3FlattenLambdaFunction: [
        ['s3:DeleteObject', raw('raw/dynamodb/users/dt=2026-01-01/x.ndjson.gz')],
        ['s3:PutObject', lake('lake/daily_event_counts/runs/x/part.parquet')],
        ['s3:PutObject', raw('raw/dynamodb/users/dt=2026-01-01/x.ndjson.gz')],
        ['s3:PutObject', raw('raw/dynamodb/users/dt=2026-01-01/x.quarantine.ndjson.gz')],
        ['s3:DeleteObject', raw('exports/dynamodb/users/dt=2026-01-01/e/AWSDynamoDB/1/data/x.json.gz')],
        ['s3:PutObject', raw('firehose/clickstream/2026/01/01/x.quarantine.ndjson')],
      ],
      PlanRunLambdaFunction: [
        ['s3:GetObject', lake('lake/clickstream/dt=2026-01-01/hour=09/part.parquet')],
        [
          's3:GetObject',
          raw(
            'exports/dynamodb/users/dt=2026-01-01/exported_at=20260102T000000Z/AWSDynamoDB/x/data/part.json.gz',
          ),
        ],
        ['s3:PutObject', lake('lake/daily_event_counts/computed/dt=2026-01-01.json')],
      ],
      PublishTransformLambdaFunction: [
        ['s3:DeleteObject', lake('lake/users_changes/dt=2026-01-01/x.parquet')],
        ['s3:GetObject', raw('raw/dynamodb/users/dt=2026-01-01/x.ndjson.gz')],
      ],
      LoaderLambdaFunction: [
        ['s3:PutObject', `arn:aws:s3:::${resultsBucket}/x.csv`],
        ['s3:GetObject', lake('lake/users_current/runs/x/part.parquet')],
        ['glue:GetTable', `arn:aws:glue:${REGION}:${ACCOUNT}:table/${database}/users_changes`],
      ],
      DailyPipelineStateMachine: [
        ['lambda:InvokeFunction', fn('FirehoseTransformLambdaFunction')],
        ['lambda:InvokeFunction', fn('S3FlattenLambdaFunction')],
        ['lambda:InvokeFunction', fn('DynamodbStreamLambdaFunction')],
        ['s3:DeleteObject', lake('lake/users_current/runs/x/part.parquet')],
        ['glue:DeleteDatabase', `arn:aws:glue:${REGION}:${ACCOUNT}:database/${database}`],
      ],
      RewriteLakeLambdaFunction: [
        ['s3:PutObject', lake('lake/clickstream/dt=2026-01-01/hour=09/part.parquet')],
        ['s3:DeleteObject', lake('lake/daily_event_counts/runs/x/part.parquet')],
        // a backfill reads the streams' raw copies, nothing else of the raw bucket
        ['s3:GetObject', raw('dynamodb/users/2026/01/01/09/x.json.gz')],
        ['s3:PutObject', raw('firehose/clickstream/2026/01/01/09/x.gz')],
        ['glue:DeleteTable', `arn:aws:glue:${REGION}:${ACCOUNT}:table/${database}/clickstream`],
      ],
      LakeRewriteStateMachine: [
        ['lambda:InvokeFunction', fn('PlanRunLambdaFunction')],
        ['s3:DeleteObject', lake('lake/clickstream/dt=2026-01-01/hour=09/part.parquet')],
        ['s3:PutObject', lake('lake/clickstream/dt=2026-01-01/hour=09/part.parquet')],
        ['s3:PutObject', lake('lake/daily_event_counts/runs/x/part.parquet')],
        ['glue:DeleteTable', `arn:aws:glue:${REGION}:${ACCOUNT}:table/${database}/clickstream`],
      ],
    };
    for (const [owner, calls] of Object.entries(outside)) {
      const requests = calls.map(([action, resource]) => ({ action, resource, because: 'outside its job' }));
      expect({ owner, granted: await granted(template(), template().roleOf(owner), requests) }).toEqual({
        owner,
        granted: [],
      });
    }
  });
});
