import { DynamoLayout } from '../../src/lib/dynamodb/layout';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { validateTemplate } from '../support/cloudformation-spec';
import { createResolver, FAKE_STACK, type FakeStack } from '../support/intrinsics';
import { type PackagedStage, packageStage } from '../support/serverless';

// Its subject is the stack as shipped: `sls package` reads the shipped pipeline.yml, so this suite does too.
jest.mock('../../src/lib/pipeline/bundled', () => ({
  bundledPipeline: jest.requireActual('../support/shipped-pipeline').shippedPipeline,
}));

type Template = Record<string, any>;

function resourcesOfType(template: Template, type: string): Array<[string, any]> {
  return Object.entries(template.Resources).filter(([, r]) => (r as { Type: string }).Type === type);
}

function allStatements(template: Template): Array<{ role: string; statement: any }> {
  return resourcesOfType(template, 'AWS::IAM::Role').flatMap(([role, resource]) =>
    (resource.Properties.Policies ?? []).flatMap((policy: any) =>
      policy.PolicyDocument.Statement.map((statement: any) => ({ role, statement })),
    ),
  );
}

const resolveIn = (template: Template, stack: FakeStack = FAKE_STACK) =>
  createResolver(template as any, stack);

const pipeline = bundledPipeline();
const stages: Record<string, PackagedStage> = {};

beforeAll(async () => {
  // packaged once per test run for every suite that asks (test/support/serverless.ts)
  stages.dev = await packageStage('dev');
  stages.prod = await packageStage('prod');
}, 600_000);

/** Actions authorized on "*" because their calls name no resource (see docs/aws-rules.md, IAM and KMS). */
const ACTIONS_ON_NO_RESOURCE = ['dynamodb:ListStreams', 'rds:DescribeExportTasks'];

describe('packaging a stage', () => {
  it('warns, once, what prod as shipped lacks: alerts, a BI database, its captured tables', () => {
    const output = stages.prod!.output;
    expect(output.match(/alarmEmail is empty/g)).toHaveLength(1);
    expect(output).toContain('loaderSecretArn is empty');
    expect(output).toContain('users is not captured in this stage');
    expect(output).toContain('tributary doctor --stage prod');
  });

  it('stays quiet for dev, which runs by hand on its demo table', () => {
    expect(stages.dev!.output).not.toContain('tributary doctor');
  });
});

