/**
 * Reads a packaged CloudFormation template the way CloudFormation would deploy it into one fake
 * account and region: intrinsic functions resolved to physical names and ARNs, so the roles'
 * policies can be evaluated against the ARNs the code really calls.
 */

import { createResolver, type FakeStack, UnresolvableError } from '../intrinsics';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const PARTITION = 'aws';

/** The one account, region and stack creation every simulated stage is deployed into. */
export const IAM_STACK: FakeStack = {
  accountId: ACCOUNT,
  region: REGION,
  stackName: 'tributary',
  stackUuid: '5e1c1e40-0f3a-11f1-9c2d-0a1b2c3d4e5f',
};

type Template = Record<string, any>;

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly unknown[];
}

export class TemplateResolveError extends Error {
  override readonly name = 'TemplateResolveError';
}

/** Types whose Ref test/support/intrinsics.ts already gives as CloudFormation does. */
const EVALUATOR_REFS = new Set(['AWS::S3::Bucket', 'AWS::SecretsManager::Secret']);

export class DeployedTemplate {
  /** test/support/intrinsics.ts, told the physical ids of the resources the roles name. */
  private readonly evaluate: (value: unknown) => unknown;

  constructor(
    readonly template: Template,
    readonly stack: FakeStack = IAM_STACK,
  ) {
    this.evaluate = createResolver(template as any, stack, {
      ref: (logicalId, resource, resolve) => this.physicalRef(logicalId, resource, resolve),
      getAtt: (logicalId, attribute, resource) => this.physicalGetAtt(logicalId, attribute, resource),
    });
  }

  resource(logicalId: string): { Type: string; Properties?: any } {
    const resource = this.template.Resources?.[logicalId];
    if (!resource) throw new TemplateResolveError(`no resource ${logicalId} in the template`);
    return resource;
  }

  /** What `Ref` returns for a resource or pseudo parameter. */
  ref(logicalId: string): string {
    return this.resolve({ Ref: logicalId }) as string;
  }

  /** What `Fn::GetAtt` returns. */
  getAtt(logicalId: string, attribute: string): string {
    return this.resolve({ 'Fn::GetAtt': [logicalId, attribute] }) as string;
  }

  /** A template value with every intrinsic function replaced by what it evaluates to. */
  resolve(value: unknown): unknown {
    try {
      return this.evaluate(value);
    } catch (error) {
      if (error instanceof UnresolvableError) throw new TemplateResolveError(error.message);
      throw error;
    }
  }

  private physicalRef(
    logicalId: string,
    { Type, Properties }: { Type: string; Properties?: any },
    resolve: (value: unknown) => unknown,
  ): string | undefined {
    if (EVALUATOR_REFS.has(Type)) return undefined;
    const name = (property: string) => resolve(Properties?.[property] ?? logicalId) as string;
    switch (Type) {
      case 'AWS::Lambda::Function':
        return name('FunctionName');
      case 'AWS::SNS::Topic':
        return `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${name('TopicName')}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${PARTITION}:states:${REGION}:${ACCOUNT}:stateMachine:${name('StateMachineName')}`;
      case 'AWS::Logs::LogGroup':
        return name('LogGroupName');
      case 'AWS::DynamoDB::Table':
        return name('TableName');
      case 'AWS::Glue::Database':
        return resolve(Properties.DatabaseInput.Name) as string;
      case 'AWS::Glue::Table':
        return resolve(Properties.TableInput.Name) as string;
      case 'AWS::Athena::WorkGroup':
        return name('Name');
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name('QueueName')}`;
      case 'AWS::IAM::Role':
        return logicalId;
      case 'AWS::KinesisFirehose::DeliveryStream':
        return name('DeliveryStreamName');
      default:
        throw new TemplateResolveError(`Ref of ${logicalId} (${Type}) is not modelled`);
    }
  }

  private physicalGetAtt(logicalId: string, attribute: string, { Type }: { Type: string }): string {
    const name = this.ref(logicalId);
    const arns: Record<string, string> = {
      'AWS::S3::Bucket': `arn:${PARTITION}:s3:::${name}`,
      'AWS::Lambda::Function': `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      'AWS::SQS::Queue': `arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${name.slice(name.lastIndexOf('/') + 1)}`,
      'AWS::Logs::LogGroup': `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
      'AWS::IAM::Role': `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`,
      'AWS::DynamoDB::Table': `arn:${PARTITION}:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
      'AWS::KinesisFirehose::DeliveryStream': `arn:${PARTITION}:firehose:${REGION}:${ACCOUNT}:deliverystream/${name}`,
      'AWS::Athena::WorkGroup': `arn:${PARTITION}:athena:${REGION}:${ACCOUNT}:workgroup/${name}`,
    };
    if (attribute === 'StreamArn' && Type === 'AWS::DynamoDB::Table')
      return `${arns[Type]}/stream/2026-01-01T00:00:00.000`;
    if (attribute === 'Arn' && arns[Type]) return arns[Type];
    throw new TemplateResolveError(`GetAtt ${logicalId}.${attribute} (${Type}) is not modelled`);
  }

  /** The inline policies of an IAM role, resolved. */
  rolePolicies(roleLogicalId: string): PolicyDocument[] {
    const role = this.resource(roleLogicalId);
    if (role.Type !== 'AWS::IAM::Role') throw new TemplateResolveError(`${roleLogicalId} is not a role`);
    if ((role.Properties.ManagedPolicyArns ?? []).length > 0)
      throw new TemplateResolveError(`${roleLogicalId} has managed policies, which are not simulated`);
    return (role.Properties.Policies ?? []).map(
      (policy: { PolicyDocument: unknown }) => this.resolve(policy.PolicyDocument) as PolicyDocument,
    );
  }

  /** The role a resource runs with (`Role` of a function, `RoleArn` of a state machine), as a logical id. */
  roleOf(logicalId: string): string {
    const properties = this.resource(logicalId).Properties;
    const role = properties.Role ?? properties.RoleArn;
    if (role?.['Fn::GetAtt']) return role['Fn::GetAtt'][0];
    throw new TemplateResolveError(`${logicalId} has no role from this template`);
  }

  /** The customer managed key a bucket encrypts new objects with, if any. */
  bucketKey(bucketName: string): string | undefined {
    for (const [id, resource] of Object.entries<any>(this.template.Resources)) {
      if (resource.Type !== 'AWS::S3::Bucket' || this.ref(id) !== bucketName) continue;
      const rule =
        resource.Properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]
          ?.ServerSideEncryptionByDefault;
      return rule?.SSEAlgorithm === 'aws:kms' ? (this.resolve(rule.KMSMasterKeyID) as string) : undefined;
    }
    return undefined;
  }

  /** The customer managed key a secret the stack creates is encrypted with, if any. */
  secretKey(secretArn: string): string | undefined {
    for (const [id, resource] of this.resourcesOfType('AWS::SecretsManager::Secret')) {
      if (this.ref(id) !== secretArn) continue;
      const key = resource.Properties.KmsKeyId;
      return key === undefined ? undefined : (this.resolve(key) as string);
    }
    return undefined;
  }

  resourcesOfType(type: string): Array<[string, any]> {
    return Object.entries<any>(this.template.Resources).filter(([, r]) => r.Type === type);
  }
}
