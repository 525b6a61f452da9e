import { timestampMillis } from '../../../src/lib/columns/time';
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

  it.each([[true], [null], [undefined], [new JsonNumber('-1')], [new JsonNumber('1e400')]])(
    'rejects %p',
    (value) => {
      expect(timestampMillis(value)).toBeUndefined();
    },
  );
});
