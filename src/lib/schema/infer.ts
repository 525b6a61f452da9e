import type { ColumnSpec, ColumnType } from '../columns/column-types';
import { timestampMillis } from '../columns/time';
import type { FlatRow, FlatValue } from '../flattening/flatten';
import { JsonNumber } from '../flattening/json-value';

/** What the values of one column looked like across the samples. */
interface Evidence {
  strings: number;
  timestamps: number;
  dates: number;
  booleans: number;
  integers: number;
  /** Largest integer magnitude seen, as digits. */
  widestInteger: number;
  /** Integers in the range of epoch seconds or milliseconds between 2001 and 2100. */
  epochIntegers: number;
  decimals: number;
  /** Largest digits before and after the point among exact decimals. */
  integerDigits: number;
  scale: number;
  /** Decimals too long for a double to hold exactly. */
  longDecimals: number;
  nulls: number;
  json: number;
  firstSeen: number;
}

export interface InferredColumn extends ColumnSpec {
  /** Records that had a value for the column. */
  readonly seen: number;
  /** Set when values of different kinds were seen; the type is then the one that holds them all. */
  readonly conflict: string | undefined;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
const DECIMAL_TEXT = /^-?(\d+)(?:\.(\d+))?$/;
const INT64 = 2n ** 63n;
/** Last name segments that say a column holds a point in time (`updated_at`, `event_time`, `ts`). */
const TIME_NAME = /(^|_)(at|time|timestamp|ts|datetime)$/;
const EPOCH_SECONDS = [1e9, 4.1e9] as const;
const EPOCH_MILLISECONDS = [1e12, 4.1e12] as const;

function isEpoch(raw: string): boolean {
  const value = Number(raw);
  return (
    (value >= EPOCH_SECONDS[0] && value <= EPOCH_SECONDS[1]) ||
    (value >= EPOCH_MILLISECONDS[0] && value <= EPOCH_MILLISECONDS[1])
  );
}

function empty(order: number): Evidence {
  return {
    strings: 0,
    timestamps: 0,
    dates: 0,
    booleans: 0,
    integers: 0,
    widestInteger: 0,
    epochIntegers: 0,
    decimals: 0,
    integerDigits: 0,
    scale: 0,
    longDecimals: 0,
    nulls: 0,
    json: 0,
    firstSeen: order,
  };
}

function observe(evidence: Evidence, value: FlatValue): void {
  if (value === null) {
    evidence.nulls++;
  } else if (typeof value === 'boolean') {
    evidence.booleans++;
  } else if (value instanceof JsonNumber) {
    const decimal = DECIMAL_TEXT.exec(value.raw);
    if (decimal && decimal[2] === undefined) {
      evidence.integers++;
      evidence.widestInteger = Math.max(evidence.widestInteger, value.raw.replace('-', '').length);
      if (isEpoch(value.raw)) evidence.epochIntegers++;
      if (BigInt(value.raw) >= INT64 || BigInt(value.raw) < -INT64) evidence.longDecimals++;
    } else {
      evidence.decimals++;
      const digits = (decimal?.[1] ?? '').replace(/^0+/, '').length;
      evidence.integerDigits = Math.max(evidence.integerDigits, digits);
      evidence.scale = Math.max(evidence.scale, decimal?.[2]?.length ?? 0);
      if (!decimal || digits + (decimal[2]?.length ?? 0) > 15) evidence.longDecimals++;
    }
  } else if (/^[[{]/.test(value)) {
    evidence.json++;
  } else if (DATE.test(value)) {
    evidence.dates++;
  } else if (ISO_TIME.test(value) && timestampMillis(value) !== undefined) {
    evidence.timestamps++;
  } else {
    evidence.strings++;
  }
}

/**
 * A column named as a point in time whose values are all ISO text or epoch seconds or milliseconds
 * (or only ever null) is a timestamp: the Parquet conversion and `schema diff` read all of these.
 * Numbers alone are not enough: an id can be as large as an epoch in milliseconds.
 */
function isTimestampColumn(name: string, evidence: Evidence): boolean {
  if (!TIME_NAME.test(name.split('__').at(-1) ?? name)) return false;
  const other = evidence.strings + evidence.json + evidence.dates + evidence.booleans + evidence.decimals;
  return other === 0 && evidence.epochIntegers === evidence.integers;
}

/** The narrowest type that holds every value seen, and what disagreed, if anything. */
function decide(name: string, evidence: Evidence): { type: ColumnType; conflict: string | undefined } {
  if (isTimestampColumn(name, evidence)) return { type: { kind: 'timestamp' }, conflict: undefined };
  const kinds: Array<[string, number]> = [
    ['string', evidence.strings + evidence.json],
    ['timestamp', evidence.timestamps],
    ['date', evidence.dates],
    ['boolean', evidence.booleans],
    ['number', evidence.integers + evidence.decimals],
  ];
  const present = kinds.filter(([, count]) => count > 0);
  const conflict =
    present.length > 1 && !(present.length === 2 && evidence.dates > 0 && evidence.timestamps > 0)
      ? present.map(([kind, count]) => `${kind} (${count})`).join(' and ')
      : undefined;
  if (present.length === 0) return { type: { kind: 'string' }, conflict: undefined };
  if (conflict || evidence.strings + evidence.json > 0) return { type: { kind: 'string' }, conflict };
  if (evidence.timestamps > 0) return { type: { kind: 'timestamp' }, conflict };
  if (evidence.dates > 0) return { type: { kind: 'date' }, conflict };
  if (evidence.booleans > 0) return { type: { kind: 'boolean' }, conflict };
  if (evidence.decimals === 0) {
    if (evidence.longDecimals > 0) return { type: { kind: 'decimal', precision: 38, scale: 0 }, conflict };
    return { type: { kind: evidence.widestInteger <= 9 ? 'int' : 'bigint' }, conflict };
  }
  if (evidence.longDecimals === 0) return { type: { kind: 'double' }, conflict };
  const scale = Math.min(evidence.scale, 37);
  return { type: { kind: 'decimal', precision: 38, scale }, conflict };
}

/**
 * Infers a table's columns from flattened rows, one row at a time so samples of any size fit:
 * names in first-seen order (key columns first when given), types from the values (ISO text
 * becomes timestamp or date, and so do epoch numbers in a column named as a time, integers int or bigint, integers beyond 64 bits and long decimals
 * exact decimals), and values of different kinds reported as a conflict.
 */
export class SchemaInference {
  private readonly evidence = new Map<string, Evidence>();

  add(row: FlatRow): void {
    for (const cell of row) {
      let evidence = this.evidence.get(cell.name);
      if (!evidence) {
        evidence = empty(this.evidence.size);
        this.evidence.set(cell.name, evidence);
      }
      observe(evidence, cell.value);
    }
  }

  columns(keys: readonly string[] = []): InferredColumn[] {
    const rank = (name: string, evidence: Evidence) => {
      const key = keys.indexOf(name);
      return key >= 0 ? key - keys.length : evidence.firstSeen;
    };
    return [...this.evidence]
      .sort(([a, x], [b, y]) => rank(a, x) - rank(b, y))
      .map(([name, evidence]) => {
        const { type, conflict } = decide(name, evidence);
        const seen =
          evidence.strings +
          evidence.timestamps +
          evidence.dates +
          evidence.booleans +
          evidence.integers +
          evidence.decimals +
          evidence.json;
        return { name, type, seen, conflict };
      });
  }
}

export function inferColumns(rows: Iterable<FlatRow>, keys: readonly string[] = []): InferredColumn[] {
  const inference = new SchemaInference();
  for (const row of rows) inference.add(row);
  return inference.columns(keys);
}
