import { timestampMillis } from '../columns/time';

const HOUR_MS = 3_600_000;

/** The `dt`/`hour` partition a record's event time files it under, or undefined when unknown. */
export function eventHourOf(record: Buffer, eventTime: string | undefined): number | undefined {
  if (eventTime === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(record.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  // a flat record (the transform's output) names the column; a source record nests it
  let found: unknown = (value as Record<string, unknown>)[eventTime];
  if (found === undefined) {
    found = eventTime
      .split('__')
      .reduce<unknown>(
        (node, part) =>
          typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined,
        value,
      );
  }
  const flat = typeof found === 'number' ? { raw: String(found) } : found;
  if (typeof flat !== 'string' && !(typeof flat === 'object' && flat !== null && 'raw' in flat))
    return undefined;
  const ms = timestampMillis(flat as string | { raw: string });
  return ms === undefined ? undefined : Math.floor(ms / HOUR_MS);
}

/**
 * Splits records, in order, into groups that each span at most `limit` partitions, so no group
 * makes a delivery stream open more active partitions than it may. A record whose hour cannot be
 * told counts as a partition of its own, which can only make groups smaller.
 */
export function groupByPartitions(
  records: readonly Buffer[],
  partitionOf: (record: Buffer) => number | undefined,
  limit: number,
): Buffer[][] {
  const groups: Buffer[][] = [];
  let group: Buffer[] = [];
  let partitions = new Set<number | symbol>();
  for (const record of records) {
    const partition = partitionOf(record) ?? Symbol('unknown partition');
    if (!partitions.has(partition) && partitions.size >= limit) {
      groups.push(group);
      group = [];
      partitions = new Set();
    }
    partitions.add(partition);
    group.push(record);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
