import type { LifecycleRule, StackFacts } from '../lib/cost/stack-facts';
import type { Pipeline } from '../lib/pipeline/pipeline';
import { STREAM_BATCHING_WINDOW_SECONDS } from './dynamodb';
import { type Cfn, LogicalId } from './names';
import type { StackSettings } from './settings';
import { stackResources } from './stack';

/**
 * The facts of a stage's stack that `tributary cost` prices, read from the resources the stack is
 * built from (stackResources) and from serverless.yml's functions, never restated.
 */

interface ServerlessFunctions {
  readonly provider?: { readonly memorySize?: number };
  readonly functions?: Readonly<Record<string, { readonly memorySize?: number }>>;
}

type Resource = { readonly Type?: string; readonly Properties?: Cfn };

function lifecycleRules(bucket: Resource | undefined): LifecycleRule[] {
  const rules = ((bucket?.Properties?.LifecycleConfiguration as Cfn | undefined)?.Rules ?? []) as Cfn[];
  return rules
    .filter((rule) => rule.Status === 'Enabled')
    .map((rule) => {
      const transitions = (rule.Transitions ?? []) as Cfn[];
      const ia = transitions.find((t) => t.StorageClass === 'STANDARD_IA');
      return {
        prefix: typeof rule.Prefix === 'string' ? rule.Prefix : '',
        ...(typeof rule.ExpirationInDays === 'number' ? { expirationDays: rule.ExpirationInDays } : {}),
        ...(typeof (rule.NoncurrentVersionExpiration as Cfn | undefined)?.NoncurrentDays === 'number'
          ? { noncurrentDays: (rule.NoncurrentVersionExpiration as Cfn).NoncurrentDays as number }
          : {}),
        ...(ia && typeof ia.TransitionInDays === 'number' ? { transitionToIaDays: ia.TransitionInDays } : {}),
      };
    });
}

function processorParameter(stream: Resource | undefined, name: string): number | undefined {
  const config = stream?.Properties?.ExtendedS3DestinationConfiguration as Cfn | undefined;
  const processors = ((config?.ProcessingConfiguration as Cfn | undefined)?.Processors ?? []) as Cfn[];
  for (const processor of processors) {
    for (const parameter of (processor.Parameters ?? []) as Cfn[]) {
      if (parameter.ParameterName === name) return Number(parameter.ParameterValue);
    }
  }
  return undefined;
}

export function stackCostFacts(
  pipeline: Pipeline,
  settings: StackSettings,
  serverless: ServerlessFunctions,
  stage: { readonly region: string; readonly runsPerMonth: number },
): StackFacts {
  const resources = stackResources(pipeline, settings).Resources as Record<string, Resource>;
  const all = Object.values(resources);
  const ofType = (type: string) => all.filter((r) => r.Type === type);
  const stream = ofType('AWS::KinesisFirehose::DeliveryStream')[0];
  const destination = stream?.Properties?.ExtendedS3DestinationConfiguration as Cfn | undefined;
  const hints = destination?.BufferingHints as Cfn | undefined;
  const backupHints = (destination?.S3BackupConfiguration as Cfn | undefined)?.BufferingHints as
    | Cfn
    | undefined;
  const providerMemory = serverless.provider?.memorySize ?? 1024;
  const lambdaMemoryMB = Object.fromEntries(
    Object.entries(serverless.functions ?? {}).map(([name, fn]) => [name, fn.memorySize ?? providerMemory]),
  );
  const keys = new Set(
    [settings.kmsKeyArn, settings.hashKeySecretKmsKeyArn, settings.loaderSecretKmsKeyArn].filter(
      (arn): arn is string => arn !== undefined,
    ),
  );
  const createdSecrets = ofType('AWS::SecretsManager::Secret').length;
  const hashSecret = settings.hashKeySecretArn !== undefined ? 1 : 0;
  const usesHash =
    pipeline.streams.some((s) => s.flatten.hash.length > 0) ||
    pipeline.dynamodb.some((t) => t.flatten.hash.length > 0);
  return {
    stage: settings.stage,
    region: stage.region,
    runsPerMonth: stage.runsPerMonth,
    firehose: {
      bufferMB: Number(hints?.SizeInMBs ?? settings.firehoseBufferMB),
      bufferSeconds: Number(hints?.IntervalInSeconds ?? settings.firehoseBufferSeconds),
      processorBufferMB: processorParameter(stream, 'BufferSizeInMBs') ?? 1,
      processorBufferSeconds: processorParameter(stream, 'BufferIntervalInSeconds') ?? 60,
      backupBufferMB: Number(backupHints?.SizeInMBs ?? settings.firehoseBufferMB),
      backupBufferSeconds: Number(backupHints?.IntervalInSeconds ?? settings.firehoseBufferSeconds),
    },
    lifecycle: {
      lake: lifecycleRules(resources[LogicalId.lakeBucket]),
      raw: lifecycleRules(resources[LogicalId.rawBucket]),
      results: lifecycleRules(resources[LogicalId.resultsBucket]),
    },
    lambdaMemoryMB,
    streamBatchSize: settings.streamBatchSize,
    streamBatchingWindowSeconds: STREAM_BATCHING_WINDOW_SECONDS,
    alarms: ofType('AWS::CloudWatch::Alarm').length,
    secrets: createdSecrets + (usesHash ? hashSecret : 0) + (settings.loaderSecretArn !== undefined ? 1 : 0),
    kmsKeys: keys.size,
    bucketsUseKms: settings.kmsKeyArn !== undefined,
    catalogTables: ofType('AWS::Glue::Table').length,
    loads: settings.loaderSecretArn !== undefined,
    privateRawRetentionDays: settings.privateRawRetentionDays,
  };
}
