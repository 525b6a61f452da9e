/**
 * Runs a month of the daily pipeline's EventBridge schedule (`pipelineSchedule`): `rate(...)` or a
 * `cron(...)` whose minutes and hours are numbers or comma lists and whose days are every day.
 * Anything else is not guessed at: the caller says the schedule could not be read.
 */
const UNIT_MINUTES: Record<string, number> = {
  minute: 1,
  minutes: 1,
  hour: 60,
  hours: 60,
  day: 1440,
  days: 1440,
};

export function runsPerMonth(schedule: string, days = 30): number | undefined {
  const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(schedule.trim());
  if (rate) {
    const every = Number(rate[1]) * UNIT_MINUTES[rate[2]!]!;
    return every > 0 ? Math.floor((days * 1440) / every) : undefined;
  }
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(schedule.trim());
  if (!cron) return undefined;
  const [, minutes, hours, dayOfMonth, month, dayOfWeek] = cron;
  const list = (field: string, max: number) =>
    /^\d+(,\d+)*$/.test(field) && field.split(',').every((n) => Number(n) <= max)
      ? field.split(',').length
      : undefined;
  const everyDay =
    (dayOfMonth === '*' || dayOfMonth === '?') && month === '*' && (dayOfWeek === '?' || dayOfWeek === '*');
  const perHour = list(minutes!, 59);
  const perDay = list(hours!, 23);
  if (!everyDay || perHour === undefined || perDay === undefined) return undefined;
  return perHour * perDay * days;
}
