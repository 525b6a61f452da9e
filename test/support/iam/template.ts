/**
 * Reads a packaged CloudFormation template the way CloudFormation would deploy it into one fake
 * account and region: intrinsic functions resolved to physical names and ARNs, so the roles'
 * policies can be evaluated against the ARNs the code really calls.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const PARTITION = 'aws';

type Template = Record<string, any>;

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly unknown[];
}

export class TemplateResolveError extends Error {
  override readonly name = 'TemplateResolveError';
}

export class DeployedTemplate {
  constructor(readonly template: Template) {}

  resource(logicalId: string): { Type: string; Properties?: any } {
    const resource = this.template.Resources?.[logicalId];
    if (!resource) throw new TemplateResolveError(`no resource ${logicalId} in the template`);
    return resource;
  }

  /** What `Ref` returns for a resource or pseudo parameter. */
  ref(logicalId: string): string {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': ACCOUNT,
      'AWS::Region': REGION,
      'AWS::Partition': PARTITION,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'tributary',
      'AWS::StackId': `arn:${PARTITION}:cloudformation:${REGION}:${ACCOUNT}:stack/tributary/51af3dc0-da77-11e4-872e-1234567db123`,
    };
    if (pseudo[logicalId]) return pseudo[logicalId];
    const { Type, Properties } = this.resource(logicalId);
    const name = (property: string) => this.resolve(Properties?.[property] ?? logicalId) as string;
    switch (Type) {
      case 'AWS::S3::Bucket':
        return name('BucketName');
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
        return this.resolve(Properties.DatabaseInput.Name) as string;
      case 'AWS::Glue::Table':
        return this.resolve(Properties.TableInput.Name) as string;
      case 'AWS::SecretsManager::Secret':
        return `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${name('Name')}-AbCdEf`;
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

  /** What `Fn::GetAtt` returns. */
  getAtt(logicalId: string, attribute: string): string {
    const { Type } = this.resource(logicalId);
    const name = this.ref(logicalId);
    const arns: Record<string, string> = {
      'AWS::S3::Bucket': `arn:${PARTITION}:s3:::${name}`,
      'AWS::Lambda::Function': `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      'AWS::SQS::Queue': `arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${name.slice(name.lastIndexOf('/') + 1)}`,
      'AWS::Logs::LogGroup': `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
      'AWS::IAM::Role': `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`,
      'AWS::DynamoDB::Table': `arn:${PARTITION}:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
      'AWS::KinesisFirehose::DeliveryStream': `arn:${PARTITION}:firehose:${REGION}:${ACCOUNT}:deliverystream/${name}`,
    };
    if (attribute === 'StreamArn' && Type === 'AWS::DynamoDB::Table')
      return `${arns[Type]}/stream/2026-01-01T00:00:00.000`;
    if (attribute === 'Arn' && arns[Type]) return arns[Type];
    throw new TemplateResolveError(`GetAtt ${logicalId}.${attribute} (${Type}) is not modelled`);
  }

  private sub(text: string, variables: Record<string, unknown> = {}): string {
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
      if (name in variables) return String(this.resolve(variables[name]));
      const dot = name.indexOf('.');
      return dot > 0 && !name.startsWith('AWS::')
        ? this.getAtt(name.slice(0, dot), name.slice(dot + 1))
        : this.ref(name);
    });
  }

  /** A template value with every intrinsic function replaced by what it evaluates to. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [[key, argument]] = entries as [[string, any]];
      if (key === 'Ref') return this.ref(argument);
      if (key === 'Fn::GetAtt')
        return Array.isArray(argument)
          ? this.getAtt(argument[0], argument[1])
          : this.getAtt(argument.slice(0, argument.indexOf('.')), argument.slice(argument.indexOf('.') + 1));
      if (key === 'Fn::Sub')
        return Array.isArray(argument) ? this.sub(argument[0], argument[1]) : this.sub(argument);
      if (key === 'Fn::Join') return (this.resolve(argument[1]) as unknown[]).join(argument[0] as string);
      if (key === 'Fn::Select') return (this.resolve(argument[1]) as unknown[])[argument[0] as number];
      if (key === 'Fn::Split') return (this.resolve(argument[1]) as string).split(argument[0] as string);
      if (key.startsWith('Fn::')) throw new TemplateResolveError(`${key} is not modelled`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
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

  resourcesOfType(type: string): Array<[string, any]> {
    return Object.entries<any>(this.template.Resources).filter(([, r]) => r.Type === type);
  }
}
