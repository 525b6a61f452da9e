import type { Context } from 'aws-lambda';
import { lambdaContext } from '../handlers';
import type { IamRequest } from './simulate';
import { ACCOUNT, type DeployedTemplate, REGION } from './template';

/** One AWS SDK call a handler made: the client's service, the operation and its input. */
export interface SdkCall {
  readonly service: string;
  readonly operation: string;
  readonly input: Record<string, any>;
}

/** Answers for services with no local server here: `service:Operation` → output (or a thrown error). */
export type Answers = Record<string, (input: Record<string, any>) => unknown>;

/** The IAM service prefix of each SDK client the handlers use. */
const SERVICE_PREFIX: Record<string, string> = {
  S3Client: 's3',
  GlueClient: 'glue',
  AthenaClient: 'athena',
  FirehoseClient: 'firehose',
  SecretsManagerClient: 'secretsmanager',
};

/**
 * Loads a handler afresh (as a cold start would) with every AWS SDK client's `send` wrapped: each
 * command the handler sends is recorded; S3 calls go on to the real server the environment
 * points at, other services are answered from `answers`.
 */
export async function loadRecordedHandler<Event, Result>(
  load: () => Promise<{ handler: (event: Event, context: Context) => Promise<Result> }>,
  env: Record<string, string | undefined>,
  answers: Answers = {},
): Promise<{ invoke: (event: Event) => Promise<Result>; calls: SdkCall[] }> {
  for (const [name, value] of Object.entries({
    ...env,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  })) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const recorder: Recorder = { calls: [], answers };
  let module!: { handler: (event: Event, context: Context) => Promise<Result> };
  await jest.isolateModulesAsync(async () => {
    recordSends((await import('@smithy/core/client')).Client);
    module = await load();
  });
  // SDKs a handler loads on first use come from the test's module registry, not the isolated one
  recordSends((await import('@smithy/core/client')).Client);
  return {
    invoke: async (event) => {
      active = recorder;
      try {
        return await module.handler(event, lambdaContext);
      } finally {
        active = undefined;
      }
    },
    calls: recorder.calls,
  };
}

interface Recorder {
  readonly calls: SdkCall[];
  readonly answers: Answers;
}

/** The handler being invoked: the one whose calls are recorded. */
let active: Recorder | undefined;
const RECORDING = Symbol('recording');

function recordSends(Client: typeof import('@smithy/core/client').Client): void {
  const prototype = Client.prototype as any;
  if (prototype[RECORDING]) return;
  const send = prototype.send;
  prototype[RECORDING] = true;
  prototype.send = function recordedSend(this: any, command: any, ...rest: any[]) {
    const recorder = active;
    // the test's own calls (setting up S3 objects) pass through unrecorded
    if (!recorder) return send.call(this, command, ...rest);
    const service = SERVICE_PREFIX[this.constructor.name];
    if (!service) throw new Error(`no IAM service prefix known for ${this.constructor.name}`);
    const operation = command.constructor.name.replace(/Command$/, '');
    recorder.calls.push({ service, operation, input: command.input });
    if (service === 's3') return send.call(this, command, ...rest);
    const answer = recorder.answers[`${service}:${operation}`];
    if (!answer) return Promise.reject(new Error(`no answer for ${service}:${operation} in this test`));
    return Promise.resolve().then(() => answer(command.input));
  };
}
const s3Object = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

/**
 * S3 operations whose IAM action is not `s3:<Operation>` (Service Authorization Reference: the
 * multipart parts are authorized as s3:PutObject, HeadObject as s3:GetObject, ListObjectsV2 as
 * s3:ListBucket on the bucket).
 */
function s3Requests(operation: string, input: Record<string, any>): Array<[string, string]> {
  const { Bucket: bucket, Key: key } = input;
  switch (operation) {
    case 'GetObject':
    case 'HeadObject':
      return [['s3:GetObject', s3Object(bucket, key)]];
    case 'PutObject':
    case 'CreateMultipartUpload':
    case 'UploadPart':
    case 'CompleteMultipartUpload':
      return [['s3:PutObject', s3Object(bucket, key)]];
    case 'AbortMultipartUpload':
      return [['s3:AbortMultipartUpload', s3Object(bucket, key)]];
    case 'DeleteObject':
      return [['s3:DeleteObject', s3Object(bucket, key)]];
    case 'DeleteObjects':
      return input.Delete.Objects.map((o: { Key: string }) => ['s3:DeleteObject', s3Object(bucket, o.Key)]);
    case 'ListObjectsV2':
    case 'ListObjects':
      return [['s3:ListBucket', `arn:aws:s3:::${bucket}`]];
    default:
      throw new Error(`no IAM mapping for s3:${operation}`);
  }
}

/**
 * What S3 asks of the caller's key when a bucket encrypts with a customer managed key: writes
 * need a data key, reads (and completing a multipart upload) decrypt one.
 */
function kmsForS3(operation: string): string[] {
  if (operation === 'PutObject') return ['kms:GenerateDataKey'];
  if (['CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload'].includes(operation))
    return ['kms:GenerateDataKey', 'kms:Decrypt'];
  if (operation === 'GetObject' || operation === 'HeadObject') return ['kms:Decrypt'];
  return [];
}

const glueArn = (path: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${path}`;

/** Maps a recorded SDK call to the authorizations AWS makes for it in this stage. */
export function iamRequestsFor(
  call: SdkCall,
  template: DeployedTemplate,
  stage: { readonly workGroup: string },
  /** Secrets from outside the stack (the stage's params), by ARN: the customer managed key of each. */
  secretKeys: Readonly<Record<string, string>> = {},
): IamRequest[] {
  const because = `${call.service}:${call.operation}`;
  const { input } = call;
  switch (call.service) {
    case 's3': {
      const requests = s3Requests(call.operation, input).map(([action, resource]) => ({
        action,
        resource,
        because,
      }));
      const key = template.bucketKey(input.Bucket);
      if (key)
        for (const action of kmsForS3(call.operation))
          requests.push({ action, resource: key, because: `${because} to a bucket encrypted with it` });
      return requests;
    }
    case 'glue': {
      // Glue authorizes table operations on the catalog, the database and the table
      const database = input.DatabaseName;
      const table = input.Name ?? input.TableInput?.Name;
      const resources = [glueArn('catalog'), glueArn(`database/${database}`)];
      if (table) resources.push(glueArn(`table/${database}/${table}`));
      return resources.map((resource) => ({ action: because, resource, because }));
    }
    case 'athena':
      // a query execution is authorized on the workgroup it ran in
      return [
        {
          action: because,
          resource: `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${stage.workGroup}`,
          because,
        },
      ];
    case 'firehose':
      return [
        {
          action: because,
          resource: `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${input.DeliveryStreamName}`,
          because,
        },
      ];
    case 'secretsmanager': {
      // GetSecretValue of a secret under a customer managed key: Secrets Manager decrypts its data
      // key with that key on the caller's behalf, so the caller needs kms:Decrypt on it, via the service
      const key = secretKeys[input.SecretId] ?? template.secretKey(input.SecretId);
      return [
        { action: because, resource: input.SecretId, because },
        ...(key
          ? [
              {
                action: 'kms:Decrypt',
                resource: key,
                because: `${because} of a secret encrypted with it`,
                context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
              },
            ]
          : []),
      ];
    }
    default:
      throw new Error(`no IAM mapping for ${because}`);
  }
}
