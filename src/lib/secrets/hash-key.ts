import { readSecretString, type SecretsManagerSdk, SecretValueError } from './secret-string';

/** Where the HMAC key for privacy hash rules comes from. */
export type HashKeySource =
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'secret'; readonly secretId: string };

export class HashKeyError extends Error {
  override readonly name = 'HashKeyError';
}

/** Reads the key; a missing or empty secret is an error, never an empty key. */
export async function loadHashKey(
  source: HashKeySource,
  loadSdk?: () => Promise<SecretsManagerSdk>,
): Promise<string | undefined> {
  if (source.kind === 'none') return undefined;
  if (source.kind === 'value') return source.value;
  try {
    return await readSecretString(source.secretId, loadSdk);
  } catch (error) {
    if (error instanceof SecretValueError)
      throw new HashKeyError(`Secret ${source.secretId} holds no hash key`);
    throw error;
  }
}

export function hashKeySourceFromEnv(env: NodeJS.ProcessEnv): HashKeySource {
  if (env.TRIBUTARY_HASH_KEY) return { kind: 'value', value: env.TRIBUTARY_HASH_KEY };
  if (env.TRIBUTARY_HASH_KEY_SECRET_ARN)
    return { kind: 'secret', secretId: env.TRIBUTARY_HASH_KEY_SECRET_ARN };
  return { kind: 'none' };
}
