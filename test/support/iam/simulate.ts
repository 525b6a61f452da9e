import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, type DeployedTemplate, type PolicyDocument } from './template';

/** One authorization AWS makes: an IAM action on a resource ARN (`*` when the call names none). */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** What made the call, for failure messages: an SDK command, an ASL state, a service's duty. */
  readonly because: string;
  readonly context?: Record<string, string>;
}

export type Decision = 'Allowed' | 'Denied';

/** Key policy of a customer managed key that leaves access to IAM policies (AWS's default key policy). */
const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
};

/** The bucket policy the template gives the bucket an S3 request names. */
function bucketPolicy(template: DeployedTemplate, resource: string): unknown {
  const bucket = /^arn:aws:s3:::([^/]+)/.exec(resource)?.[1];
  if (!bucket) return undefined;
  for (const [, policy] of template.resourcesOfType('AWS::S3::BucketPolicy')) {
    if (template.resolve(policy.Properties.Bucket) === bucket)
      return template.resolve(policy.Properties.PolicyDocument);
  }
  return undefined;
}

/**
 * Evaluates a request the way IAM would for a role of the stack: its inline policies, the bucket's
 * policy for S3 and the default key policy for KMS, over TLS, with the role's global context keys.
 * A request naming no resource (`*`) is allowed only by statements on every resource, as in AWS;
 * iam-simulate would otherwise answer whether *some* resource is allowed.
 */
export async function decide(
  template: DeployedTemplate,
  roleLogicalId: string,
  policies: readonly PolicyDocument[],
  request: IamRequest,
): Promise<Decision> {
  const resourcePolicy = request.action.startsWith('kms:')
    ? DEFAULT_KEY_POLICY
    : request.action.startsWith('s3:')
      ? bucketPolicy(template, request.resource)
      : undefined;
  const principal = `arn:aws:iam::${ACCOUNT}:role/${roleLogicalId}`;
  const response = await runSimulation(
    {
      identityPolicies: policies.map((policy, i) => ({ name: `${roleLogicalId}-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
      request: {
        action: request.action,
        principal,
        resource: { accountId: ACCOUNT, resource: request.resource },
        // IAM sets the role's own ARN (not the session's) as aws:PrincipalArn on every request;
        // a bucket policy that denies all but some roles depends on it
        contextVariables: {
          'aws:SecureTransport': 'true',
          'aws:PrincipalArn': principal,
          'aws:PrincipalAccount': ACCOUNT,
          ...request.context,
        },
      },
    } as Parameters<typeof runSimulation>[0],
    { simulationMode: 'Strict' },
  );
  if (response.resultType === 'error')
    throw new Error(
      `cannot simulate ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`,
    );
  if (response.overallResult !== 'Allowed') return 'Denied';
  if (response.resultType === 'wildcard' && request.resource === '*')
    return response.results.every((r) => r.resourcePattern === '*') ? 'Allowed' : 'Denied';
  return 'Allowed';
}

/** The requests a role is refused, with why each was made: empty when the role is sufficient. */
export async function refused(
  template: DeployedTemplate,
  roleLogicalId: string,
  requests: readonly IamRequest[],
): Promise<string[]> {
  const policies = template.rolePolicies(roleLogicalId);
  const out: string[] = [];
  for (const request of unique(requests)) {
    if ((await decide(template, roleLogicalId, policies, request)) !== 'Allowed')
      out.push(`${request.action} on ${request.resource} (${request.because})`);
  }
  return out;
}

/** The requests a role is granted: empty when it is no wider than its job at these calls. */
export async function granted(
  template: DeployedTemplate,
  roleLogicalId: string,
  requests: readonly IamRequest[],
): Promise<string[]> {
  const policies = template.rolePolicies(roleLogicalId);
  const out: string[] = [];
  for (const request of unique(requests)) {
    if ((await decide(template, roleLogicalId, policies, request)) === 'Allowed')
      out.push(`${request.action} on ${request.resource} (${request.because})`);
  }
  return out;
}

function unique(requests: readonly IamRequest[]): IamRequest[] {
  const seen = new Map<string, IamRequest>();
  for (const request of requests) {
    const key = `${request.action} ${request.resource} ${JSON.stringify(request.context ?? {})}`;
    if (!seen.has(key)) seen.set(key, request);
  }
  return [...seen.values()];
}
