export type SecretsManagerSdk = typeof import('@aws-sdk/client-secrets-manager');

export class SecretValueError extends Error {
  override readonly name = 'SecretValueError';
}

/**
 * A secret's text (SecretString, or SecretBinary as UTF-8); an empty secret is an error. The SDK
 * loads on the first read, so functions that never read a secret do not pay for it at cold start.
 */
export async function readSecretString(
  secretId: string,
  loadSdk: () => Promise<SecretsManagerSdk> = () => import('@aws-sdk/client-secrets-manager'),
): Promise<string> {
  const sdk = await loadSdk();
  const response = await new sdk.SecretsManagerClient({}).send(
    new sdk.GetSecretValueCommand({ SecretId: secretId }),
  );
  const text =
    response.SecretString ??
    (response.SecretBinary ? Buffer.from(response.SecretBinary).toString('utf8') : '');
  if (!text) throw new SecretValueError(`Secret ${secretId} is empty`);
  return text;
}
