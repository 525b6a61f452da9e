import type { ColumnKind, LoaderValueCheck } from '../column-kind';
import { JsonNumber } from '../json-number';
import { columnTimestampMillis, TimestampProblem } from '../time';
import { timestampTextProblem } from '../value-text';

export interface TimestampColumn {
  readonly kind: 'timestamp';
}

const TIMESTAMP: TimestampColumn = { kind: 'timestamp' };
const MS_PER_DAY = 86_400_000;

const PROBLEMS = {
  format: 'not a timestamp (YYYY-MM-DD HH:MM:SS.fff)',
  day: 'not a day of the calendar',
  time: 'not a time of day (a database would move it to another time)',
  precision: 'more precise than milliseconds; it would be rounded',
} as const;

/** Athena's text of a timestamp, `YYYY-MM-DD HH:MM:SS[.fff]`, that a database stores as it is. */
const loaderCheck: LoaderValueCheck = (value) => {
  const problem = timestampTextProblem(value);
  return problem === undefined ? undefined : PROBLEMS[problem];
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
