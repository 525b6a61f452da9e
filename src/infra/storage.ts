import { DynamoLayout } from '../lib/dynamodb/layout';
import { LakeLayout } from '../lib/pipeline/lake-layout';
import type { FlattenSpec, Pipeline } from '../lib/pipeline/pipeline';
import { declaredSources } from '../lib/sources/registry';
import { forSource, type PerSourceKind } from '../lib/sources/source-kind';
import { rawBucketNotifications } from './dynamodb';
import { type BucketPurpose, bucketName, type Cfn, getAtt, LogicalId, ref, sub } from './names';
import type { StackSettings } from './settings';

/** Where Lambda writes a stream event source mapping's on-failure records in an S3 destination. */
export const STREAM_FAILURE_PREFIX = 'aws/lambda/';

/**
 * A prefix whose objects hold values pipeline.yml's privacy rules remove before the lake: raw
 * copies of a stream or table with `drop` or `hash` rules, and the records that failed on the way.
 */
export interface PrivatePrefix {
  readonly bucket: 'lake' | 'raw';
  readonly prefix: string;
  /** Logical ids of the roles that must read it (its own writer or reader); nobody else may. */
  readonly readers: readonly string[];
  /**
   * A narrower fence inside the prefix (a key pattern with `*`), for objects fewer roles may read
   * than the prefix's readers; it adds a read fence and no expiry of its own.
   */
  readonly within?: string;
}

const hasPrivacyRules = (flatten: FlattenSpec): boolean => flatten.drop.length > 0 || flatten.hash.length > 0;

/** The prefixes holding a source's records before its privacy rules ran, by kind of source. */
const SOURCE_PRIVATE_PREFIXES: PerSourceKind<[], PrivatePrefix[]> = {
  stream: (stream) => {
    const readers = [LogicalId.deliveryStreamRole(stream.name)];
    return [
      { bucket: 'raw', prefix: LakeLayout.firehoseBackup(stream.name), readers },
      { bucket: 'lake', prefix: LakeLayout.firehoseErrors(stream.name), readers },
    ];
  },
  dynamodb: (table) => {
    const readers = [LogicalId.s3FlattenRole];
    return [
      { bucket: 'raw', prefix: `${DynamoLayout.rawPrefix}${table.name}/`, readers },
      // planRun checks an export's manifest (keys and counts; its IAM policy grants nothing else)
      {
        bucket: 'raw',
        prefix: `${DynamoLayout.exportsPrefix}${table.name}/`,
        readers: [...readers, LogicalId.planRunRole],
      },
      // ...but the data files and the lines quarantined beside them only the flattener
      {
        bucket: 'raw',
        prefix: `${DynamoLayout.exportsPrefix}${table.name}/`,
        within: `${DynamoLayout.exportsPrefix}${table.name}/*/data/*`,
        readers,
      },
    ];
  },
};

export function privatePrefixes(pipeline: Pipeline, settings: StackSettings): PrivatePrefix[] {
  const privateSources = declaredSources(pipeline).filter((source) => hasPrivacyRules(source.spec.flatten));
  const prefixes = privateSources.flatMap((source) => forSource(source, SOURCE_PRIVATE_PREFIXES));
  if (
    privateSources.some((source) => source.kind === 'dynamodb') &&
    settings.streamFailureDestination === 's3'
  ) {
    // a failed batch's records, whichever table they came from
    prefixes.push({ bucket: 'raw', prefix: STREAM_FAILURE_PREFIX, readers: [LogicalId.dynamodbStreamRole] });
  }
  return prefixes;
}

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
    // kept when the stack is removed, but deleted when the operation that created it rolls back,
    // so a failed first deploy leaves nothing behind; names differ per stack (names.ts)
    DeletionPolicy: 'RetainExceptOnCreate',
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

/**
 * Denies any request that does not use TLS, and reads of private prefixes by anyone but the roles
 * that must read them (and the stage's privateRawReaderArns).
 */
function bucketPolicy(
  bucketLogicalId: string,
  privates: readonly PrivatePrefix[] = [],
  settings?: StackSettings,
): Cfn {
  const privateReads = privates.map((p, index) => ({
    Sid: `DenyPrivateReads${index}`,
    Effect: 'Deny',
    Principal: '*',
    Action: ['s3:GetObject', 's3:GetObjectVersion'],
    Resource: sub(`arn:\${AWS::Partition}:s3:::\${${bucketLogicalId}}/${p.within ?? `${p.prefix}*`}`),
    Condition: {
      ArnNotEquals: {
        'aws:PrincipalArn': [
          ...p.readers.map((role) => getAtt(role, 'Arn')),
          ...(settings?.privateRawReaderArns ?? []),
        ],
      },
    },
  }));
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: ref(bucketLogicalId),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          ...privateReads,
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
 * A private prefix expires after privateRawRetentionDays, and so do its old versions and delete
 * markers: versioning would otherwise keep an expired copy 30 more days (expire-old-versions).
 */
function privateExpiry(settings: StackSettings, privates: readonly PrivatePrefix[]): Cfn[] {
  return privates
    .filter((p) => p.within === undefined)
    .map((p) => ({
      Id: `expire-private-${p.prefix.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-$/, '')}`,
      Status: 'Enabled',
      Prefix: p.prefix,
      ExpirationInDays: settings.privateRawRetentionDays,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
    }));
}

/**
 * The lake (Parquet, kept) and raw (source copies, expiring) buckets: private, encrypted, TLS
 * only. The raw bucket notifies the flattener of new change and export files. Raw copies that
 * hold what privacy rules remove expire sooner and are readable only by the roles that need them.
 */
export function storageResources(pipeline: Pipeline, settings: StackSettings): Cfn {
  const privates = privatePrefixes(pipeline, settings);
  const rawPrivates = privates.filter((p) => p.bucket === 'raw');
  const lakePrivates = privates.filter((p) => p.bucket === 'lake');
  const expire = (id: string, prefix: string, days: number): Cfn => ({
    Id: id,
    Status: 'Enabled',
    ...(prefix ? { Prefix: prefix } : {}),
    ExpirationInDays: days,
  });
  const rawRules = [
    expire('expire-raw', '', settings.rawRetentionDays),
    ...privateExpiry(settings, rawPrivates),
  ];
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
      ...privateExpiry(settings, lakePrivates),
    ]),
    [`${LogicalId.lakeBucket}Policy`]: bucketPolicy(LogicalId.lakeBucket, lakePrivates, settings),
    [LogicalId.rawBucket]: withNotifications(privateBucket(settings, 'raw', rawRules)),
    [`${LogicalId.rawBucket}Policy`]: bucketPolicy(LogicalId.rawBucket, rawPrivates, settings),
    // Athena query results: needed only until the loader has read them
    [LogicalId.resultsBucket]: privateBucket(settings, 'results', [
      expire('expire-results', '', settings.queryResultRetentionDays),
    ]),
    [`${LogicalId.resultsBucket}Policy`]: bucketPolicy(LogicalId.resultsBucket),
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
