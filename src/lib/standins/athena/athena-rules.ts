import { s3Uri } from '../../catalog/catalog';
import { errorMessage } from '../../util/errors';
import { CatalogTablesOnlyError } from './athena-compat';
import { semanticsError } from './athena-semantics';

/** Athena's rules the local engine keeps: what it refuses, and where it writes. See docs/aws-rules.md. */

/** A statement Athena would fail; the message is what Athena reports as the reason. */
export class AthenaQueryFailedError extends Error {
  override readonly name = 'AthenaQueryFailedError';
}

/** Athena's query execution ids are UUIDs; locally one also names the result's files. */
export const QUERY_EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Athena writes at most this many partitions in one CTAS or INSERT INTO. */
export const MAX_OPEN_PARTITIONS = 100;

/** The workgroup settings that change how a statement runs. */
export interface WorkGroupRules {
  readonly name: string;
  readonly enforceConfiguration: boolean;
}

export function requireQueryExecutionId(queryExecutionId: string): void {
  if (!QUERY_EXECUTION_ID.test(queryExecutionId)) {
    throw new AthenaQueryFailedError(`${queryExecutionId} is not a query execution id (a UUID)`);
  }
}

export function requireWorkGroup<W extends WorkGroupRules>(workGroups: readonly W[], name: string): W {
  const workGroup = workGroups.find((w) => w.name === name);
  if (!workGroup) throw new AthenaQueryFailedError(`WorkGroup ${name} is not found.`);
  return workGroup;
}

/** DuckDB's refusals of file access, extensions and settings, as the error Athena's rule explains. */
const DUCKDB_SANDBOX_REFUSAL =
  /Permission Error|file system operations are disabled|configuration has been locked|external extensions is disabled/;

export async function refusingOutsideAccess<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!DUCKDB_SANDBOX_REFUSAL.test(message)) throw semanticsError(error);
    throw new CatalogTablesOnlyError(
      `Athena reads only the tables in its catalog; the local engine reads only the lake it serves (${message.split('\n')[0]})`,
      { cause: error },
    );
  }
}

/**
 * DuckDB answers a table that is not there with its guess among every relation it holds (its
 * own catalog, other transforms' run tables); the tables of the lake are what a person needs.
 * No `cause`: the local interpreter would report the cause's message in place of this one.
 * `undefined` when the error is not about a missing table.
 */
export function missingTableError(
  error: unknown,
  tables: readonly string[],
): AthenaQueryFailedError | undefined {
  const missing = /Catalog Error: Table with name (\S+) does not exist!/.exec(errorMessage(error));
  if (!missing) return undefined;
  const known = tables.filter((name) => !name.includes('__run_'));
  return new AthenaQueryFailedError(
    `Table ${missing[1]} does not exist in the local lake (tables: ${known.join(', ')})`,
  );
}

/**
 * Where a CTAS writes: a workgroup that overrides client-side settings puts the table under its
 * result location and fails a CTAS that names its own; otherwise `external_location` is used.
 */
export function ctasLocation(
  id: string,
  workGroup: WorkGroupRules,
  external: string | undefined,
  resultsBucket: string,
  now: Date,
): string {
  if (workGroup.enforceConfiguration) {
    if (external !== undefined) {
      throw new AthenaQueryFailedError(
        `external_location cannot be specified: workgroup ${workGroup.name} overrides client-side settings, ` +
          'so a CTAS is written under its query result location',
      );
    }
    return s3Uri(resultsBucket, `tables/${id}/`);
  }
  const day = now.toISOString().slice(0, 10).replace(/-/g, '/');
  return external ?? s3Uri(resultsBucket, `Unsaved/${day}/tables/${id}/`);
}

/** A CTAS writes only into an empty location. */
export function requireEmptyLocation(
  existingKeys: number,
  database: string,
  table: string,
  location: string,
): void {
  if (existingKeys > 0) {
    throw new AthenaQueryFailedError(
      `HIVE_PATH_ALREADY_EXISTS: Target directory for table '${database}.${table}' already exists: ${location}`,
    );
  }
}