describe.each(['dev', 'prod'])('the %s CloudFormation template', (stage) => {
  const template = () => stages[stage]!.template;

  it('is valid against the CloudFormation resource specification, references included', () => {
    expect(validateTemplate(template())).toEqual([]);
  });

  it('grants no wildcard actions and no unscoped resources', () => {
    for (const { role, statement } of allStatements(template())) {
      const actions = [statement.Action].flat();
      for (const action of actions) expect(`${role}: ${action}`).not.toMatch(/\*/);
      // only actions whose calls name no resource may (and must) be granted on "*"
      if (actions.every((action) => ACTIONS_ON_NO_RESOURCE.includes(action))) continue;
      for (const resource of [statement.Resource].flat())
        expect(`${role}: ${JSON.stringify(resource)}`).not.toBe(`${role}: "*"`);
    }
  });

  it('keeps every bucket encrypted, private and reachable over TLS only', () => {
    const policies = resourcesOfType(template(), 'AWS::S3::BucketPolicy').map(([, p]) => p.Properties);
    for (const [name, bucket] of resourcesOfType(template(), 'AWS::S3::Bucket')) {
      expect(
        bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
          .SSEAlgorithm,
      ).toMatch(/AES256|aws:kms/);
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      // the framework's own deployment bucket holds only code; the data buckets expire what they must
      if (name !== 'ServerlessDeploymentBucket')
        expect(bucket.Properties.LifecycleConfiguration.Rules.length).toBeGreaterThan(0);
      const policy = policies.find((p) => p.Bucket.Ref === name);
      expect(policy).toBeDefined();
      const denyInsecure = policy!.PolicyDocument.Statement.find(
        (s: any) => s.Effect === 'Deny' && String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false',
      );
      expect(denyInsecure).toBeDefined();
    }
  });

  it('gives the functions that file data by day the first day the Glue tables project', () => {
    const tables = resourcesOfType(template(), 'AWS::Glue::Table').map(([, t]) => t.Properties.TableInput);
    const ranges = new Set(tables.flatMap((t) => t.Parameters['projection.dt.range'] ?? []));
    expect([...ranges]).toEqual(['2024-01-01,NOW']);
    const [start] = [...ranges][0]!.split(',');
    for (const fn of [
      'FirehoseTransformLambdaFunction',
      'DynamodbStreamLambdaFunction',
      'PlanRunLambdaFunction',
      'PublishTransformLambdaFunction',
    ]) {
      expect(template().Resources[fn].Properties.Environment.Variables.TRIBUTARY_LAKE_START_DATE).toBe(start);
    }
  });

  it('runs the transform on nodejs22.x with its own role', () => {
    const fn = template().Resources.FirehoseTransformLambdaFunction.Properties;
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Role).toEqual({ 'Fn::GetAtt': ['FirehoseTransformIamRoleLambdaExecution', 'Arn'] });
    expect(fn.Environment.Variables.TRIBUTARY_STREAM_PREFIX).toBe(`tributary-${stage}-`);
    const statements = allStatements(template())
      .filter(({ role }) => role === 'FirehoseTransformIamRoleLambdaExecution')
      .map(({ statement }) => statement);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['firehose:PutRecordBatch'],
      Resource: pipeline.streams.map((s) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:firehose:\${AWS::Region}:\${AWS::AccountId}:deliverystream/tributary-${stage}-${s.name}`,
      })),
    });
  });

  it.each(pipeline.streams.map((s) => [s.name, s]))(
    'declares the Glue table of %s with partition projection',
    (name, stream) => {
      const table = Object.values(template().Resources).find(
        (r: any) => r.Type === 'AWS::Glue::Table' && r.Properties.TableInput.Name === name,
      ) as any;
      const input = table.Properties.TableInput;
      expect(input.StorageDescriptor.Columns.map((c: any) => [c.Name, c.Type])).toEqual(
        stream.columns.map((c) => [
          c.name,
          c.type.kind === 'decimal' ? `decimal(${c.type.precision},${c.type.scale})` : c.type.kind,
        ]),
      );
      expect(input.PartitionKeys).toEqual([
        { Name: 'dt', Type: 'string' },
        { Name: 'hour', Type: 'string' },
      ]);
      expect(input.Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.hour.range': '0,23',
        'storage.location.template': {
          'Fn::Sub': `s3://\${LakeBucket}/lake/${name}/dt=\${!dt}/hour=\${!hour}/`,
        },
      });
      expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toContain('ParquetHiveSerDe');
    },
  );

  it.each(pipeline.streams.map((s) => [s.name]))(
    'delivers %s as partitioned Parquet with nothing lost',
    (name) => {
      const stream = Object.values(template().Resources).find(
        (r: any) =>
          r.Type === 'AWS::KinesisFirehose::DeliveryStream' &&
          r.Properties.DeliveryStreamName === `tributary-${stage}-${name}`,
      ) as any;
      const destination = stream.Properties.ExtendedS3DestinationConfiguration;
      expect(stream.Properties.DeliveryStreamType).toBe('DirectPut');
      expect(destination.ProcessingConfiguration.Processors[0].Parameters).toContainEqual({
        ParameterName: 'LambdaArn',
        ParameterValue: { 'Fn::GetAtt': ['FirehoseTransformLambdaFunction', 'Arn'] },
      });
      expect(
        destination.DataFormatConversionConfiguration.OutputFormatConfiguration.Serializer.ParquetSerDe,
      ).toBeDefined();
      expect(destination.DataFormatConversionConfiguration.SchemaConfiguration.TableName.Ref).toMatch(
        /^GlueTable/,
      );
      expect(destination.DynamicPartitioningConfiguration.Enabled).toBe(true);
      expect(destination.Prefix).toBe(
        `lake/${name}/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/`,
      );
      expect(destination.ErrorOutputPrefix).toContain('!{firehose:error-output-type}');
      expect(destination.S3BackupMode).toBe('Enabled');
      expect(destination.S3BackupConfiguration.BucketARN).toEqual({ 'Fn::GetAtt': ['RawBucket', 'Arn'] });
    },
  );
});

