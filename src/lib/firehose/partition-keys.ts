export type PartitionKeys = {
  readonly dt: string;
  readonly hour: string;
};

const HOUR_MS = 3_600_000;

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
