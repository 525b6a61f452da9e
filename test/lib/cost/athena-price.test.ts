import {
  athenaScanPrice,
  billedScanBytes,
  describeScanPrice,
  formatBytes,
  formatDollars,
  LOCAL_PRICE_REGION,
  scanDollars,
} from '../../../src/lib/cost/athena-price';
import { ATHENA_SCAN_BILLING, PRICE_REGIONS, PRICES } from '../../../src/lib/cost/prices';

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
  ])('charges %i billed bytes at us-east-1’s $5 per terabyte: $%d', (billed, dollars) => {
    expect(scanDollars(billed, athenaScanPrice('us-east-1'))).toBeCloseTo(dollars, 12);
  });

  it('charges at the price it is given, not a number of its own', () => {
    const price = { region: 'ap-northeast-1', queryRegion: 'ap-northeast-1', usdPerTB: 7 } as const;
    expect(scanDollars(2e12, price)).toBeCloseTo(14, 12);
  });
});

describe('athenaScanPrice', () => {
  it.each(PRICE_REGIONS)("is the price file's Athena price for %s", (region) => {
    expect(athenaScanPrice(region)).toEqual({
      region,
      queryRegion: region,
      usdPerTB: PRICES[region].athenaPerTBScanned.usd,
    });
    expect(describeScanPrice(athenaScanPrice(region))).toBe(
      `${region}'s $${PRICES[region].athenaPerTBScanned.usd} per TB`,
    );
  });

  it('prices a local run at the local price region, and says a local run has no region', () => {
    expect(athenaScanPrice(null)).toMatchObject({ region: LOCAL_PRICE_REGION, queryRegion: null });
    expect(describeScanPrice(athenaScanPrice(null))).toBe("us-east-1's $5 per TB; a local run has no region");
  });

  it('prices a region the price file lacks at the local price region, saying so rather than failing the run', () => {
    expect(athenaScanPrice('eu-west-1')).toMatchObject({ region: 'us-east-1', queryRegion: 'eu-west-1' });
    expect(describeScanPrice(athenaScanPrice('eu-west-1'))).toBe(
      "us-east-1's $5 per TB; src/lib/cost/prices.ts has no eu-west-1 prices",
    );
  });

  it('bills by the rule the price file states, with its source', () => {
    expect(billedScanBytes(1)).toBe(ATHENA_SCAN_BILLING.minimumBytes);
    expect(billedScanBytes(ATHENA_SCAN_BILLING.minimumBytes + 1)).toBe(
      ATHENA_SCAN_BILLING.minimumBytes + ATHENA_SCAN_BILLING.billingUnitBytes,
    );
    expect(ATHENA_SCAN_BILLING.url).toMatch(/^https:\/\/aws\.amazon\.com\/.*athena\/pricing\/$/);
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
