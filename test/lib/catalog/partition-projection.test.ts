import fc from 'fast-check';
import { dayProjection, HOUR_PROJECTION } from '../../../src/lib/catalog/catalog';
import { ProjectionError, projectedObjectFilter } from '../../../src/lib/catalog/partition-projection';

const LOCATION = 's3://lake/lake/clickstream/';
const NOW = new Date(Date.UTC(2026, 10, 21, 12, 30));
const hourly = {
  ...dayProjection('2026-01-01', `${LOCATION}dt=\${dt}/hour=\${hour}/`),
  ...HOUR_PROJECTION,
};
const served = projectedObjectFilter(hourly, ['dt', 'hour'], LOCATION)!;

describe('projectedObjectFilter', () => {
  it.each([
    ['dt=2026-01-01/hour=00/a.parquet', true],
    ['dt=2026-11-21/hour=23/a.parquet', true],
    ['dt=2026-11-21/hour=23/deeper/a.parquet', true],
    ['dt=2025-12-31/hour=00/a.parquet', false],
    ['dt=2026-11-22/hour=00/a.parquet', false],
    ['dt=2026-11-5/hour=00/a.parquet', false],
    ['dt=2026-02-29/hour=00/a.parquet', false],
    ['dt=20261120/hour=00/a.parquet', false],
    ['dt=2026-11-20/hour=7/a.parquet', false],
    ['dt=2026-11-20/hour=-1/a.parquet', false],
    ['dt=2026-11-20/a.parquet', false],
    ['a.parquet', false],
  ])('serves %s: %s', (key, expected) => {
    expect(served(`${LOCATION}${key}`, NOW)).toBe(expected);
  });

  it('serves every day from the range start to today, and none after, at any hour', () => {
    const start = Date.UTC(2026, 0, 1);
    fc.assert(
      fc.property(fc.integer({ min: -400, max: 700 }), fc.integer({ min: 0, max: 23 }), (offset, hour) => {
        const day = new Date(start + offset * 86_400_000).toISOString().slice(0, 10);
        const key = `${LOCATION}dt=${day}/hour=${String(hour).padStart(2, '0')}/x.parquet`;
        expect(served(key, NOW)).toBe(day >= '2026-01-01' && day <= '2026-11-21');
      }),
    );
  });

  it('serves a day only as yyyy-MM-dd spells a real date', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2026, max: 2026 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.boolean(),
        (year, month, day, padded) => {
          const two = (n: number) => (padded ? String(n).padStart(2, '0') : String(n));
          const dt = `${year}-${two(month)}-${two(day)}`;
          const time = Date.UTC(year, month - 1, day);
          const real =
            month >= 1 && month <= 12 && day >= 1 && new Date(time).getUTCDate() === day && dt.length === 10;
          const expected = real && time <= Date.UTC(2026, 10, 21);
          expect(served(`${LOCATION}dt=${dt}/hour=00/x.parquet`, NOW)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('moves a range ending at NOW with the clock, and reads NOW offsets', () => {
    const recent = projectedObjectFilter(
      { ...hourly, 'projection.dt.range': 'NOW-2DAYS,NOW' },
      ['dt', 'hour'],
      LOCATION,
    )!;
    const at = (day: string) => `${LOCATION}dt=${day}/hour=00/x.parquet`;
    expect(['2026-11-18', '2026-11-19', '2026-11-21', '2026-11-22'].map((d) => recent(at(d), NOW))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(recent(at('2026-11-22'), new Date(Date.UTC(2026, 10, 22)))).toBe(true);
  });

  it('uses Hive-style folders below the location when there is no template', () => {
    const { 'storage.location.template': _template, ...parameters } = hourly;
    const hive = projectedObjectFilter(parameters, ['dt', 'hour'], 's3://lake/t')!;
    expect(hive('s3://lake/t/dt=2026-11-20/hour=01/x', NOW)).toBe(true);
    expect(hive('s3://lake/t/2026-11-20/01/x', NOW)).toBe(false);
  });

  it('is undefined for a table without projection', () => {
    expect(projectedObjectFilter({}, ['dt'], LOCATION)).toBeUndefined();
    expect(projectedObjectFilter({ 'projection.enabled': 'false' }, ['dt'], LOCATION)).toBeUndefined();
  });

  it.each([
    [{ 'projection.dt.format': 'yyyy-MM-dd EEE' }, /EEE/],
    [{ 'projection.dt.range': '2026-01-01' }, /range/],
    [{ 'projection.dt.interval.unit': 'MONTHS' }, /MONTHS/],
    [{ 'projection.hour.type': 'list' }, /not a projection type/],
  ])('refuses a projection it cannot apply exactly: %o', (override, message) => {
    expect(() => projectedObjectFilter({ ...hourly, ...override }, ['dt', 'hour'], LOCATION)).toThrow(
      ProjectionError,
    );
    expect(() => projectedObjectFilter({ ...hourly, ...override }, ['dt', 'hour'], LOCATION)).toThrow(
      message,
    );
  });
});
