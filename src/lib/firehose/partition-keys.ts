export type PartitionKeys = {
  readonly dt: string;
  readonly hour: string;
};

const HOUR_MS = 3_600_000;

/**
 * Active partitions a delivery stream may buffer at once (the default quota). A partition is
 * active from its first record until its buffer is delivered; records for a new partition beyond
 * the limit go to the error prefix as `activePartitionExceeded`.
 */
export const ACTIVE_PARTITION_LIMIT = 500;

/** The error output type, and error code, of records over the active partition limit. */
export const ACTIVE_PARTITION_EXCEEDED = 'activePartitionExceeded';

/** The last hour's keys: a batch's records mostly share an hour, so most lookups format nothing. */
let lastHour: { readonly from: number; readonly keys: PartitionKeys } | undefined;

/** Firehose dynamic partition keys for `dt=YYYY-MM-DD/hour=HH` prefixes, in UTC. */
export function partitionKeysFor(epochMs: number): PartitionKeys {
  const from = epochMs - (((epochMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
  if (lastHour?.from === from) return lastHour.keys;
  const iso = new Date(epochMs).toISOString();
  const keys = Object.freeze({ dt: iso.slice(0, 10), hour: iso.slice(11, 13) });
  lastHour = { from, keys };
  return keys;
}
