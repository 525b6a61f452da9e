import { S3Client } from '@aws-sdk/client-s3';
import { LocalObjectStore } from '../standins/s3/local-object-store';
import type { ObjectStore } from '../storage/object-store';
import { S3ObjectStore } from '../storage/s3-object-store';
import type { ConfigReader } from './reader';

/** Bucket names a local run uses; `TRIBUTARY_LOCAL_ROOT/<bucket>/<key>` holds the objects. */
export const LOCAL_BUCKETS = {
  lake: 'tributary-local-lake',
  raw: 'tributary-local-raw',
  results: 'tributary-local-results',
} as const;

export interface StorageConfig {
  /** When set, every S3 call goes to local files under this directory. */
  readonly localRoot: string | undefined;
  readonly lakeBucket: string;
  readonly rawBucket: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The buckets a handler uses: in AWS from TRIBUTARY_LAKE_BUCKET / TRIBUTARY_RAW_BUCKET (set by
 * serverless), locally the local stand-in's buckets under TRIBUTARY_LOCAL_ROOT.
 */
export function readStorageConfig(
  root: ConfigReader,
  needs: { lake?: boolean; raw?: boolean },
): StorageConfig {
  const localRoot = root.field('TRIBUTARY_LOCAL_ROOT').optionalString();
  if (localRoot) return { localRoot, lakeBucket: LOCAL_BUCKETS.lake, rawBucket: LOCAL_BUCKETS.raw };
  const bucket = (variable: string, needed: boolean | undefined): string => {
    if (!needed) return '';
    const field = root.field(variable);
    if (typeof field.value === 'string' && field.value.includes('#{')) {
      field.problem('holds an unresolved CloudFormation reference: set TRIBUTARY_LOCAL_ROOT to run locally');
      return '';
    }
    return field.string({ pattern: BUCKET, patternHint: 'an S3 bucket name' });
  };
  return {
    localRoot: undefined,
    lakeBucket: bucket('TRIBUTARY_LAKE_BUCKET', needs.lake),
    rawBucket: bucket('TRIBUTARY_RAW_BUCKET', needs.raw),
  };
}

/** Local files or S3; handlers create it once per container. */
export function objectStoreFor(config: StorageConfig): ObjectStore {
  return config.localRoot ? new LocalObjectStore(config.localRoot) : new S3ObjectStore(new S3Client({}));
}
