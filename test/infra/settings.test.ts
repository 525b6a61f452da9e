import { readStackSettings } from '../../src/infra/settings';
import { ConfigError } from '../../src/lib/config/reader';

const settings = (extra: Record<string, unknown>, now?: number) =>
  readStackSettings({ service: 'tributary', stage: 'prod', ...extra }, now);
const NOW = Date.UTC(2026, 10, 21, 8, 30);

describe('lakeStartDate', () => {
  it('defaults to the first day every stage has served so far', () => {
    expect(settings({}, NOW).lakeStartDate).toBe('2024-01-01');
  });

  it('accepts any day up to today (UTC)', () => {
    expect(settings({ lakeStartDate: '2026-11-21' }, NOW).lakeStartDate).toBe('2026-11-21');
  });

  it.each([
    ['2026-11-22', 'is after today (2026-11-21 UTC)'],
    ['2024-02-30', 'is not a day of the calendar'],
    ['01/02/2024', 'must be a day as YYYY-MM-DD'],
  ])('refuses %s, which would leave data where partition projection never serves it', (day, message) => {
    expect(() => settings({ lakeStartDate: day }, NOW)).toThrow(ConfigError);
    expect(() => settings({ lakeStartDate: day }, NOW)).toThrow(message);
  });
});
