import type { ColumnKind } from '../column-kind';
import { timestampMillis } from '../time';
import { dayProblemAt } from '../value-text';

export interface DateColumn {
  readonly kind: 'date';
}

const DATE: DateColumn = { kind: 'date' };
const DAY_MS = 86_400_000;

export const dateKind: ColumnKind<DateColumn> = {
  kind: 'date',
  spelling: 'date',
  parse: (text) => (text === 'date' ? DATE : undefined),
  format: () => 'date',
  glueType: () => 'date',
  duckDbType: () => 'DATE',
  fromDuckDbType: (duckType) => (duckType === 'DATE' ? DATE : undefined),
  athenaResult: () => ({ type: 'date', precision: 0, scale: 0 }),
  athenaResultNames: ['date'],
  fromAthenaResult: () => DATE,
  parquetElement: () => ({ type: 'INT32', converted_type: 'DATE' }),
  converter: (_, { fail }) => {
    const bad = fail('date');
    return (value) => {
      const ms = typeof value === 'string' ? timestampMillis(value) : undefined;
      return ms === undefined ? bad(value) : Math.floor(ms / DAY_MS);
    };
  },
  firehoseChecks: 'none',
  plainNumberLimit: () => undefined,
  loaderCheck: () => (value) => {
    const problem = value.length === 10 ? dayProblemAt(value) : 'format';
    if (problem === 'format') return 'not a date (YYYY-MM-DD)';
    return problem === 'day' ? 'not a day of the calendar' : undefined;
  },
  sample: (_, { dayStart }) => new Date(dayStart).toISOString().slice(0, 10),
};
