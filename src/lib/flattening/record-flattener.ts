import { isUtf8 } from 'node:buffer';
import { ValueConversionError } from '../parquet/coerce';
import { DecodeFailure, RecordDecodeError } from './errors';
import { FastFlattener } from './fast-flattener';
import { encodeFlatRow, type FlatRow, type FlatValue, flattenDocument } from './flatten';
import { JsonNumber, JsonObject, JsonSyntaxError, parseJson } from './json-value';
import type { FlattenOptions } from './options';
import { FlattenPlan } from './plan';

/** One flattened record: its NDJSON line is `buffer[start, end)`, newline included. */
export interface FlatLine {
  readonly buffer: Buffer;
  readonly start: number;
  readonly end: number;
  readonly eventTime: FlatValue | undefined;
  readonly collisions: number;
  /** Exploded child rows by child table suffix; empty unless the table explodes arrays. */
  readonly childTables: ReadonlyMap<string, FlatRow[]>;
  /** Columns of this record the table does not declare. */
  readonly undeclared: readonly string[];
}

const NO_CHILDREN: ReadonlyMap<string, FlatRow[]> = new Map();

/**
 * Flattens JSON records of one table. Most records take the byte-level fast path; the rest, and
 * every invalid one, go through the reference flattener, which decides the result or the error.
 * The returned buffer may be reused by the next call.
 */
export class RecordFlattener {
  readonly plan: FlattenPlan;
  private readonly fast: FastFlattener;

  constructor(options: FlattenPlan | Partial<FlattenOptions> = {}) {
    this.plan = options instanceof FlattenPlan ? options : new FlattenPlan(options);
    this.fast = new FastFlattener(this.plan);
  }

  flattenBytes(bytes: Buffer, rowId?: string): FlatLine {
    if (!isUtf8(bytes)) throw new RecordDecodeError(DecodeFailure.utf8, 'Record is not valid UTF-8');
    const fast = this.fast;
    if (rowId === undefined && fast.flatten(bytes)) {
      return {
        buffer: fast.output,
        start: fast.outputStart,
        end: fast.outputEnd,
        eventTime:
          fast.eventTimeStart < 0 ? undefined : decodeScalar(bytes, fast.eventTimeStart, fast.eventTimeEnd),
        collisions: 0,
        childTables: NO_CHILDREN,
        undeclared: fast.undeclared,
      };
    }
    return this.flattenSlowly(bytes.toString('utf8'), rowId);
  }

  flattenText(text: string, rowId?: string): FlatLine {
    return this.flattenBytes(Buffer.from(text), rowId);
  }

  private flattenSlowly(text: string, rowId: string | undefined): FlatLine {
    const doc = parseRecord(text);
    const result = flattenDocument(doc, this.plan, rowId);
    if (this.plan.hasValueChecks) checkValues(result.row, this.plan);
    const buffer = Buffer.from(`${encodeFlatRow(result.row)}\n`);
    return {
      buffer,
      start: 0,
      end: buffer.length,
      eventTime: result.eventTime,
      collisions: result.collisions,
      childTables: result.childTables,
      undeclared: result.row.map((cell) => cell.name).filter((name) => !this.plan.isDeclared(name)),
    };
  }
}

/** Fails the record at the first value its declared column would hold only altered, naming the column. */
function checkValues(row: FlatRow, plan: FlattenPlan): void {
  for (const cell of row) {
    try {
      plan.valueCheck(cell.name)?.(cell.value);
    } catch (error) {
      if (!(error instanceof ValueConversionError)) throw error;
      // the reason names the column and the kind of problem, never the value
      const message =
        error.problem === undefined
          ? `Column ${error.column}: ${error.expected} value is not one the column holds exactly`
          : error.message;
      throw new RecordDecodeError(DecodeFailure.value, message, { cause: error });
    }
  }
}

/** Parses a record that must be a JSON object, with the reason as a typed error otherwise. */
export function parseRecord(text: string): JsonObject {
  let doc: unknown;
  try {
    doc = parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      throw new RecordDecodeError(DecodeFailure.json, `Invalid JSON: ${error.message}`, { cause: error });
    }
    throw error;
  }
  if (!(doc instanceof JsonObject)) {
    const kind = Array.isArray(doc)
      ? 'an array'
      : doc === null
        ? 'null'
        : `a ${typeof doc === 'object' ? 'number' : typeof doc}`;
    throw new RecordDecodeError(DecodeFailure.notObject, `Record is ${kind}, not a JSON object`);
  }
  return doc;
}

function decodeScalar(bytes: Buffer, start: number, end: number): FlatValue {
  const first = bytes[start];
  if (first === 0x22) {
    return bytes.indexOf(0x5c, start) < 0 || bytes.indexOf(0x5c, start) >= end
      ? bytes.toString('utf8', start + 1, end - 1)
      : (JSON.parse(bytes.toString('utf8', start, end)) as string);
  }
  if (first === 0x74) return true;
  if (first === 0x66) return false;
  if (first === 0x6e) return null;
  return new JsonNumber(bytes.toString('latin1', start, end));
}
