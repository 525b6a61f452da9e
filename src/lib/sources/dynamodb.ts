import { LakeLayout } from '../pipeline/lake-layout';
import { changeTableColumns } from '../pipeline/lake-tables';
import type { SourceKind } from './source-kind';

/** A DynamoDB table: its changes (from its stream) and its snapshots (from its exports), by day. */
export const DYNAMODB_SOURCE: SourceKind<'dynamodb'> = {
  kind: 'dynamodb',
  title: 'DynamoDB table',
  specs: (pipeline) => pipeline.dynamodb,
  lakeTables: (table) =>
    [`${table.name}_changes`, `${table.name}_snapshot`].map((name) => ({
      name,
      description: table.description,
      columns: changeTableColumns(table),
      partitioning: 'day',
      prefix: LakeLayout.table(name),
    })),
  flatteningFunction: 's3Flatten',
};
