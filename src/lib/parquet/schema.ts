import type { SchemaElement } from 'hyparquet';
import { type ColumnSpec, type ColumnType, columnKind } from '../columns/column-types';

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

/** What a Parquet footer says of one column, as DuckDB's parquet_schema() reports it. */
export interface ParquetColumnElement {
  readonly type?: string | null | undefined;
  readonly converted_type?: string | null | undefined;
  readonly precision?: number | null | undefined;
  readonly scale?: number | null | undefined;
}

/**
 * The declarable type a Parquet column holds (the inverse of the schema this project writes, and of
 * what Firehose's conversion writes for the same Glue types); undefined for any other encoding.
 */
export function columnTypeOfParquet(column: ParquetColumnElement): ColumnType | undefined {
  const converted = column.converted_type ?? '';
  if (converted === 'DECIMAL' && column.precision != null && column.scale != null) {
    return { kind: 'decimal', precision: Number(column.precision), scale: Number(column.scale) };
  }
  switch (column.type) {
    case 'BYTE_ARRAY':
      return converted === 'UTF8' || converted === '' ? { kind: 'string' } : undefined;
    case 'INT64':
      if (converted.startsWith('TIMESTAMP')) return { kind: 'timestamp' };
      return converted === '' || converted === 'INT_64' ? { kind: 'bigint' } : undefined;
    case 'INT96':
      return { kind: 'timestamp' };
    case 'INT32':
      if (converted === 'DATE') return { kind: 'date' };
      return converted === '' || converted === 'INT_32' ? { kind: 'int' } : undefined;
    case 'DOUBLE':
      return { kind: 'double' };
    case 'BOOLEAN':
      return { kind: 'boolean' };
    default:
      return undefined;
  }
}
