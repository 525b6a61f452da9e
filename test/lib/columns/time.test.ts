import fc from 'fast-check';
import {
  columnTimestampMillis,
  TimestampProblem,
  TimestampReading,
  timestampMillis,
} from '../../../src/lib/columns/time';
import { JsonNumber } from '../../../src/lib/flattening/json-value';

describe('timestampMillis', () => {
  it.each([
    ['2026-11-20T09:15:02.120Z', Date.UTC(2026, 10, 20, 9, 15, 2, 120)],
    ['2026-11-20T09:15:02Z', Date.UTC(2026, 10, 20, 9, 15, 2)],
    ['2026-11-20T18:15:02+09:00', Date.UTC(2026, 10, 20, 9, 15, 2)],
    ['2026-11-20T18:15:02+0900', Date.UTC(2026, 10, 20, 9, 15, 2)],
    ['2026-11-20 09:15:02', Date.UTC(2026, 10, 20, 9, 15, 2)],
    ['2026-11-20T09:15:02.123456789Z', Date.UTC(2026, 10, 20, 9, 15, 2, 123)],
    ['2026-11-20', Date.UTC(2026, 10, 20)],
    ['1795165200', 1795165200000],
  ])('reads the string %j', (text, expected) => {
    expect(timestampMillis(text)).toBe(expected);
  });

  it.each([
    ['1795165200', 1795165200000],
    ['1795165200123', 1795165200123],
    ['1795165200123456', 1795165200123],
    ['1795165200123456789', 1795165200123],
    ['1795165200.5', 1795165200500],
  ])('reads the epoch number %s by its magnitude', (raw, expected) => {
    expect(timestampMillis(new JsonNumber(raw))).toBe(expected);
  });

  it.each([['yesterday'], ['2026-02-30T00:00:00Z'], ['2026-13-01'], ['2026/11/20'], ['']])(
    'rejects %j so the arrival time is used',
    (text) => {
      expect(timestampMillis(text)).toBeUndefined();
    },
  );

  it.each([['2026-11-20Tab:15:02.120Z'], ['2026-11-20T09:1x:02.120Z'], ['2026-11-20T09:15:0x.120Z']])(
    'rejects %j, a letter where the time has a digit, on the toISOString fast path too',
    (text) => {
      expect(timestampMillis(text)).toBeUndefined();
      expect(columnTimestampMillis(text, TimestampReading.exact)).toBe(TimestampProblem.unreadable);
    },
  );

  it.each([[true], [null], [undefined], [new JsonNumber('-1')], [new JsonNumber('1e400')]])(
    'rejects %p',
    (value) => {
      expect(timestampMillis(value)).toBeUndefined();
    },
  );

  it('reads toISOString text the same on its fast path as on the general one', () => {
    const digits = (count: number) =>
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: count, maxLength: count }).map((d) => d.join(''));
    const field = (count: number, max: number) =>
      fc.oneof(
        digits(count),
        fc.integer({ min: 0, max }).map((n) => String(n).padStart(count, '0')),
      );
    const canonical = fc
      .tuple(
        fc.oneof(field(4, 9999), fc.integer({ min: 1960, max: 2110 }).map(String)),
        field(2, 13),
        field(2, 32),
        field(2, 24),
        field(2, 60),
        field(2, 60),
        digits(3),
      )
      .map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
    fc.assert(
      fc.property(canonical, (text) => {
        // a space instead of the T is the same timestamp to the general path, never the fast one
        expect(timestampMillis(text)).toBe(timestampMillis(text.replace('T', ' ')));
      }),
      { numRuns: 5000 },
    );
    expect(timestampMillis('2024-02-29T23:59:59.999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(timestampMillis('2100-02-29T00:00:00.000Z')).toBeUndefined();
  });
});
