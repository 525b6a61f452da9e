import { readConfig } from '../config/reader';
import { dateLiteral, SqlTemplateError } from '../transforms/sql-template';
import type { RecomputedDay } from './late-data';

/**
 * What a pipeline execution is asked to do. The schedule starts it with `{}`: yesterday (UTC),
 * with exports. By hand: `{"date": "2026-11-20"}` re-runs a day; `{"from": …, "to": …}`
 * backfills a range; `"exports": false` skips the exports, `"transforms": [...]` runs only some.
 */
export interface RunInput {
  readonly from: string;
  readonly to: string;
  readonly exports: boolean;
  /** Transforms to run, or undefined for all of them. */
  readonly transforms: readonly string[] | undefined;
  readonly loads: boolean;
}

const DAY_MS = 86_400_000;

/** Whether `value` is a day of the calendar, YYYY-MM-DD. */
export function isDay(value: string): boolean {
  try {
    dateLiteral(value);
    return true;
  } catch (error) {
    if (error instanceof SqlTemplateError) return false;
    throw error;
  }
}

export function yesterday(startTime: string): string {
  const start = Date.parse(startTime);
  if (Number.isNaN(start)) throw new Error(`Execution start time ${JSON.stringify(startTime)} is not a time`);
  return new Date(start - DAY_MS).toISOString().slice(0, 10);
}

/**
 * A run writes the `dt` partitions of its days (transform outputs, the exports under the last
 * day), so every day must be one partition projection serves: from lakeStartDate through the day
 * the execution started (UTC). A day outside would be written where no query ever reads it.
 */
export function readRunInput(
  input: unknown,
  startTime: string,
  knownTransforms: readonly string[],
  lakeStartDate: string,
): RunInput {
  return readConfig('pipeline execution input', input ?? {}, (root) => {
    root.object(['date', 'from', 'to', 'exports', 'transforms', 'loads']);
    const day = { pattern: /^\d{4}-\d{2}-\d{2}$/, patternHint: 'a day, YYYY-MM-DD' };
    const date = root.field('date').optionalString(day);
    const from = root.field('from').optionalString(day);
    const to = root.field('to').optionalString(day);
    for (const [name, value] of Object.entries({ date, from, to })) {
      if (value !== undefined && !isDay(value))
        root.field(name).problem(`${value} is not a day of the calendar`);
    }
    if (date !== undefined && (from !== undefined || to !== undefined))
      root.problem('give either date, or from and to');
    if ((from === undefined) !== (to === undefined)) root.problem('a range needs both from and to');
    if (from !== undefined && to !== undefined && from > to)
      root.problem(`from (${from}) is after to (${to})`);
    const transforms = root.field('transforms').present ? root.field('transforms').stringList() : undefined;
    for (const name of transforms ?? []) {
      if (!knownTransforms.includes(name))
        root.field('transforms').problem(`${name} is not a transform of the pipeline`);
    }
    const single = date ?? yesterday(startTime);
    const today = new Date(Date.parse(startTime)).toISOString().slice(0, 10);
    const first = from ?? single;
    const last = to ?? single;
    // the schedule gives no day: its problem is the execution's, not a field's
    const where = (field: 'from' | 'to') =>
      date !== undefined ? root.field('date') : from !== undefined ? root.field(field) : root;
    if (first < lakeStartDate)
      where('from').problem(
        `${first} is before lakeStartDate ${lakeStartDate}: partition projection never serves it, so nothing the run wrote would be visible`,
      );
    if (last > today)
      where('to').problem(
        `${last} is after today (${today} UTC): partition projection does not serve it yet, and there is no data for it`,
      );
    return {
      from: first,
      to: last,
      exports: root.field('exports').boolean(true),
      transforms,
      loads: root.field('loads').boolean(true),
    };
  });
}

/** What the `Plan transform` state sends: one transform of the run, by name. */
export interface TransformRunRequest {
  readonly transform: string;
  /** The execution name, as the run's plan has it. */
  readonly runId: string;
  readonly from: string;
  readonly to: string;
  /** The plan's recomputed days (of every transform); absent in requests from before late data. */
  readonly recomputed?: readonly RecomputedDay[];
}

export function readTransformRunRequest(
  event: unknown,
  knownTransforms: readonly string[],
): TransformRunRequest {
  return readConfig('transform run request', event, (root) => {
    root.object(['transform', 'runId', 'from', 'to', 'recomputed']);
    const day = { pattern: /^\d{4}-\d{2}-\d{2}$/, patternHint: 'a day, YYYY-MM-DD' };
    const transform = root.field('transform').string();
    if (transform && !knownTransforms.includes(transform))
      root.field('transform').problem(`${transform} is not a transform of the pipeline`);
    return {
      transform,
      runId: root.field('runId').string(),
      from: root.field('from').string(day),
      to: root.field('to').string(day),
      recomputed: root.field('recomputed').list((item) => {
        item.object(['transform', 'day', 'reason']);
        return {
          transform: item.field('transform').string(),
          day: item.field('day').string(day),
          reason: item.field('reason').string(),
        };
      }),
    };
  });
}
