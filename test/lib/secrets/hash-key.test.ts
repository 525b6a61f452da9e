import { HashKeyError, hashKeySourceFromEnv, loadHashKey } from '../../../src/lib/secrets/hash-key';

function fakeSecretsManager(secret: { SecretString?: string; SecretBinary?: Uint8Array }) {
  const requests: unknown[] = [];
  class GetSecretValueCommand {
    constructor(readonly input: unknown) {}
  }
  class SecretsManagerClient {
    async send(command: GetSecretValueCommand) {
      requests.push(command.input);
      return secret;
    }
  }
  return { sdk: async () => ({ SecretsManagerClient, GetSecretValueCommand }) as never, requests };
}

describe('hash key', () => {
  it('prefers a local key, then a secret, and is otherwise absent', () => {
    expect(hashKeySourceFromEnv({ TRIBUTARY_HASH_KEY: 'k', TRIBUTARY_HASH_KEY_SECRET_ARN: 'arn' })).toEqual({
      kind: 'value',
      value: 'k',
    });
    expect(hashKeySourceFromEnv({ TRIBUTARY_HASH_KEY_SECRET_ARN: 'arn' })).toEqual({
      kind: 'secret',
      secretId: 'arn',
    });
    expect(hashKeySourceFromEnv({ TRIBUTARY_HASH_KEY_SECRET_ARN: '' })).toEqual({ kind: 'none' });
  });

  it('reads the secret from Secrets Manager', async () => {
    const { sdk, requests } = fakeSecretsManager({ SecretString: 's3cret' });
    expect(await loadHashKey({ kind: 'secret', secretId: 'arn:aws:secretsmanager:x' }, sdk)).toBe('s3cret');
    expect(requests).toEqual([{ SecretId: 'arn:aws:secretsmanager:x' }]);
  });

  it('accepts a binary secret', async () => {
    const { sdk } = fakeSecretsManager({ SecretBinary: Buffer.from('bin') });
    expect(await loadHashKey({ kind: 'secret', secretId: 'arn' }, sdk)).toBe('bin');
  });

  it('refuses an empty secret instead of hashing with an empty key', async () => {
    const { sdk } = fakeSecretsManager({ SecretString: '' });
    await expect(loadHashKey({ kind: 'secret', secretId: 'arn' }, sdk)).rejects.toThrow(HashKeyError);
  });
});
