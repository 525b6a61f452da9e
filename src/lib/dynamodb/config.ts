import { LAKE_START_DATE } from '../catalog/lake-days';
import { isPlainObject, readConfig } from '../config/reader';
import { readStorageConfig, type StorageConfig } from '../config/storage';
import type { Pipeline } from '../pipeline/pipeline';
import { type HashKeySource, hashKeySourceFromEnv } from '../secrets/hash-key';

export interface DynamoStreamConfig {
  readonly storage: StorageConfig;
  /** DynamoDB table name → pipeline table, from TRIBUTARY_DYNAMODB_TABLES (JSON, set by serverless). */
  readonly tables: ReadonlyMap<string, string>;
  /** The stage's `lakeStartDate`, the same param the change tables' projection starts at. */
  readonly lakeStartDate: string;
}

export interface S3FlattenConfig {
  readonly storage: StorageConfig;
  readonly hashKey: HashKeySource;
}

export function readDynamoStreamConfig(env: NodeJS.ProcessEnv, pipeline: Pipeline): DynamoStreamConfig {
  return readConfig('dynamodbStream environment', env, (root) => {
    const storage = readStorageConfig(root, { raw: true });
    const field = root.field('TRIBUTARY_DYNAMODB_TABLES');
    const tables = new Map<string, string>();
    const map = field.json('{"my-dynamodb-table":"users"}');
    if (map && !isPlainObject(map.value)) map.problem('must be a JSON object');
    for (const [dynamoTable, table] of Object.entries(isPlainObject(map?.value) ? map.value : {})) {
      if (typeof table !== 'string' || !pipeline.dynamodb.some((t) => t.name === table)) {
        field.problem(
          `${dynamoTable} maps to ${JSON.stringify(table)}, which is not a DynamoDB table of the pipeline`,
        );
      } else {
        tables.set(dynamoTable, table);
      }
    }
    if (!field.present) field.problem('expected JSON such as {"my-dynamodb-table":"users"}');
    const lakeStartDate = root.field('TRIBUTARY_LAKE_START_DATE').string(LAKE_START_DATE);
    return { storage, tables, lakeStartDate };
  });
}

export function readS3FlattenConfig(env: NodeJS.ProcessEnv, pipeline: Pipeline): S3FlattenConfig {
  return readConfig('s3Flatten environment', env, (root) => {
    const storage = readStorageConfig(root, { lake: true });
    const hashKey = hashKeySourceFromEnv(env);
    const hashing = pipeline.dynamodb.filter((t) => t.flatten.hash.length > 0).map((t) => t.name);
    if (hashing.length > 0 && hashKey.kind === 'none') {
      root.problem(
        `tables ${hashing.join(', ')} hash columns: set TRIBUTARY_HASH_KEY_SECRET_ARN (or TRIBUTARY_HASH_KEY locally)`,
      );
    }
    return { storage, hashKey };
  });
}