describe('DynamoDB capture in the template', () => {
  const dev = () => stages.dev!.template.Resources;
  const prod = () => stages.prod!.template.Resources;

  it('creates the demo table in dev only, streaming new and old images with point-in-time recovery', () => {
    expect(dev().DemoTableUsers.Properties).toMatchObject({
      TableName: 'tributary-dev-users',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(prod().DemoTableUsers).toBeUndefined();
    expect(prod().DynamodbStreamSourceUsers).toBeUndefined();
  });

  it('maps the stream with partial batch responses, bisection, bounded retries and a failure destination', () => {
    expect(dev().DynamodbStreamSourceUsers.Properties).toMatchObject({
      FunctionName: { Ref: 'DynamodbStreamLambdaFunction' },
      EventSourceArn: { 'Fn::GetAtt': ['DemoTableUsers', 'StreamArn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 86400,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': ['RawBucket', 'Arn'] } },
      },
    });
    expect(
      JSON.parse(
        dev().DynamodbStreamLambdaFunction.Properties.Environment.Variables.TRIBUTARY_DYNAMODB_TABLES,
      ),
    ).toEqual({
      'tributary-dev-users': 'users',
    });
  });

  it('sends new change files and export data files to the flattener, which retries and then parks events', () => {
    const bucket = dev().RawBucket;
    expect(bucket.DependsOn).toEqual(['S3FlattenInvokeFromRawBucket']);
    expect(
      bucket.Properties.NotificationConfiguration.LambdaConfigurations.map((c: any) => c.Filter.S3Key.Rules),
    ).toEqual([
      [
        { Name: 'prefix', Value: 'raw/dynamodb/' },
        { Name: 'suffix', Value: '.ndjson.gz' },
      ],
      [
        { Name: 'prefix', Value: 'exports/dynamodb/' },
        { Name: 'suffix', Value: '.json.gz' },
      ],
    ]);
    expect(dev().S3FlattenInvokeConfig.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['S3FlattenFailuresQueue', 'Arn'] } } },
    });
    expect(dev().S3FlattenFailuresQueue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(
      resolveIn(stages.dev!.template)(
        dev().S3FlattenLambdaFunction.Properties.Environment.Variables.TRIBUTARY_LAKE_BUCKET,
      ),
    ).toBe(resolveIn(stages.dev!.template)(dev().LakeBucket.Properties.BucketName));
  });

  it.each(['users_changes', 'users_snapshot'])(
    'catalogs %s with keys and change metadata first, projected by day',
    (name) => {
      const table = Object.values(dev()).find(
        (r: any) => r.Type === 'AWS::Glue::Table' && r.Properties.TableInput.Name === name,
      ) as any;
      const input = table.Properties.TableInput;
      expect(input.StorageDescriptor.Columns.slice(0, 5).map((c: any) => `${c.Name} ${c.Type}`)).toEqual([
        'user_id string',
        '_op string',
        '_seq string',
        '_event_time timestamp',
        '_deleted boolean',
      ]);
      expect(input.StorageDescriptor.Columns.at(-1)).toEqual({ Name: '_extra', Type: 'string' });
      expect(input.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string' }]);
      expect(input.Parameters['storage.location.template']).toEqual({
        'Fn::Sub': `s3://\${LakeBucket}/lake/${name}/dt=\${!dt}/`,
      });
    },
  );
});

/** The schedule rule that starts a state machine. */
function scheduleOf(stage: string, machine: string): any {
  const rules = resourcesOfType(stages[stage]!.template, 'AWS::Events::Rule')
    .map(([, r]) => r.Properties)
    .filter((p: any) => p.Targets.some((t: any) => t.Arn?.Ref === machine));
  expect(rules).toHaveLength(1);
  return rules[0];
}

describe('the lake rewrite in the template', () => {
  it('deploys its own state machine from statemachines/ with its own role, its tasks bound to its function', () => {
    const machine = stages.dev!.template.Resources.LakeRewriteStateMachine;
    expect(machine.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(machine.Properties.RoleArn).toEqual({ 'Fn::GetAtt': ['LakeRewriteRole', 'Arn'] });
    const [text, bindings] = machine.Properties.DefinitionString['Fn::Sub'];
    expect(JSON.parse(text).StartAt).toBe('Plan days');
    expect(Object.values(bindings)).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': ['RewriteLakeLambdaFunction', 'Arn'] },
        { Ref: 'AlertsTopic' },
      ]),
    );
  });

  it('is started by its own schedule, from the compactionSchedule param, on with scheduleEnabled', () => {
    expect(scheduleOf('prod', 'LakeRewriteStateMachine')).toMatchObject({
      State: 'ENABLED',
      ScheduleExpression: 'cron(0 4 * * ? *)',
    });
    expect(scheduleOf('dev', 'LakeRewriteStateMachine').State).toBe('DISABLED');
  });
});

