import type { SchemaElement } from 'hyparquet';
import type { ColumnSpec, ColumnType } from '../columns/column-types';

/** Bytes of a FIXED_LEN_BYTE_ARRAY that hold any signed integer of `precision` decimal digits. */
export function decimalByteLength(precision: number): number {
  return Math.ceil((precision * Math.log2(10) + 1) / 8);
}

function element(name: string, type: ColumnType): SchemaElement {
  const optional = { name, repetition_type: 'OPTIONAL' } as const;
  switch (type.kind) {
    case 'string':
      return { ...optional, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'bigint':
      return { ...optional, type: 'INT64' };
    case 'int':
      return { ...optional, type: 'INT32' };
    case 'double':
      return { ...optional, type: 'DOUBLE' };
    case 'boolean':
      return { ...optional, type: 'BOOLEAN' };
    case 'timestamp':
      // UTC instants stored as Athena's `timestamp` (no zone), millisecond precision
      return {
        ...optional,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' },
      };
    case 'date':
      return { ...optional, type: 'INT32', converted_type: 'DATE' };
    case 'decimal':
      return {
        ...optional,
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: decimalByteLength(type.precision),
        converted_type: 'DECIMAL',
        precision: type.precision,
        scale: type.scale,
      };
  }
}

/** The Parquet schema for a table's declared columns (all nullable, in declared order). */
export function parquetSchema(columns: readonly ColumnSpec[]): SchemaElement[] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((column) => element(column.name, column.type)),
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
