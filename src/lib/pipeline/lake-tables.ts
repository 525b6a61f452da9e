import { dayProjection, HOUR_PROJECTION } from '../catalog/catalog';
import { type ColumnSpec, parseColumnType } from '../columns/column-types';
import { CHANGE_METADATA_COLUMNS, type DynamoTableSpec, EXTRA_ATTRIBUTES_COLUMN } from './pipeline';

/** How a table's partitions are laid out under its prefix. */
export type PartitionLayout = 'day-hour' | 'day';

/**
 * A lake table that ingestion writes, defined by the pipeline description alone: the Glue tables
 * in AWS and the local query engine's views are both made from this list.
 */
export interface LakeTable {
  readonly name: string;
  readonly description: string;
  readonly columns: readonly ColumnSpec[];
  readonly partitioning: PartitionLayout;
  /** `lake/<name>/` in the lake bucket. */
  readonly prefix: string;
  /**
   * Its days may be rewritten (src/lib/rewrite): a `<name>__compacted` table serves each rewritten
   * day's current generation, and readers take it with the live files it did not consume.
   */
  readonly rewritable?: boolean;
}

export const PARTITION_KEYS: Record<PartitionLayout, readonly string[]> = {
  'day-hour': ['dt', 'hour'],
  day: ['dt'],
};

/** Below a table's prefix, one partition's folder as a projection template (`${dt}` placeholders). */
export const PARTITION_TEMPLATES: Record<PartitionLayout, string> = {
  'day-hour': 'dt=${dt}/hour=${hour}/',
  day: 'dt=${dt}/',
};

/**
 * The partition projection of an ingested table: the Glue table's parameters in AWS and the
 * local engine's notion of which partitions exist are both this. `location` turns the partition
 * template (below the table's prefix) into the table's `storage.location.template`.
 */
export function lakeTableProjection<Template>(
  table: LakeTable,
  startDate: string,
  location: (partitionTemplate: string) => Template,
): Record<string, string | Template> {
  return {
    ...dayProjection(startDate, location(PARTITION_TEMPLATES[table.partitioning])),
    ...(table.partitioning === 'day-hour' ? HOUR_PROJECTION : {}),
  };
}

const METADATA_TYPES: Record<(typeof CHANGE_METADATA_COLUMNS)[number], string> = {
  _op: 'string',
  _seq: 'string',
  _event_time: 'timestamp',
  _deleted: 'boolean',
};

/**
 * The lake columns of a DynamoDB table: key attributes first, then `_op`, `_seq`, `_event_time`
 * and `_deleted`, then the other declared attributes, then `_extra` (JSON text of attributes the
 * table does not declare, so none is lost).
 */
export function changeTableColumns(table: DynamoTableSpec): ColumnSpec[] {
  const keys = table.keys.map((key) => table.columns.find((c) => c.name === key)!);
  const metadata = CHANGE_METADATA_COLUMNS.map((name) => ({
    name,
    type: parseColumnType(METADATA_TYPES[name]),
  }));
  const rest = table.columns.filter((c) => !table.keys.includes(c.name));
  return [...keys, ...metadata, ...rest, { name: EXTRA_ATTRIBUTES_COLUMN, type: parseColumnType('string') }];
}