describe('the daily pipeline in the template', () => {
  const resources = (stage: string) => stages[stage]!.template.Resources;
  const pipelineStatements = (stage: string) =>
    allStatements(stages[stage]!.template)
      .filter(({ role }) => role === 'DailyPipelineRole')
      .map(({ statement }) => statement);

  it('deploys the state machine from statemachines/ with its own role, tasks bound to the functions', () => {
    const machine = resources('dev').DailyPipelineStateMachine;
    expect(machine.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(machine.Properties.RoleArn).toEqual({ 'Fn::GetAtt': ['DailyPipelineRole', 'Arn'] });
    const [text, bindings] = machine.Properties.DefinitionString['Fn::Sub'];
    const definition = JSON.parse(text);
    expect(definition.StartAt).toBe('Plan run');
    expect(Object.values(bindings)).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': ['PlanRunLambdaFunction', 'Arn'] },
        { 'Fn::GetAtt': ['PublishTransformLambdaFunction', 'Arn'] },
        { 'Fn::GetAtt': ['LoaderLambdaFunction', 'Arn'] },
        { Ref: 'AlertsTopic' },
      ]),
    );
  });

  it('is started by a schedule that is enabled in prod and disabled in dev', () => {
    const rule = (stage: string) => scheduleOf(stage, 'DailyPipelineStateMachine');
    expect(rule('prod')).toMatchObject({ State: 'ENABLED', ScheduleExpression: 'cron(30 1 * * ? *)' });
    expect(rule('dev').State).toBe('DISABLED');
  });

  it('gives the Athena workgroup enforced, encrypted results and a bytes-scanned cutoff per stage', () => {
    const workGroup = (stage: string) => resources(stage).AthenaWorkGroup.Properties;
    expect(workGroup('dev')).toMatchObject({
      Name: 'tributary-dev',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10_000_000_000,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Sub': 's3://${ResultsBucket}/' },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
    expect(workGroup('prod').WorkGroupConfiguration.BytesScannedCutoffPerQuery).toBe(100_000_000_000);
    const transforms = resources('prod').AthenaTransformsWorkGroup.Properties;
    expect(transforms.Name).toBe('tributary-prod-transforms');
    expect(transforms.WorkGroupConfiguration).toMatchObject({
      EnforceWorkGroupConfiguration: false,
      BytesScannedCutoffPerQuery: 100_000_000_000,
    });
    expect(resources('prod').PlanRunLambdaFunction.Properties.Environment.Variables).toMatchObject({
      TRIBUTARY_WORKGROUP: 'tributary-prod',
      TRIBUTARY_TRANSFORM_WORKGROUP: 'tributary-prod-transforms',
    });
    const rules = resources('dev').ResultsBucket.Properties.LifecycleConfiguration.Rules;
    expect(rules.map((r: any) => r.Id)).toContain('expire-results');
  });

  it('lets the pipeline role run queries only in its workgroup and invoke only its own functions', () => {
    const statements = pipelineStatements('dev');
    const byAction = (action: string) => statements.filter((s) => [s.Action].flat().includes(action));
    expect(byAction('athena:StartQueryExecution').flatMap((s) => s.Resource)).toEqual([
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/tributary-dev-transforms',
      },
      { 'Fn::Sub': 'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/tributary-dev' },
    ]);
    expect(byAction('lambda:InvokeFunction').flatMap((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': ['PlanRunLambdaFunction', 'Arn'] },
      { 'Fn::GetAtt': ['PublishTransformLambdaFunction', 'Arn'] },
      { 'Fn::GetAtt': ['LoaderLambdaFunction', 'Arn'] },
    ]);
    expect(byAction('sns:Publish').flatMap((s) => s.Resource)).toEqual([{ Ref: 'AlertsTopic' }]);
    expect(resolveIn(stages.dev!.template)(byAction('s3:PutObject').flatMap((s) => s.Resource))).toEqual(
      expect.arrayContaining([expect.stringMatching(/lake-.*\/lake\/daily_event_counts\/runs\/\*$/)]),
    );
    // no DynamoDB export in prod, where no table is captured by default
    expect(
      pipelineStatements('prod').some((s) => [s.Action].flat().includes('dynamodb:ExportTableToPointInTime')),
    ).toBe(false);
  });

  it('gives every function a timeout and memory Lambda accepts, the rewrite Lambda the most for a backfill day', () => {
    const functions = Object.entries(resources('dev')).filter(
      ([, resource]) => (resource as { Type: string }).Type === 'AWS::Lambda::Function',
    ) as Array<[string, { Properties: { Timeout: number; MemorySize: number } }]>;
    expect(functions.length).toBeGreaterThan(5);
    for (const [id, fn] of functions) {
      expect({ id, timeoutOk: fn.Properties.Timeout >= 1 && fn.Properties.Timeout <= 900 }).toEqual({
        id,
        timeoutOk: true,
      });
      expect({ id, memoryOk: fn.Properties.MemorySize >= 128 && fn.Properties.MemorySize <= 10_240 }).toEqual(
        {
          id,
          memoryOk: true,
        },
      );
    }
    expect(resources('dev').RewriteLakeLambdaFunction.Properties).toMatchObject({
      Timeout: 900,
      MemorySize: 2048,
    });
  });

  it('runs the loader with the database secret from params, reading only query results', () => {
    const loader = resources('dev').LoaderLambdaFunction.Properties;
    expect(loader.Environment.Variables).toHaveProperty('TRIBUTARY_DATABASE_SECRET_ARN');
    expect(loader.Timeout).toBe(900);
    expect(loader.VpcConfig).toBeUndefined();
    const statements = allStatements(stages.dev!.template)
      .filter(({ role }) => role === 'LoaderIamRoleLambdaExecution')
      .map(({ statement }) => statement);
    const resolve = resolveIn(stages.dev!.template);
    expect(resolve(statements)).toContainEqual({
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: [`arn:aws:s3:::${resolve({ Ref: 'ResultsBucket' })}/*`],
    });
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('s3:PutObject');
  });
});

