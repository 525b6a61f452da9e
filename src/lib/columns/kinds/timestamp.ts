import { dayProblemAt } from '../calendar';
import type { ColumnKind, LoaderValueCheck } from '../column-kind';
import { digitsAt, onlyZeros, skipDigits } from '../digits';
import { JsonNumber } from '../json-number';
import { columnTimestampMillis, TimestampProblem } from '../time';

export interface TimestampColumn {
  readonly kind: 'timestamp';
}

const TIMESTAMP: TimestampColumn = { kind: 'timestamp' };
const MS_PER_DAY = 86_400_000;

/** Athena's timestamps have millisecond precision, and so do the columns the loader declares. */
const FRACTION_DIGITS = 3;
const SPACE = 0x20;
const LETTER_T = 0x54;
const COLON = 0x3a;
const DOT = 0x2e;

/** Athena's text of a timestamp, `YYYY-MM-DD HH:MM:SS[.fff]`, that a database stores as it is. */
const loaderCheck: LoaderValueCheck = (value) => {
  const length = value.length;
  const separator = value.charCodeAt(10);
  let problem =
    length < 19 ||
    (separator !== SPACE && separator !== LETTER_T) ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON
      ? 'format'
      : dayProblemAt(value);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if (hour < 0 || minute < 0 || second < 0) problem = 'format';
  if (length > 19 && (value.charCodeAt(19) !== DOT || length === 20 || skipDigits(value, 20) !== length))
    problem = 'format';
  if (problem === 'format') return 'not a timestamp (YYYY-MM-DD HH:MM:SS.fff)';
  if (problem === 'day') return 'not a day of the calendar';
  if (hour > 23 || minute > 59 || second > 59) {
    return 'not a time of day (a database would move it to another time)';
  }
  if (length - 20 > FRACTION_DIGITS && !onlyZeros(value, 20 + FRACTION_DIGITS, length)) {
    return 'more precise than milliseconds; it would be rounded';
  }
  return undefined;
};

export const timestampKind: ColumnKind<TimestampColumn> = {
  kind: 'timestamp',
  spelling: 'timestamp',
  parse: (text) => (text === 'timestamp' ? TIMESTAMP : undefined),
  format: () => 'timestamp',
  glueType: () => 'timestamp',
  duckDbType: () => 'TIMESTAMP',
  fromDuckDbType: (duckType) => (duckType === 'TIMESTAMP' ? TIMESTAMP : undefined),
  athenaResult: () => ({ type: 'timestamp', precision: 0, scale: 0 }),
  athenaResultNames: ['timestamp'],
  fromAthenaResult: () => TIMESTAMP,
  // UTC instants stored as Athena's `timestamp` (no zone), millisecond precision
  parquetElement: () => ({
    type: 'INT64',
    converted_type: 'TIMESTAMP_MILLIS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' },
  }),
  converter: (_, { fail, problem, timestamps }) => {
    const bad = fail('timestamp');
    return (value) => {
      if (typeof value !== 'string' && typeof value !== 'number' && !(value instanceof JsonNumber))
        return bad(value);
      const ms = columnTimestampMillis(
        typeof value === 'number' ? new JsonNumber(String(value)) : value,
        timestamps,
      );
      if (typeof ms === 'number') return BigInt(ms);
      return ms === TimestampProblem.unreadable ? bad(value) : problem('timestamp', ms);
    };
  },
  firehoseChecks: 'none',
  plainNumberLimit: () => undefined,
  loaderCheck: () => loaderCheck,
  // spread over the run's day, one slot per record
  sample: (_, { index, count, dayStart, random }) => {
    const spacing = MS_PER_DAY / Math.max(count, 1);
    return new Date(dayStart + Math.floor(index * spacing + random.next() * spacing)).toISOString();
  },
};
