import { digitsAt } from './digits';

/** The one calendar every date and timestamp reader (lake writer, loader checks) goes by. */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const MINUS = 0x2d;

/**
 * Whether `year-month-day` is a day of the proleptic Gregorian calendar. Years 0-99 count as
 * 1900-1999, as JavaScript's Date.UTC reads them: so year 0 is no leap year, which is also what
 * MySQL says of it.
 */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (month !== 2) return day <= DAYS_IN_MONTH[month - 1]!;
  const fullYear = year < 100 ? year + 1900 : year;
  const leap = (fullYear % 4 === 0 && fullYear % 100 !== 0) || fullYear % 400 === 0;
  return day <= (leap ? 29 : 28);
}

/** What is wrong with the `YYYY-MM-DD` at the start of `text`: its writing, the day itself, or nothing. */
export function dayProblemAt(text: string): 'format' | 'day' | undefined {
  if (text.charCodeAt(4) !== MINUS || text.charCodeAt(7) !== MINUS) return 'format';
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 0 || day < 0) return 'format';
  return isCalendarDay(year, month, day) ? undefined : 'day';
}
