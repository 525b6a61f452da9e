import { projectedDayRange } from './lake-days';

/** A table as the Glue Data Catalog (or its local stand-in) holds it. */
export interface CatalogColumn {
  readonly name: string;
  /** Hive/Athena type text: `string`, `bigint`, `decimal(12,2)`, ... */
  readonly type: string;
}

export type StorageFormat =
  /** Parquet files under the location (or under each partition's location). */
  | 'parquet'
  /** Symlink manifests listing Parquet files: one object replaced makes a partition's new data visible at once. */
  | 'parquet-manifest';

export interface CatalogTable {
  readonly name: string;
  readonly description?: string | undefined;
  readonly columns: readonly CatalogColumn[];
  readonly partitionKeys: readonly CatalogColumn[];
  /** `s3://bucket/prefix/` */
  readonly location: string;
  readonly format: StorageFormat;
  /** Table properties: partition projection and the like. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** The catalog operations the pipeline needs, so the same code runs against Glue and locally. */
export interface Catalog {
  getTable(database: string, name: string): Promise<CatalogTable | undefined>;
  /** Creates the table, or replaces its definition in one step. */
  putTable(database: string, table: CatalogTable): Promise<void>;
  deleteTable(database: string, name: string): Promise<void>;
  listTables(database: string, namePrefix: string): Promise<string[]>;
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** `s3://bucket/key` → bucket and key; anything else is an error naming the value. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) throw new Error(`Not an s3:// URI: ${uri}`);
  return { bucket: match[1]!, key: match[2]! };
}

/** Partition projection on `dt` (days from the lake's first day to today), for every day-partitioned table. */
export function dayProjection<Template = string>(
  startDate: string,
  locationTemplate: Template,
): Record<string, string | Template> {
  return {
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy-MM-dd',
    'projection.dt.range': projectedDayRange(startDate),
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'DAYS',
    'storage.location.template': locationTemplate,
  };
}

/** Projection of `hour` (`00`..`23`), added to the day projection of tables written by hour. */
export const HOUR_PROJECTION: Readonly<Record<string, string>> = {
  'projection.hour.type': 'integer',
  'projection.hour.range': '0,23',
  'projection.hour.digits': '2',
};
