/**
 * Evaluates the intrinsic functions of a packaged template as CloudFormation would for one stack,
 * with fake account, region and stack id: what a bucket is named, what a function's environment
 * holds, which ARN a policy names. Resources resolve to plausible physical ids (a bucket to its
 * evaluated BucketName, a secret to an ARN); anything not understood throws, so a test cannot pass
 * on a value it did not compute.
 */
export interface FakeStack {
  readonly accountId: string;
  readonly region: string;
  readonly stackName: string;
  /** The UUID CloudFormation gives this stack creation. */
  readonly stackUuid: string;
}

export const FAKE_STACK: FakeStack = {
  accountId: '111122223333',
  region: 'eu-west-1',
  stackName: 'tributary-dev',
  stackUuid: '1c2fa620-982a-11e3-aff7-50e2416294e0',
};

type Resource = { Type: string; Properties?: Record<string, any> };
type Template = { Resources: Record<string, Resource> };

/**
 * What a test knows better than the defaults about the physical ids of some resource types (a
 * function's name, a topic's ARN): each returns undefined for a resource it does not model.
 * `resolve` is the evaluator itself, for properties that hold intrinsic functions.
 */
export interface PhysicalIds {
  ref?(logicalId: string, resource: Resource, resolve: (value: unknown) => unknown): string | undefined;
  getAtt?(
    logicalId: string,
    attribute: string,
    resource: Resource,
    resolve: (value: unknown) => unknown,
  ): string | undefined;
}

export class UnresolvableError extends Error {
  override readonly name = 'UnresolvableError';
}

export function stackId(stack: FakeStack): string {
  return `arn:aws:cloudformation:${stack.region}:${stack.accountId}:stack/${stack.stackName}/${stack.stackUuid}`;
}

export function createResolver(
  template: Template,
  stack: FakeStack = FAKE_STACK,
  physical: PhysicalIds = {},
) {
  const pseudo: Record<string, string> = {
    'AWS::AccountId': stack.accountId,
    'AWS::Region': stack.region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stack.stackName,
    'AWS::StackId': stackId(stack),
  };

  const refValue = (name: string): string => {
    if (name in pseudo) return pseudo[name]!;
    const resource = template.Resources[name];
    if (!resource) throw new UnresolvableError(`Ref to unknown ${name}`);
    const modelled = physical.ref?.(name, resource, resolve);
    if (modelled !== undefined) return modelled;
    switch (resource.Type) {
      case 'AWS::S3::Bucket':
        return String(resolve(resource.Properties?.BucketName));
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${stack.region}:${stack.accountId}:secret:${stack.stackName}-${name}-AbCdEf`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${stack.region}.amazonaws.com/${stack.accountId}/${String(resolve(resource.Properties?.QueueName))}`;
      default:
        return `${stack.stackName}-${name}`;
    }
  };

  const getAttValue = (name: string, attribute: string): string => {
    const resource = template.Resources[name];
    if (!resource) throw new UnresolvableError(`GetAtt of unknown ${name}`);
    const modelled = physical.getAtt?.(name, attribute, resource, resolve);
    if (modelled !== undefined) return modelled;
    if (resource.Type === 'AWS::S3::Bucket' && attribute === 'Arn') return `arn:aws:s3:::${refValue(name)}`;
    if (attribute === 'Arn') {
      const service = resource.Type.split('::')[1]!.toLowerCase();
      return `arn:aws:${service}:${stack.region}:${stack.accountId}:${name}`;
    }
    return `${name}.${attribute}`;
  };

  const substitute = (text: string, variables: Record<string, unknown>): string =>
    text.replace(/\$\{([^}]*)\}/g, (_whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in variables) return String(resolve(variables[name]));
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) return getAttValue(name.slice(0, dot), name.slice(dot + 1));
      return refValue(name);
    });

  function resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && (key === 'Ref' || key?.startsWith('Fn::'))) {
      switch (key) {
        case 'Ref':
          return refValue(String(argument));
        case 'Fn::GetAtt': {
          const [name, attribute] = Array.isArray(argument)
            ? (argument as string[])
            : String(argument).split('.');
          return getAttValue(name!, attribute!);
        }
        case 'Fn::Sub': {
          const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
          return substitute(String(text), (variables ?? {}) as Record<string, unknown>);
        }
        case 'Fn::Select': {
          const [index, list] = argument as [unknown, unknown];
          return (resolve(list) as unknown[])[Number(resolve(index))];
        }
        case 'Fn::Split': {
          const [separator, text] = argument as [string, unknown];
          return String(resolve(text)).split(separator);
        }
        case 'Fn::Join': {
          const [separator, list] = argument as [string, unknown[]];
          return (resolve(list) as unknown[]).join(separator);
        }
        default:
          throw new UnresolvableError(`cannot evaluate ${key}`);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  }

  return resolve;
}
