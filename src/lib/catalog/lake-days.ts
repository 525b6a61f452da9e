/**
 * The days the lake serves. Every day-partitioned table projects `dt` from the stage's
 * `lakeStartDate` to `NOW`; Athena generates those days in UTC when a query runs, both ends
 * included. NOW only moves forward, so a partition written on a day from lakeStartDate through
 * today (UTC) is visible to every query from then on, and one written anywhere else is not: before
 * lakeStartDate never, after today not until that day comes. Writers file by this rule, the
 * catalog projects by it, and both read lakeStartDate from the same stage param.
 */

/** The first day served when a stage's `lakeStartDate` param is not set. */
export const DEFAULT_LAKE_START_DATE = '2024-01-01';

export const LAKE_START_DATE = {
  pattern: /^\d{4}-\d{2}-\d{2}$/,
  patternHint: 'a day as YYYY-MM-DD',
} as const;

const DAY_MS = 86_400_000;

/**
 * What is wrong with a lakeStartDate at `nowMs`, if anything: it must be a calendar day, and not
 * after today, or even data filed by arrival time would wait unserved until that day.
 */
export function lakeStartDateProblem(day: string, nowMs: number): string | undefined {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day)
    return `${day} is not a day of the calendar`;
  const today = new Date(nowMs).toISOString().slice(0, 10);
  if (day > today)
    return `${day} is after today (${today} UTC): partition projection would serve no day until then`;
  return undefined;
}

/** `projection.dt.range` of every day-partitioned table. */
export function projectedDayRange(lakeStartDate: string): string {
  return `${lakeStartDate},NOW`;
}

/** Served times at `nowMs`, as epoch milliseconds: `from` inclusive, `until` (tomorrow 00:00 UTC) exclusive. */
export interface ServedTimes {
  readonly from: number;
  readonly until: number;
}

export function servedTimes(lakeStartDate: string, nowMs: number): ServedTimes {
  const from = Date.parse(`${lakeStartDate}T00:00:00Z`);
  if (Number.isNaN(from)) throw new RangeError(`lakeStartDate ${JSON.stringify(lakeStartDate)} is not a day`);
  return { from, until: Math.floor(nowMs / DAY_MS) * DAY_MS + DAY_MS };
}

export function isServed(ms: number, served: ServedTimes): boolean {
  return ms >= served.from && ms < served.until;
}
