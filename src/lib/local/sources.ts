import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import type { DynamoDBRecord } from 'aws-lambda';
import { CLICKSTREAM_DEFAULTS, clickstreamEventJson } from '../samples/clickstream';
import { MAX_LINE_BYTES, readLines } from '../storage/lines';

/** A sample file line the local run cannot hand on; names the file and the line. */
export class SampleLineError extends Error {
  override readonly name = 'SampleLineError';
  constructor(
    readonly path: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${path} line ${line}: ${problem}`);
  }
}

/** Whether a line holds only JSON whitespace (space, tab, CR). */
function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}

/** Each non-blank line of an NDJSON file with its number, its bytes exactly as in the file. */
async function* ndjsonLines(
  path: string,
): AsyncGenerator<{ readonly number: number; readonly bytes: Buffer }> {
  for await (const line of readLines(createReadStream(path), MAX_LINE_BYTES, true)) {
    if (line.bytes === undefined)
      throw new SampleLineError(path, line.number, `longer than ${MAX_LINE_BYTES} bytes`);
    if (!isBlank(line.bytes)) yield { number: line.number, bytes: line.bytes };
  }
}

/**
 * Each non-blank line of an NDJSON file, as one record's bytes, byte for byte: lines end at LF
 * only (a lone CR is JSON whitespace inside a record), and bytes that are not UTF-8 are handed on
 * as they are, for the transform to fail that record as it would in AWS; `notice` hears of each
 * such line, so the run can name it.
 */
export async function* ndjsonRecords(
  path: string,
  notice?: (problem: SampleLineError) => void,
): AsyncGenerator<Buffer> {
  for await (const line of ndjsonLines(path)) {
    if (notice && !isUtf8(line.bytes)) notice(new SampleLineError(path, line.number, 'not valid UTF-8'));
    yield line.bytes;
  }
}

/** DynamoDB stream records of a sample file; a line that is not UTF-8 JSON is named, never read with U+FFFD. */
export async function* streamRecordsOf(path: string): AsyncGenerator<DynamoDBRecord> {
  for await (const line of ndjsonLines(path)) {
    if (!isUtf8(line.bytes)) throw new SampleLineError(path, line.number, 'not valid UTF-8');
    try {
      yield JSON.parse(line.bytes.toString('utf8')) as DynamoDBRecord;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      throw new SampleLineError(path, line.number, 'not a JSON stream record');
    }
  }
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
