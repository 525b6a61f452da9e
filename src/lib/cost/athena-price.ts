/**
 * What Athena charges for a query's scan, by its published rule: the bytes it scanned, rounded up
 * to the nearest megabyte, at least 10 MB per query, at $5 per terabyte (the price in most
 * regions, read from https://aws.amazon.com/athena/pricing/ on 2026-12-05). Kept apart so the
 * monthly estimate's price file can take these numbers over.
 */
export const ATHENA_SCAN_PRICE = {
  /** US dollars per terabyte (10^12 bytes) scanned. */
  dollarsPerTerabyte: 5,
  /** A query is billed in whole megabytes (10^6 bytes), rounded up. */
  billingUnitBytes: 1_000_000,
  /** Every query that scans anything is billed at least this much. */
  minimumBytes: 10_000_000,
  source: 'https://aws.amazon.com/athena/pricing/',
  readOn: '2026-12-05',
} as const;

const TERABYTE = 1e12;

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
  const { billingUnitBytes, minimumBytes } = ATHENA_SCAN_PRICE;
  return Math.max(minimumBytes, Math.ceil(scannedBytes / billingUnitBytes) * billingUnitBytes);
}

/** The dollars Athena charges for billed bytes. */
export function scanDollars(billedBytes: number): number {
  return (billedBytes / TERABYTE) * ATHENA_SCAN_PRICE.dollarsPerTerabyte;
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
