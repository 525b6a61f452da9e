import type { Pipeline } from '../lib/pipeline/pipeline';
import { declaredSources, sourceKind } from '../lib/sources/registry';
import type { FlatteningFunction } from '../lib/sources/source-kind';
import { type Cfn, HASH_KEY_SECRET_FOR_ENVIRONMENT, LogicalId, ref, sub } from './names';
import type { StackSettings } from './settings';

export type HashingFunction = FlatteningFunction;

/** Whether the function's inputs have `hash` rules, so it needs the HMAC key at all. */
export function hashes(pipeline: Pipeline, fn: HashingFunction): boolean {
  return declaredSources(pipeline).some(
    (source) => sourceKind(source.kind).flatteningFunction === fn && source.spec.flatten.hash.length > 0,
  );
}

/** The stack makes the HMAC key itself unless the stage names one (hashKeySecretArn). */
export function createsHashKeySecret(pipeline: Pipeline, settings: StackSettings): boolean {
  return (
    !settings.hashKeySecretArn && (hashes(pipeline, 'firehoseTransform') || hashes(pipeline, 's3Flatten'))
  );
}

/**
 * The key secret: its whole SecretString is the key (src/lib/secrets/hash-key.ts), 64 letters
 * and digits from Secrets Manager's generator. Kept when the stack is removed: every hash in the
 * lake was made with it, and a new key would make new hashes of the same values unjoinable with
 * the old ones. No fixed name, so a stage created again never collides with a retained key.
 */
export function hashKeySecretResources(pipeline: Pipeline, settings: StackSettings): Cfn {
  if (!createsHashKeySecret(pipeline, settings)) return {};
  return {
    [LogicalId.hashKeySecret]: {
      Type: 'AWS::SecretsManager::Secret',
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        Description: `HMAC key of the ${settings.service}-${settings.stage} pipeline's hash rules`,
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
        ...(settings.kmsKeyArn ? { KmsKeyId: settings.kmsKeyArn } : {}),
      },
    },
  };
}

/** TRIBUTARY_HASH_KEY_SECRET_ARN of a function: the stage's secret, the stack's, or none. */
export function hashKeySecretForEnvironment(
  pipeline: Pipeline,
  settings: StackSettings,
  fn: HashingFunction,
): string {
  if (!hashes(pipeline, fn)) return '';
  return settings.hashKeySecretArn ?? HASH_KEY_SECRET_FOR_ENVIRONMENT;
}

/**
 * Reading exactly that secret, and decrypting it when a customer managed key encrypts it (the
 * stage's hashKeySecretKmsKeyArn, or kmsKeyArn for the secret the stack makes), only through
 * Secrets Manager.
 */
export function hashKeyStatements(pipeline: Pipeline, settings: StackSettings, fn: HashingFunction): Cfn[] {
  if (!hashes(pipeline, fn)) return [];
  const statements: Cfn[] = [
    {
      Sid: 'ReadHashKey',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [settings.hashKeySecretArn ?? ref(LogicalId.hashKeySecret)],
    },
  ];
  const key = settings.hashKeySecretArn ? settings.hashKeySecretKmsKeyArn : settings.kmsKeyArn;
  if (key) {
    statements.push({
      Sid: 'DecryptHashKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [key],
      Condition: { StringEquals: { 'kms:ViaService': sub('secretsmanager.${AWS::Region}.amazonaws.com') } },
    });
  }
  return statements;
}