/** A table's columns are Hive types, and Hive has no timestamp with time zone. */
export function refuseZonedColumns(columns: ReadonlyArray<{ name: string; type: string }>): void {
  const zoned = columns.filter((c) => c.type === 'TIMESTAMP WITH TIME ZONE');
  if (zoned.length > 0) {
    throw new AthenaQueryFailedError(
      `NOT_SUPPORTED: Unsupported Hive type: timestamp(3) with time zone (column ${zoned.map((c) => c.name).join(', ')}): ` +
        'a table cannot hold a timestamp with time zone (from current_timestamp, now(), from_unixtime, ' +
        'from_iso8601_timestamp, AT TIME ZONE); write a timestamp (date_parse of its text) or its to_iso8601 text',
    );
  }
}

/** A CTAS or INSERT INTO writes at most MAX_OPEN_PARTITIONS partitions. */
export function refuseTooManyPartitions(partitions: number): void {
  if (partitions > MAX_OPEN_PARTITIONS) {
    throw new AthenaQueryFailedError(
      `HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of ${MAX_OPEN_PARTITIONS} open writers for partitions/buckets`,
    );
  }
}

/** Athena's CTAS writes Snappy when asked, ZSTD otherwise (the local engine's two codecs). */
export function parquetCodec(writeCompression: string): 'snappy' | 'zstd' {
  return writeCompression.toLowerCase() === 'snappy' ? 'snappy' : 'zstd';
}

/** How a bucketed CTAS spreads its rows: the hash of `column` modulo `count` picks the file. */
export interface Bucketing {
  readonly column: string;
  readonly count: number;
}

/**
 * A CTAS's bucketing, as Athena's Hive tables take it: `bucketed_by` and `bucket_count` together
 * or not at all, on columns the query writes (not its partition columns), and no more writers
 * than Athena opens (partitions times buckets, at most 100; checked as rows are written).
 */
export function ctasBucketing(
  properties: { readonly bucketedBy: readonly string[]; readonly bucketCount: number | undefined },
  columns: readonly string[],
  partitionedBy: readonly string[],
): Bucketing | undefined {
  const { bucketedBy, bucketCount } = properties;
  if (bucketedBy.length === 0 && bucketCount === undefined) return undefined;
  if (bucketCount === undefined)
    throw new AthenaQueryFailedError(
      'INVALID_TABLE_PROPERTY: bucket_count must be specified when bucketed_by is specified',
    );
  if (bucketedBy.length === 0)
    throw new AthenaQueryFailedError(
      'INVALID_TABLE_PROPERTY: bucketed_by must be specified when bucket_count is specified',
    );
  if (!Number.isInteger(bucketCount) || bucketCount < 1)
    throw new AthenaQueryFailedError(
      `INVALID_TABLE_PROPERTY: bucket_count must be at least 1, not ${bucketCount}`,
    );
  refuseTooManyPartitions(bucketCount);
  const missing = bucketedBy.filter((c) => !columns.includes(c) || partitionedBy.includes(c));
  if (missing.length > 0)
    throw new AthenaQueryFailedError(
      `INVALID_TABLE_PROPERTY: Bucketing columns [${missing.join(', ')}] not present in schema (the query writes ${columns.join(', ')}; partition columns cannot be bucketed)`,
    );
  if (bucketedBy.length > 1)
    throw new AthenaQueryFailedError(
      'The local engine buckets by one column; Athena takes several, but Tributary writes one',
    );
  return { column: bucketedBy[0]!, count: bucketCount };
}

/** Athena adds no rows to a bucketed table with INSERT INTO. */
export function refuseInsertIntoBucketed(table: string, parameters: Readonly<Record<string, string>>): void {
  if (parameters.bucket_count !== undefined)
    throw new AthenaQueryFailedError(
      `NOT_SUPPORTED: ${table} is bucketed, and Athena does not INSERT INTO bucketed tables: write a new table with CTAS`,
    );
}
