import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Where the HMAC key for privacy hash rules comes from. */
export type HashKeySource =
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'secret'; readonly secretId: string };

export class HashKeyError extends Error {
  override readonly name = 'HashKeyError';
}

/** Reads the key once; a missing or empty secret is an error, never an empty key. */
export async function loadHashKey(
  source: HashKeySource,
  secretsManager: () => SecretsManagerClient,
): Promise<string | undefined> {
  if (source.kind === 'none') return undefined;
  if (source.kind === 'value') return source.value;
  const response = await secretsManager().send(new GetSecretValueCommand({ SecretId: source.secretId }));
  const key =
    response.SecretString ??
    (response.SecretBinary ? Buffer.from(response.SecretBinary).toString('utf8') : '');
  if (!key) throw new HashKeyError(`Secret ${source.secretId} holds no hash key`);
  return key;
}

export function hashKeySourceFromEnv(env: NodeJS.ProcessEnv): HashKeySource {
  if (env.TRIBUTARY_HASH_KEY) return { kind: 'value', value: env.TRIBUTARY_HASH_KEY };
  if (env.TRIBUTARY_HASH_KEY_SECRET_ARN)
    return { kind: 'secret', secretId: env.TRIBUTARY_HASH_KEY_SECRET_ARN };
  return { kind: 'none' };
}
