import {
  auroraExportSetting,
  dynamodbExportsSetting,
  loaderStatements,
  loaderVpcExtension,
  orchestrationResources,
} from '../../src/infra/orchestration';
import { readStackSettings } from '../../src/infra/settings';
import { readRunSettings } from '../../src/lib/orchestration/config';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';

const pipeline = bundledPipeline();
const settings = (extra: Record<string, unknown> = {}) =>
  readStackSettings({ service: 'tributary', stage: 'prod', ...extra });
const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bi-database-AbCdEf';

describe('the loader in the stack', () => {
  it('stays out of any VPC and reads no secret when params name none', () => {
    expect(loaderVpcExtension(settings())).toEqual({});
    const actions = loaderStatements(pipeline, settings()).flatMap((s: any) => s.Action);
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
    expect(actions.some((a: string) => a.startsWith('ec2:'))).toBe(false);
  });

  it("runs in the database's subnets and may read exactly its secret when params say so", () => {
    const stage = settings({
      loaderSecretArn: SECRET,
      loaderSubnetIds: ['subnet-1', 'subnet-2'],
      loaderSecurityGroupIds: ['sg-1'],
    });
    expect(loaderVpcExtension(stage)).toEqual({
      LoaderLambdaFunction: {
        Properties: { VpcConfig: { SubnetIds: ['subnet-1', 'subnet-2'], SecurityGroupIds: ['sg-1'] } },
      },
    });
    const statements = loaderStatements(pipeline, stage) as any[];
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [SECRET],
    });
    expect(statements.flatMap((s) => s.Action)).toContain('ec2:CreateNetworkInterface');
  });
});

describe('the loader and a database secret under a customer managed key', () => {
  const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/2222abcd-12ab-34cd-56ef-1234567890ab';
  const decrypts = (extra: Record<string, unknown>) =>
    (loaderStatements(pipeline, settings({ loaderSecretArn: SECRET, ...extra })) as any[]).filter((s) =>
      s.Action.includes('kms:Decrypt'),
    );

  it('may decrypt with the key loaderSecretKmsKeyArn names, only through Secrets Manager', () => {
    expect(decrypts({ loaderSecretKmsKeyArn: KEY })).toEqual([
      {
        Sid: 'DecryptDatabaseSecret',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [KEY],
        Condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } },
        },
      },
    ]);
  });

  it('gets no key at all when the secret uses the AWS managed key, or there is no secret', () => {
    expect(decrypts({})).toEqual([]);
    const withoutSecret = loaderStatements(pipeline, settings({ loaderSecretKmsKeyArn: KEY })) as any[];
    expect(withoutSecret.filter((s) => s.Action.includes('kms:Decrypt'))).toEqual([]);
  });
});

describe('export settings handed to the plan step', () => {
  it('are read back by the plan step as the stage configured them', () => {
    const stage = settings({
      dynamodbSources: {
        users: {
          tableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/app-users',
          streamArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/app-users/stream/2026-01-01T00:00:00.000',
        },
      },
      auroraClusterArn: 'arn:aws:rds:eu-west-1:111122223333:cluster:app',
      auroraExportRoleArn: 'arn:aws:iam::111122223333:role/export',
      auroraExportKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      auroraExportOnly: ['app.orders'],
    });
    const run = readRunSettings({
      TRIBUTARY_LAKE_BUCKET: 'lake-bucket',
      TRIBUTARY_RAW_BUCKET: 'raw-bucket',
      TRIBUTARY_DATABASE: 'tributary_prod',
      TRIBUTARY_WORKGROUP: 'tributary-prod',
      TRIBUTARY_TRANSFORM_WORKGROUP: 'tributary-prod-transforms',
      TRIBUTARY_DYNAMODB_EXPORTS: dynamodbExportsSetting(pipeline, stage),
      TRIBUTARY_AURORA_EXPORT: auroraExportSetting(pipeline, stage),
    });
    expect(run.dynamodbExports).toEqual([
      { table: 'users', tableArn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/app-users' },
    ]);
    expect(run.auroraExport).toEqual({
      clusterArn: 'arn:aws:rds:eu-west-1:111122223333:cluster:app',
      roleArn: 'arn:aws:iam::111122223333:role/export',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      identifierPrefix: 'tributary-prod',
      exportOnly: ['app.orders'],
    });
  });
});

describe('the daily pipeline role with an Aurora export', () => {
  it('may start and watch the export, pass its role to RDS only, and use its key', () => {
    const stage = settings({
      auroraClusterArn: 'arn:aws:rds:eu-west-1:111122223333:cluster:app',
      auroraExportRoleArn: 'arn:aws:iam::111122223333:role/export',
      auroraExportKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
    });
    const role = (orchestrationResources(pipeline, stage) as any).DailyPipelineRole;
    const statements = role.Properties.Policies[0].PolicyDocument.Statement;
    const bySid = (sid: string) => statements.find((s: any) => s.Sid === sid);
    expect(bySid('ExportAurora').Resource).toEqual(['arn:aws:rds:eu-west-1:111122223333:cluster:app']);
    expect(bySid('PassAuroraExportRole').Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'export.rds.amazonaws.com' },
    });
    expect(bySid('UseAuroraExportKey')).toMatchObject({
      Action: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt'],
      Resource: ['arn:aws:kms:eu-west-1:111122223333:key/k'],
    });
  });
});

describe('the Athena workgroups of a stage', () => {
  const resources = (extra: Record<string, unknown> = {}) =>
    orchestrationResources(pipeline, settings(extra)) as Record<string, any>;
  const workGroups = (extra: Record<string, unknown> = {}) =>
    Object.values(resources(extra))
      .filter((r) => r.Type === 'AWS::Athena::WorkGroup')
      .map((r) => r.Properties);

  it('runs transforms in a workgroup that lets a CTAS name its location, with the cutoff and encrypted results', () => {
    const transforms = workGroups().find((w) => w.Name === 'tributary-prod-transforms');
    expect(transforms).toMatchObject({
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: false,
        BytesScannedCutoffPerQuery: 10_000_000_000,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Sub': 's3://${ResultsBucket}/' },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
    const kms = 'arn:aws:kms:eu-west-1:111122223333:key/lake';
    expect(
      workGroups({ kmsKeyArn: kms }).map(
        (w) => w.WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration,
      ),
    ).toEqual([
      { EncryptionOption: 'SSE_KMS', KmsKey: kms },
      { EncryptionOption: 'SSE_KMS', KmsKey: kms },
    ]);
  });

  it('keeps the enforced workgroup for people and the loads', () => {
    const queries = workGroups().find((w) => w.Name === 'tributary-prod');
    expect(queries.WorkGroupConfiguration.EnforceWorkGroupConfiguration).toBe(true);
    expect(workGroups()).toHaveLength(2);
  });

  it('lets the pipeline role start queries in both workgroups, the loader read only the enforced one', () => {
    const arn = (name: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:athena:\${AWS::Region}:\${AWS::AccountId}:workgroup/${name}`,
    });
    const statements = resources().DailyPipelineRole.Properties.Policies[0].PolicyDocument.Statement;
    const run = statements.find((s: any) => s.Action.includes('athena:StartQueryExecution'));
    expect(run.Resource).toEqual([arn('tributary-prod-transforms'), arn('tributary-prod')]);
    const loader = loaderStatements(pipeline, settings()).find((s: any) =>
      s.Action.includes('athena:GetQueryResults'),
    ) as any;
    expect(loader.Resource).toEqual([arn('tributary-prod')]);
  });
});
