type SecretsManagerSdk = typeof import('@aws-sdk/client-secrets-manager');

/** Where the HMAC key for privacy hash rules comes from. */
export type HashKeySource =
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'secret'; readonly secretId: string };

export class HashKeyError extends Error {
  override readonly name = 'HashKeyError';
}

/**
 * Reads the key; a missing or empty secret is an error, never an empty key. The SDK loads only
 * when a secret is actually read, so streams without hash rules do not pay for it at cold start.
 */
export async function loadHashKey(
  source: HashKeySource,
  loadSdk: () => Promise<SecretsManagerSdk> = () => import('@aws-sdk/client-secrets-manager'),
): Promise<string | undefined> {
  if (source.kind === 'none') return undefined;
  if (source.kind === 'value') return source.value;
  const sdk = await loadSdk();
  const response = await new sdk.SecretsManagerClient({}).send(
    new sdk.GetSecretValueCommand({ SecretId: source.secretId }),
  );
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
