import type { SchemaElement } from 'hyparquet';
import { type ColumnSpec, columnKind } from '../columns/column-types';

/** The Parquet schema for a table's declared columns (all nullable, in declared order). */
export function parquetSchema(columns: readonly ColumnSpec[]): SchemaElement[] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map(
      ({ name, type }): SchemaElement => ({
        name,
        repetition_type: 'OPTIONAL',
        ...columnKind(type).parquetElement(type),
      }),
    ),
  ];
}
