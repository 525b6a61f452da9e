import { rawBucketNotifications } from './dynamodb';
import { type BucketPurpose, bucketName, type Cfn, LogicalId, ref, sub } from './names';
import type { StackSettings } from './settings';

function encryption(settings: StackSettings): Cfn {
  const rule = settings.kmsKeyArn
    ? { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: settings.kmsKeyArn }
    : { SSEAlgorithm: 'AES256' };
  return {
    ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: rule, BucketKeyEnabled: true }],
  };
}

function privateBucket(settings: StackSettings, purpose: BucketPurpose, lifecycleRules: Cfn[]): Cfn {
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      BucketName: bucketName(settings, purpose),
      BucketEncryption: encryption(settings),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'abort-incomplete-uploads',
            Status: 'Enabled',
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
          {
            Id: 'expire-old-versions',
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          },
          ...lifecycleRules,
        ],
      },
    },
  };
}

/** Denies any request that does not use TLS. */
function tlsOnlyPolicy(bucketLogicalId: string): Cfn {
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: ref(bucketLogicalId),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [
              sub(`arn:\${AWS::Partition}:s3:::\${${bucketLogicalId}}`),
              sub(`arn:\${AWS::Partition}:s3:::\${${bucketLogicalId}}/*`),
            ],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    },
  };
}

/**
 * The lake (Parquet, kept) and raw (source copies, expiring) buckets: private, encrypted, TLS
 * only. The raw bucket notifies the flattener of new change and export files.
 */
export function storageResources(settings: StackSettings): Cfn {
  const expire = (id: string, prefix: string, days: number): Cfn => ({
    Id: id,
    Status: 'Enabled',
    ...(prefix ? { Prefix: prefix } : {}),
    ExpirationInDays: days,
  });
  const rawRules = [expire('expire-raw', '', settings.rawRetentionDays)];
  if (settings.rawRetentionDays > 30) {
    // S3 moves objects to Infrequent Access no earlier than 30 days after creation
    rawRules.push({
      Id: 'raw-to-infrequent-access',
      Status: 'Enabled',
      Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
    });
  }
  return {
    [LogicalId.lakeBucket]: privateBucket(settings, 'lake', [
      expire('expire-errors', 'errors/', settings.errorRetentionDays),
    ]),
    [`${LogicalId.lakeBucket}Policy`]: tlsOnlyPolicy(LogicalId.lakeBucket),
    [LogicalId.rawBucket]: withNotifications(privateBucket(settings, 'raw', rawRules)),
    [`${LogicalId.rawBucket}Policy`]: tlsOnlyPolicy(LogicalId.rawBucket),
    // Athena query results: needed only until the loader has read them
    [LogicalId.resultsBucket]: privateBucket(settings, 'results', [
      expire('expire-results', '', settings.queryResultRetentionDays),
    ]),
    [`${LogicalId.resultsBucket}Policy`]: tlsOnlyPolicy(LogicalId.resultsBucket),
  };
}

/** S3 checks that it may invoke the function when the notification is created, hence DependsOn. */
function withNotifications(bucket: Cfn): Cfn {
  return {
    ...bucket,
    DependsOn: [LogicalId.s3FlattenPermission],
    Properties: { ...(bucket.Properties as Cfn), NotificationConfiguration: rawBucketNotifications() },
  };
}
