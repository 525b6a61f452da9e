export type PartitionKeys = {
  readonly dt: string;
  readonly hour: string;
};

/** Firehose dynamic partition keys for `dt=YYYY-MM-DD/hour=HH` prefixes, in UTC. */
export function partitionKeysFor(epochMs: number): PartitionKeys {
  const iso = new Date(epochMs).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}
