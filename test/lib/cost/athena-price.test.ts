import { billedScanBytes, formatBytes, formatDollars, scanDollars } from '../../../src/lib/cost/athena-price';

describe('billedScanBytes', () => {
  it.each([
    [0, 0],
    [1, 10_000_000],
    [9_999_999, 10_000_000],
    [10_000_000, 10_000_000],
    [10_000_001, 11_000_000],
    [123_456_789, 124_000_000],
    [1e12, 1e12],
  ])(
    'bills %i scanned bytes as %i: whole megabytes rounded up, at least 10 MB per query',
    (scanned, billed) => {
      expect(billedScanBytes(scanned)).toBe(billed);
    },
  );

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %p scanned bytes', (scanned) => {
    expect(() => billedScanBytes(scanned)).toThrow(RangeError);
  });
});

describe('scanDollars', () => {
  it.each([
    [1e12, 5],
    [10_000_000, 0.00005],
    [0, 0],
  ])('charges %i billed bytes at $5 per terabyte: $%d', (billed, dollars) => {
    expect(scanDollars(billed)).toBeCloseTo(dollars, 12);
  });
});

describe('formatting', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [10_000_000, '10.0 MB'],
    [1_234_567_890, '1.23 GB'],
  ])('shows %i bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([
    [0.00005, '$0.000050'],
    [12.345, '$12.35'],
  ])('shows %d dollars as %s', (dollars, text) => {
    expect(formatDollars(dollars)).toBe(text);
  });
});