describe('Aurora exports in the template', () => {
  it('catalogues each exported table in place, one partition per export day', () => {
    const table = Object.values(stages.dev!.template.Resources).find(
      (r: any) => r.Type === 'AWS::Glue::Table' && r.Properties.TableInput.Name === 'orders_snapshot',
    ) as any;
    const input = table.Properties.TableInput;
    expect(input.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string' }]);
    expect(input.StorageDescriptor.Columns.map((c: any) => `${c.Name} ${c.Type}`)).toContain(
      'total decimal(12,2)',
    );
    expect(input.Parameters['storage.location.template']).toEqual({
      'Fn::Sub': 's3://${RawBucket}/exports/aurora/dt=${!dt}/tributary-dev-${!dt}/app/app.orders/',
    });
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toContain('ParquetHiveSerDe');
  });

  it('lets the pipeline read the exports, and nothing else of the raw bucket', () => {
    const read = allStatements(stages.dev!.template).find(
      ({ role, statement }) => role === 'DailyPipelineRole' && statement.Sid === 'ReadAuroraExports',
    )!.statement;
    const resolve = resolveIn(stages.dev!.template);
    const raw = resolve({ Ref: 'RawBucket' });
    expect(resolve(read.Resource)).toEqual([`arn:aws:s3:::${raw}`, `arn:aws:s3:::${raw}/exports/aurora/*`]);
  });
});

describe('stage parameters', () => {
  const buffering = (stage: string) =>
    (
      Object.values(stages[stage]!.template.Resources).find(
        (r: any) => r.Type === 'AWS::KinesisFirehose::DeliveryStream',
      ) as any
    ).Properties.ExtendedS3DestinationConfiguration.BufferingHints;
  const rawExpiry = (stage: string) =>
    stages[stage]!.template.Resources.RawBucket.Properties.LifecycleConfiguration.Rules.find(
      (r: any) => r.Id === 'expire-raw',
    ).ExpirationInDays;

  it('give dev short buffers and retention, prod long ones', () => {
    expect(buffering('dev')).toEqual({ SizeInMBs: 64, IntervalInSeconds: 60 });
    expect(buffering('prod')).toEqual({ SizeInMBs: 128, IntervalInSeconds: 900 });
    expect(rawExpiry('dev')).toBe(14);
    expect(rawExpiry('prod')).toBe(365);
  });

  it('name every resource per stage', () => {
    const lake = (stage: string) =>
      resolveIn(stages[stage]!.template)(stages[stage]!.template.Resources.LakeBucket.Properties.BucketName);
    expect(lake('dev')).toMatch(/^tributary-dev-lake-/);
    expect(lake('prod')).toMatch(/^tributary-prod-lake-/);
  });
});

describe('the template validator', () => {
  it('reports planted mistakes, so a clean result means something', () => {
    const broken = structuredClone(stages.dev!.template);
    const firehose = Object.values(broken.Resources).find(
      (r: any) => r.Type === 'AWS::KinesisFirehose::DeliveryStream',
    ) as any;
    const conversion =
      firehose.Properties.ExtendedS3DestinationConfiguration.DataFormatConversionConfiguration;
    conversion.SchemaConfiguration.TableNmae = 'typo';
    delete broken.Resources.FirehoseTransformLambdaFunction.Properties.Role;
    broken.Resources.LakeBucket.Properties.VersioningConfiguration.Status = 'On';
    firehose.Properties.ExtendedS3DestinationConfiguration.RoleARN = { 'Fn::GetAtt': ['LakeBucket', 'Url'] };
    firehose.Properties.ExtendedS3DestinationConfiguration.BucketARN = { Ref: 'NoSuchBucket' };
    broken.Resources.Mystery = { Type: 'AWS::S3::Buckets', Properties: {} };
    const messages = validateTemplate(broken).map((p) => `${p.path}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('SchemaConfiguration has no property TableNmae'),
        expect.stringContaining('AWS::Lambda::Function requires Role'),
        expect.stringContaining('"On" is not one of'),
        expect.stringContaining('AWS::S3::Bucket has no attribute Url'),
        expect.stringContaining('Ref to unknown NoSuchBucket'),
        expect.stringContaining('unknown resource type AWS::S3::Buckets'),
      ]),
    );
  });
});

describe('the HMAC key for hash rules', () => {
  const hashingFunctions = (stage: string) =>
    (['FirehoseTransform', 'S3Flatten'] as const)
      .filter((fn) =>
        fn === 'S3Flatten'
          ? pipeline.dynamodb.some((t) => t.flatten.hash.length > 0)
          : pipeline.streams.some((s) => s.flatten.hash.length > 0),
      )
      .map((fn) => ({ fn, stage }));

  it.each(['dev', 'prod'])(
    'is a secret the %s stack generates and keeps, read by exactly the functions that hash',
    (stage) => {
      const template = stages[stage]!.template;
      const secret = template.Resources.HashKeySecret;
      expect(secret).toMatchObject({
        Type: 'AWS::SecretsManager::Secret',
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
        Properties: { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } },
      });
      // the functions read the whole SecretString as the key: no JSON template around it
      expect(secret.Properties.GenerateSecretString.SecretStringTemplate).toBeUndefined();
      expect(secret.Properties.Name).toBeUndefined();
      const resolve = resolveIn(template);
      const arn = resolve({ Ref: 'HashKeySecret' });
      const functions = hashingFunctions(stage);
      expect(functions.length).toBeGreaterThan(0);
      for (const { fn } of functions) {
        const variables = template.Resources[`${fn}LambdaFunction`].Properties.Environment.Variables;
        expect(resolve(variables.TRIBUTARY_HASH_KEY_SECRET_ARN)).toBe(arn);
        const reads = allStatements(template)
          .filter(({ role }) => role === `${fn}IamRoleLambdaExecution`)
          .filter(({ statement }) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'));
        expect(reads.map(({ statement }) => resolve(statement.Resource))).toEqual([[arn]]);
      }
      const readers = allStatements(template)
        .filter(({ statement }) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
        .filter(({ statement }) => JSON.stringify(statement.Resource).includes('HashKeySecret'))
        .map(({ role }) => role);
      expect(readers.sort()).toEqual(functions.map(({ fn }) => `${fn}IamRoleLambdaExecution`).sort());
    },
  );
});

describe('bucket names', () => {
  const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
  const buckets = ['LakeBucket', 'RawBucket', 'ResultsBucket'];
  const secondStack: FakeStack = { ...FAKE_STACK, stackUuid: '7d1a9a80-1f0b-11f1-8c2e-0a1b2c3d4e5f' };

  it.each(['dev', 'prod'])(
    'let the %s stage be created again next to the buckets a removed stack retained',
    (stage) => {
      const template = stages[stage]!.template;
      for (const bucket of buckets) {
        expect(template.Resources[bucket].DeletionPolicy).toBe('RetainExceptOnCreate');
        const first = resolveIn(template)({ Ref: bucket });
        const second = resolveIn(template, secondStack)({ Ref: bucket });
        expect(first).toMatch(BUCKET_NAME);
        expect(second).toMatch(BUCKET_NAME);
        expect(second).not.toBe(first);
      }
    },
  );

  it.each(['dev', 'prod'])('are what the %s functions and policies name, in every stack', (stage) => {
    const template = stages[stage]!.template;
    for (const stack of [FAKE_STACK, secondStack]) {
      const resolve = resolveIn(template, stack);
      const names = new Set(buckets.map((bucket) => resolve({ Ref: bucket })));
      const environment = Object.values(template.Resources)
        .filter((r: any) => r.Type === 'AWS::Lambda::Function')
        .flatMap((r: any) => Object.entries(r.Properties.Environment?.Variables ?? {}))
        .filter(([name]) => /_BUCKET$/.test(name))
        .map(([, value]) => resolve(value));
      expect(environment.length).toBeGreaterThan(0);
      for (const name of environment) expect(names).toContain(name);
      const s3Arns = allStatements(template)
        .flatMap(({ statement }) => [resolve(statement.Resource)].flat())
        .filter((arn): arn is string => typeof arn === 'string' && arn.startsWith('arn:aws:s3:::'));
      expect(s3Arns.length).toBeGreaterThan(0);
      for (const arn of s3Arns) {
        const bucket = arn.slice('arn:aws:s3:::'.length).split('/')[0]!;
        if (!bucket.startsWith('tributary-')) continue; // another stack's, e.g. the deployment bucket
        expect(names).toContain(bucket);
      }
    }
  });
});

describe('raw copies of data with privacy rules', () => {
  const privateTables = pipeline.dynamodb.filter(
    (t) => t.flatten.drop.length > 0 || t.flatten.hash.length > 0,
  );
  const rules = (stage: string, bucket: string) =>
    stages[stage]!.template.Resources[bucket].Properties.LifecycleConfiguration.Rules as any[];

  it.each(['dev', 'prod'])(
    'expire in %s after the short private retention, old versions included',
    (stage) => {
      expect(privateTables.length).toBeGreaterThan(0);
      const prefixes = [
        ...privateTables.flatMap((t) => [`raw/dynamodb/${t.name}/`, `exports/dynamodb/${t.name}/`]),
        'aws/lambda/',
      ];
      for (const prefix of prefixes) {
        const covering = rules(stage, 'RawBucket').filter(
          (r) => r.ExpirationInDays !== undefined && prefix.startsWith(r.Prefix ?? ''),
        );
        // S3 honours the shortest of overlapping expirations
        expect(Math.min(...covering.map((r) => r.ExpirationInDays))).toBe(14);
        const own = covering.find((r) => r.Prefix === prefix);
        expect(own.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 1 });
      }
    },
  );

  it.each(['dev', 'prod'])('can be read in %s only by the roles that must read them', (stage) => {
    const policy = stages[stage]!.template.Resources.RawBucketPolicy.Properties.PolicyDocument;
    const denyFor = (prefix: string) =>
      policy.Statement.find(
        (s: any) =>
          s.Effect === 'Deny' &&
          s.Resource?.['Fn::Sub'] === `arn:\${AWS::Partition}:s3:::\${RawBucket}/${prefix}*`,
      );
    for (const table of privateTables) {
      for (const prefix of [`raw/dynamodb/${table.name}/`, `exports/dynamodb/${table.name}/`]) {
        const deny = denyFor(prefix);
        expect(deny.Action).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
        expect(deny.Condition.ArnNotEquals['aws:PrincipalArn']).toEqual([
          { 'Fn::GetAtt': ['S3FlattenIamRoleLambdaExecution', 'Arn'] },
          // the snapshot check reads an export's manifest; its IAM policy grants no data file
          ...(prefix.startsWith('exports/')
            ? [{ 'Fn::GetAtt': ['PlanRunIamRoleLambdaExecution', 'Arn'] }]
            : []),
        ]);
      }
    }
    expect(denyFor('aws/lambda/').Condition.ArnNotEquals['aws:PrincipalArn']).toEqual([
      { 'Fn::GetAtt': ['DynamodbStreamIamRoleLambdaExecution', 'Arn'] },
    ]);
  });

  it.each(['dev', 'prod'])(
    'keep in %s the quarantined lines of such tables behind the same expiry and read fence',
    (stage) => {
      const policy = stages[stage]!.template.Resources.RawBucketPolicy.Properties.PolicyDocument;
      for (const table of privateTables) {
        const change = DynamoLayout.classify(`raw/dynamodb/${table.name}/dt=2026-11-20/s-1-2.ndjson.gz`);
        const exported = DynamoLayout.classify(
          `exports/dynamodb/${table.name}/dt=2026-11-20/exported_at=20261121T000000Z/AWSDynamoDB/0170-ab/data/p.json.gz`,
        );
        for (const source of [change, exported]) {
          if (source.kind === 'other')
            throw new Error('the test names a change file and an export data file');
          const key = DynamoLayout.quarantineKey(source);
          const expiry = rules(stage, 'RawBucket').filter(
            (r) => r.ExpirationInDays !== undefined && key.startsWith(r.Prefix ?? ''),
          );
          expect(Math.min(...expiry.map((r) => r.ExpirationInDays))).toBe(14);
          const fence = policy.Statement.filter((s: any) => {
            const resource: string | undefined = s.Resource?.['Fn::Sub'];
            const pattern = resource?.replace('arn:${AWS::Partition}:s3:::${RawBucket}/', '');
            const matches =
              pattern !== undefined &&
              new RegExp(
                `^${pattern
                  .split('*')
                  .map((part) => part.replace(/[.?+^$()[\]{}|\\]/g, '\\$&'))
                  .join('.*')}$`,
              ).test(key);
            return s.Effect === 'Deny' && s.Action.includes('s3:GetObject') && matches;
          });
          // every statement that matches denies; only roles all of them exempt may read
          const exempt = fence
            .map((s: any) =>
              s.Condition.ArnNotEquals['aws:PrincipalArn'].map((a: unknown) => JSON.stringify(a)),
            )
            .reduce((kept: string[], next: string[]) => kept.filter((role) => next.includes(role)));
          expect(exempt.map((role: string) => JSON.parse(role))).toEqual([
            { 'Fn::GetAtt': ['S3FlattenIamRoleLambdaExecution', 'Arn'] },
          ]);
        }
      }
    },
  );

  it('keep raw copies without privacy rules for rawRetentionDays', () => {
    const clean = pipeline.streams.filter((s) => s.flatten.drop.length === 0 && s.flatten.hash.length === 0);
    expect(clean.length).toBeGreaterThan(0);
    for (const stream of clean) {
      expect(rules('prod', 'RawBucket').some((r) => r.Prefix === `firehose/${stream.name}/`)).toBe(false);
    }
    expect(rules('prod', 'RawBucket').find((r) => r.Id === 'expire-raw').ExpirationInDays).toBe(365);
  });
});

describe('creation order', () => {
  it('creates the stream mapping after the bucket its failed batches go to', () => {
    const resources = stages.dev!.template.Resources;
    const mapping = resources.DynamodbStreamSourceUsers;
    const destination = mapping.Properties.DestinationConfig.OnFailure.Destination;
    const dependsOn = [mapping.DependsOn ?? []].flat();
    const referenced = JSON.stringify(destination).match(/"(?:Ref|Fn::GetAtt)":\[?"(\w+)"/)?.[1];
    expect(referenced ?? dependsOn.find((d: string) => d === 'RawBucket')).toBe('RawBucket');
  });
});
