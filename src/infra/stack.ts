import type { Pipeline } from '../lib/pipeline/pipeline';
import { declaredSources } from '../lib/sources/registry';
import { forSource, type PerSourceKind } from '../lib/sources/source-kind';
import { alarmResources } from './alarms';
import { catalogResources } from './catalog';
import { type Cfn, deliveryStreamName, glueDatabaseName, LogicalId, ref } from './names';
import {
  loaderVpcExtension,
  orchestrationResources,
  transformWorkGroupName,
  workGroupName,
} from './orchestration';
import { createsHashKeySecret, hashKeySecretResources } from './secrets';
import type { StackSettings } from './settings';
import { sourceResources } from './sources';
import { storageResources } from './storage';

/** The stack outputs of one source, by kind: a stream's delivery stream name, for producers. */
const SOURCE_OUTPUTS: PerSourceKind<[StackSettings], Cfn> = {
  stream: (stream, settings) => ({
    [`${LogicalId.deliveryStream(stream.name)}Name`]: { Value: deliveryStreamName(settings, stream.name) },
  }),
  dynamodb: () => ({}),
};

/** Everything serverless.yml's `resources` gets, generated from the pipeline description. */
export function stackResources(
  pipeline: Pipeline,
  settings: StackSettings,
): { Resources: Cfn; Outputs: Cfn; extensions: Cfn } {
  const Resources = {
    ...storageResources(pipeline, settings),
    ...catalogResources(pipeline, settings),
    ...sourceResources(pipeline, settings),
    ...orchestrationResources(pipeline, settings),
    ...alarmResources(pipeline, settings),
    ...hashKeySecretResources(pipeline, settings),
  };
  const Outputs: Cfn = {
    LakeBucketName: { Value: ref(LogicalId.lakeBucket) },
    RawBucketName: { Value: ref(LogicalId.rawBucket) },
    GlueDatabaseName: { Value: glueDatabaseName(pipeline.database, settings) },
    AlertsTopicArn: { Value: ref(LogicalId.alertsTopic) },
    ResultsBucketName: { Value: ref(LogicalId.resultsBucket) },
    AthenaWorkGroupName: { Value: workGroupName(settings) },
    AthenaTransformsWorkGroupName: { Value: transformWorkGroupName(settings) },
  };
  if (createsHashKeySecret(pipeline, settings)) {
    // set hashKeySecretArn to this after `sls remove` to keep hashes stable in a new stack
    Outputs.HashKeySecretArn = { Value: ref(LogicalId.hashKeySecret) };
  }
  for (const source of declaredSources(pipeline))
    Object.assign(Outputs, forSource(source, SOURCE_OUTPUTS, settings));
  return { Resources, Outputs, extensions: loaderVpcExtension(settings) };
}
