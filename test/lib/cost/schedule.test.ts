import { runsPerMonth } from '../../../src/lib/cost/schedule';

describe('runs a month of the pipeline schedule', () => {
  it.each([
    ['cron(30 1 * * ? *)', 30],
    ['cron(0 1,13 * * ? *)', 60],
    ['rate(1 day)', 30],
    ['rate(12 hours)', 60],
    ['rate(30 minutes)', 1440],
    ['cron(0 1 ? * MON-FRI *)', undefined],
    ['cron(0/15 * * * ? *)', undefined],
    ['at(2026-12-01T00:00:00)', undefined],
  ])('%s runs %p times', (schedule, runs) => {
    expect(runsPerMonth(schedule)).toBe(runs);
  });
});
