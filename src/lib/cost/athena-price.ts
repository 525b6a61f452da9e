import { ATHENA_SCAN_BILLING, athenaUsdPerTB, isPriceRegion, type PriceRegion } from './prices';

/**
 * What Athena charges for a query's scan, by its published rule: the bytes it scanned, rounded up
 * to the nearest megabyte, at least 10 MB per query, at the region's price per terabyte. The rule
 * and the prices, with their sources, live in the one price file (./prices.ts); this module only
 * applies them to one query or one run.
 */

/** A local run has no AWS region: its dollars are at this region's price, and say so. */
export const LOCAL_PRICE_REGION: PriceRegion = 'us-east-1';

/** The price a run's dollars are at, and where it comes from. */
export interface AthenaScanPrice {
  /** The region whose price this is (a region of ./prices.ts). */
  readonly region: PriceRegion;
  /** The region the queries ran in; null for a local run. */
  readonly queryRegion: string | null;
  /** US dollars per terabyte (10^12 bytes) billed. */
  readonly usdPerTB: number;
}

/**
 * The Athena price for queries run in `queryRegion` (null: a local run). A region the price file
 * has no prices for is priced as LOCAL_PRICE_REGION, and the price says so: a run is never stopped
 * for want of a price.
 */
export function athenaScanPrice(queryRegion: string | null): AthenaScanPrice {
  const region = queryRegion !== null && isPriceRegion(queryRegion) ? queryRegion : LOCAL_PRICE_REGION;
  return { region, queryRegion, usdPerTB: athenaUsdPerTB(region) };
}

/** Which region's price a run's dollars are at, in words: `us-east-1's $5 per TB`, and why when it is not the run's own. */
export function describeScanPrice(price: AthenaScanPrice): string {
  const at = `${price.region}'s $${price.usdPerTB} per TB`;
  if (price.queryRegion === null) return `${at}; a local run has no region`;
  if (price.queryRegion !== price.region)
    return `${at}; src/lib/cost/prices.ts has no ${price.queryRegion} prices`;
  return at;
}

/**
 * The bytes Athena bills for a query that scanned `scannedBytes` (Statistics.DataScannedInBytes):
 * rounded up to a whole megabyte, and no less than the 10 MB minimum. A query that scanned nothing
 * (DDL, a query Athena answered from metadata) is not billed.
 */
export function billedScanBytes(scannedBytes: number): number {
  if (!Number.isFinite(scannedBytes) || scannedBytes < 0) {
    throw new RangeError(`Scanned bytes must be a non-negative number, not ${scannedBytes}`);
  }
  if (scannedBytes === 0) return 0;
  const { billingUnitBytes, minimumBytes } = ATHENA_SCAN_BILLING;
  return Math.max(minimumBytes, Math.ceil(scannedBytes / billingUnitBytes) * billingUnitBytes);
}

/** The dollars Athena charges for billed bytes at a price. */
export function scanDollars(billedBytes: number, price: AthenaScanPrice): number {
  return (billedBytes / ATHENA_SCAN_BILLING.terabyteBytes) * price.usdPerTB;
}

/** A byte count for people: `12.3 MB`, `4.56 GB` (decimal units, as Athena bills). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0
    ? `${bytes} B`
    : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}

/** Dollars for people, with enough places that a single 10 MB query ($0.00005) does not read as zero. */
export function formatDollars(dollars: number): string {
  return `$${dollars.toFixed(dollars >= 1 ? 2 : 6)}`;
}
