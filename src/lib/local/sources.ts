import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CLICKSTREAM_DEFAULTS, clickstreamEventJson } from '../samples/clickstream';

/** Each non-empty line of an NDJSON file, as one record's bytes (malformed lines included). */
export async function* ndjsonRecords(path: string): AsyncGenerator<Buffer> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) if (line.trim() !== '') yield Buffer.from(line);
}

/**
 * `count` generated clickstream events spread over one day. Event ids follow from the seed and
 * the index alone: events meant to be other events than an earlier batch's need another seed.
 */
export function* generatedClickstream(
  count: number,
  start = CLICKSTREAM_DEFAULTS.start,
  seed = CLICKSTREAM_DEFAULTS.seed,
): Generator<Buffer> {
  const options = { ...CLICKSTREAM_DEFAULTS, seed, start, eventsPerDay: Math.max(count, 1) };
  for (let i = 0; i < count; i++) yield Buffer.from(clickstreamEventJson(i, options));
}
