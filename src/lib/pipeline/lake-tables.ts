import { changeTableColumns } from '../dynamodb/row-builder';
import type { ColumnSpec } from '../schema/column-types';
import { LakeLayout } from './lake-layout';
import type { Pipeline } from './pipeline';

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
}

export const PARTITION_KEYS: Record<PartitionLayout, readonly string[]> = {
  'day-hour': ['dt', 'hour'],
  day: ['dt'],
};

export function ingestedLakeTables(pipeline: Pipeline): LakeTable[] {
  return [
    ...pipeline.streams.map((stream) => ({
      name: stream.name,
      description: stream.description,
      columns: stream.columns,
      partitioning: 'day-hour' as const,
      prefix: LakeLayout.table(stream.name),
    })),
    ...pipeline.dynamodb.flatMap((table) =>
      [`${table.name}_changes`, `${table.name}_snapshot`].map((name) => ({
        name,
        description: table.description,
        columns: changeTableColumns(table),
        partitioning: 'day' as const,
        prefix: LakeLayout.table(name),
      })),
    ),
  ];
}
