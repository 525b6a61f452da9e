import { type ColumnSpec, parseColumnType } from '../columns/column-types';
import { TimestampReading, timestampMillis } from '../columns/time';
import { JsonNumber } from '../flattening/json-value';
import { type ParquetValue, RowCoercer, ValueConversionError } from '../parquet/coerce';
import { parseFlatLine } from '../parquet/flat-line';
import { type ParquetCodec, ParquetRowWriter } from '../parquet/parquet-writer';
import { type ObjectStore, uploadPipe } from '../storage/object-store';
import type { JoinedLines } from './joined-lines';

/** One partition of a delivery: the transform's Ok records, to become one Parquet object. */
export interface PartitionConversion {
  readonly columns: readonly ColumnSpec[];
  readonly lines: JoinedLines;
  readonly codec: ParquetCodec;
  readonly bucket: string;
  readonly key: string;
  /** Firehose's clock for the error records of values that do not convert. */
  readonly now: number;
  /** The stream's event-time column and the hour partition the records were filed under. */
  readonly filedUnder?: { readonly eventTime: string; readonly dt: string; readonly hour: string };
  /**
   * String columns written after the declared ones with the same value in every row (a rewritten
   * day's generation holds its `hour` as a column: its files are not under hour folders).
   */
  readonly constantColumns?: Readonly<Record<string, string>>;
}

export interface ConvertedPartition {
  readonly key: string;
  readonly rows: number;
  /** `format-conversion-failed` records, in Firehose's error-record format. */
  readonly errors: readonly string[];
  /** Columns of the records the table does not declare, with counts: Parquet conversion drops them. */
  readonly undeclared: ReadonlyArray<readonly [string, number]>;
  /** Rows with a readable event time outside the hour they were filed under (the transform filed them by arrival). */
  readonly filedOutsideEventTime: number;
}

export type PartitionConverter = (conversion: PartitionConversion) => Promise<ConvertedPartition>;

/**
 * Firehose's record format conversion: each flat JSON line becomes a row of the declared columns,
 * typed as the Glue table says; a value that does not convert sends its record to the error
 * output instead of failing the file. An object that would hold no rows is not left behind.
 */
export function partitionConverter(store: ObjectStore): PartitionConverter {
  return async (conversion) => {
    // Firehose's reader, not the lake writer's: it takes up to 9 fraction digits, Athena shows milliseconds
    const coercer = new RowCoercer(conversion.columns, { timestamps: TimestampReading.firehose });
    const declared = new Set(conversion.columns.map((c) => c.name));
    const undeclared = new Map<string, number>();
    const errors: string[] = [];
    const hour = filedHour(conversion.filedUnder, conversion.columns);
    let filedOutsideEventTime = 0;
    const constants = Object.entries(conversion.constantColumns ?? {});
    const constantValues = constants.map(([, value]) => value);
    const written = [
      ...conversion.columns,
      ...constants.map(([name]) => ({ name, type: parseColumnType('string') })),
    ];
    const body = uploadPipe();
    const upload = store.put(conversion.bucket, conversion.key, body);
    const writer = new ParquetRowWriter(written, body, {
      codec: conversion.codec,
      rowGroupRows: 50_000,
    });
    const { bytes, ends } = conversion.lines;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      for (let i = 0, start = 0; i < ends.length; start = ends[i++]!) {
        const line = text.toString('utf8', start, ends[i]);
        try {
          const record = parseFlatLine(line);
          for (const column in record) {
            if (!declared.has(column)) undeclared.set(column, (undeclared.get(column) ?? 0) + 1);
          }
          const row = coercer.coerce(record);
          await writer.append(constants.length === 0 ? row : [...row, ...constantValues]);
          if (hour && isOutside(hour, record, row)) filedOutsideEventTime++;
        } catch (error) {
          if (!(error instanceof ValueConversionError) && !(error instanceof SyntaxError)) throw error;
          errors.push(
            JSON.stringify({
              attemptsMade: 1,
              arrivalTimestamp: conversion.now,
              ErrorCode: 'DataFormatConversion.InvalidValue',
              ErrorMessage: error.message,
              attemptEndingTimestamp: conversion.now,
              rawData: Buffer.from(line).toString('base64'),
            }),
          );
        }
      }
      await writer.close();
      await upload;
    } catch (error) {
      body.destroy(error as Error);
      await upload.catch(() => undefined);
      throw error;
    }
    if (writer.rows === 0) await store.delete(conversion.bucket, conversion.key);
    return {
      key: conversion.key,
      rows: writer.rows,
      errors,
      undeclared: [...undeclared],
      filedOutsideEventTime,
    };
  };
}

const HOUR_MS = 3_600_000;

interface FiledHour {
  readonly column: string;
  readonly from: number;
  /** The event-time column's place in a row when it is a timestamp column: its value is the millis already read. */
  readonly timestampIndex: number;
}

function filedHour(
  filedUnder: PartitionConversion['filedUnder'],
  columns: readonly ColumnSpec[],
): FiledHour | undefined {
  if (!filedUnder) return undefined;
  const from = Date.parse(`${filedUnder.dt}T${filedUnder.hour}:00:00Z`);
  const timestampIndex = columns.findIndex(
    (c) => c.name === filedUnder.eventTime && c.type.kind === 'timestamp',
  );
  return Number.isNaN(from) ? undefined : { column: filedUnder.eventTime, from, timestampIndex };
}

function isOutside(
  hour: FiledHour,
  record: Readonly<Record<string, unknown>>,
  row: readonly ParquetValue[],
): boolean {
  const ms =
    hour.timestampIndex >= 0 ? coercedMillis(row[hour.timestampIndex]) : eventMillis(record[hour.column]);
  return ms !== undefined && (ms < hour.from || ms >= hour.from + HOUR_MS);
}

/** A timestamp column's converted value is its millis (or null), read by the same timestampMillis. */
function coercedMillis(value: ParquetValue | undefined): number | undefined {
  return typeof value === 'bigint' ? Number(value) : undefined;
}

function eventMillis(value: unknown): number | undefined {
  return typeof value === 'string'
    ? timestampMillis(value)
    : typeof value === 'number'
      ? timestampMillis({ raw: String(value) })
      : value instanceof JsonNumber
        ? timestampMillis(value)
        : undefined;
}
