import { canonicalIsoToMillis, isCalendarDay } from './value-text';

/** A flat value as it comes from flattening: text, a boolean, null, or a JSON number kept as its text. */
type FlatValue = string | boolean | null | { readonly raw: string };

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DIGITS = /^-?\d+(\.\d+)?$/;
const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Reads a timestamp as epoch milliseconds: ISO-8601 text (no zone means UTC) or an epoch number
 * in seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude. Anything else is
 * undefined (an event time then falls back to the arrival time).
 */
export function timestampMillis(value: FlatValue | undefined): number | undefined {
  if (value === undefined || value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'string') {
    const canonical = canonicalIsoToMillis(value);
    if (canonical !== undefined) return canonical;
  }
  const text = typeof value === 'string' ? value.trim() : value.raw;
  let ms: number | undefined;
  if (DIGITS.test(text)) {
    ms = epochToMillis(Number(text));
  } else if (typeof value === 'string') {
    ms = isoToMillis(text);
  }
  return ms !== undefined && ms >= MIN_MS && ms <= MAX_MS ? ms : undefined;
}

function epochToMillis(epoch: number): number | undefined {
  if (!Number.isFinite(epoch)) return undefined;
  const magnitude = Math.abs(epoch);
  if (magnitude < 1e11) return Math.round(epoch * 1000);
  if (magnitude < 1e14) return Math.round(epoch);
  if (magnitude < 1e17) return Math.round(epoch / 1000);
  return Math.round(epoch / 1e6);
}

function isoToMillis(text: string): number | undefined {
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const ms = fraction ? fraction.slice(1, 4).padEnd(3, '0') : '000';
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : normalizeOffset(zone);
  const parsed = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${ms}${offset}`);
  if (Number.isNaN(parsed)) return undefined;
  // Date.parse rolls 2024-02-30 over into March; a date that does not exist is not an event time
  return isCalendarDay(Number(year), Number(month), Number(day)) ? parsed : undefined;
}

function normalizeOffset(zone: string): string {
  const digits = zone.slice(1).replace(':', '').padEnd(4, '0');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4)}`;
}

/**
 * How a timestamp column reads a value. `exact`: the lake's own writer (s3Flatten), which stores
 * milliseconds and so takes only values it holds exactly. `firehose`: Firehose's format conversion
 * as the stack configures it (the Hive JSON SerDe with the Joda-Time formats of `src/infra/firehose.ts`
 * and `millis`), which reads ISO text with up to 9 fraction digits; Athena reads its timestamps to
 * the millisecond, so the local conversion keeps the first three fraction digits. Epoch seconds
 * stay read by magnitude locally, as `timestampMillis` reads them.
 */
export const TimestampReading = {
  exact: 'exact',
  firehose: 'firehose',
} as const;
export type TimestampReading = (typeof TimestampReading)[keyof typeof TimestampReading];

/** Why a value does not go into a timestamp column (the value itself is not repeated). */
export const TimestampProblem = {
  unreadable: 'is not a timestamp between 1970 and 9999',
  subMillisecond: 'has digits finer than milliseconds, which a timestamp column cannot hold',
  notFirehoseForm:
    'is not a timestamp form Firehose reads (ISO-8601 with at most 9 fraction digits, or epoch milliseconds)',
} as const;
export type TimestampProblem = (typeof TimestampProblem)[keyof typeof TimestampProblem];

const FRACTION = /\.(\d+)/;
const EPOCH_TEXT = /^(\d+)(?:\.(\d+))?$/;
/** Firehose's timestamp parsers (Joda-Time fractions, java.sql.Timestamp) read at most nine fraction digits. */
const MAX_FIREHOSE_FRACTION_DIGITS = 9;

/**
 * A timestamp column's value as epoch milliseconds, or the problem that keeps it out. Unlike
 * `timestampMillis` (which files records by event time and may round), nothing is rounded here.
 */
export function columnTimestampMillis(
  value: FlatValue | undefined,
  reading: TimestampReading,
): number | TimestampProblem {
  if (typeof value === 'string') {
    const canonical = canonicalIsoToMillis(value);
    if (canonical !== undefined) return canonical;
  }
  if (value === undefined || value === null || typeof value === 'boolean') return TimestampProblem.unreadable;
  const text = typeof value === 'string' ? value.trim() : value.raw;
  const epoch = EPOCH_TEXT.exec(text);
  if (epoch) return epochColumnMillis(epoch[1]!, epoch[2] ?? '', reading);
  if (typeof value !== 'string') return TimestampProblem.unreadable;
  const fraction = FRACTION.exec(text)?.[1] ?? '';
  if (fraction.length > 3) {
    if (reading === TimestampReading.exact && !/^0*$/.test(fraction.slice(3)))
      return TimestampProblem.subMillisecond;
    if (reading === TimestampReading.firehose && fraction.length > MAX_FIREHOSE_FRACTION_DIGITS)
      return TimestampProblem.notFirehoseForm;
  }
  const ms = isoToMillis(text);
  return ms !== undefined && ms >= MIN_MS && ms <= MAX_MS ? ms : TimestampProblem.unreadable;
}

/**
 * Epoch digits told apart by magnitude as `timestampMillis` does, read exactly: seconds and
 * milliseconds always, micro- and nanoseconds only where the lake writer reads them and only when
 * nothing below the millisecond is lost.
 */
function epochColumnMillis(
  whole: string,
  fraction: string,
  reading: TimestampReading,
): number | TimestampProblem {
  const magnitude = Number(whole);
  // digits of `whole.fraction` to the right of the millisecond: 3 for seconds, 0 for milliseconds, ...
  const shift = magnitude < 1e11 ? 3 : magnitude < 1e14 ? 0 : magnitude < 1e17 ? -3 : -6;
  if (shift < 0 && reading === TimestampReading.firehose) return TimestampProblem.notFirehoseForm;
  const digits = `${whole}${fraction}`;
  const point = whole.length + shift;
  const kept = digits.slice(0, Math.max(point, 0)).padEnd(point, '0');
  const dropped = digits.slice(Math.max(point, 0));
  if (/[1-9]/.test(dropped)) {
    if (reading === TimestampReading.exact) return TimestampProblem.subMillisecond;
    if (fraction.length > MAX_FIREHOSE_FRACTION_DIGITS) return TimestampProblem.notFirehoseForm;
  }
  const ms = Number(kept === '' ? '0' : kept);
  return ms >= MIN_MS && ms <= MAX_MS ? ms : TimestampProblem.unreadable;
}
