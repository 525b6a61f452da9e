import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AttributeValueError, mapToJson } from '../dynamodb/attribute-value';
import { type FlatRow, flattenDocument } from '../flattening/flatten';
import { JsonObject } from '../flattening/json-value';
import type { FlattenPlan } from '../flattening/plan';
import { parseRecord } from '../flattening/record-flattener';
import { readLines } from '../storage/lines';

const DYNAMODB_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

function isAttributeValue(value: unknown): boolean {
  if (!(value instanceof JsonObject) || value.entries.length !== 1) return false;
  return DYNAMODB_TYPES.has(value.entries[0]![0]);
}

/**
 * The DynamoDB item a line carries, when it is DynamoDB JSON: an export line (`Item`), a
 * Tributary change line (`newImage`, or `oldImage` for a delete), a stream record
 * (`dynamodb.NewImage`/`OldImage`) or a bare item whose every value is a type descriptor.
 */
export function dynamoItemOf(line: JsonObject): JsonObject | undefined {
  const stream = line.get('dynamodb');
  const candidates = [
    line.get('Item'),
    line.get('newImage'),
    line.get('oldImage'),
    stream instanceof JsonObject ? (stream.get('NewImage') ?? stream.get('OldImage')) : undefined,
    line,
  ];
  for (const candidate of candidates) {
    if (
      candidate instanceof JsonObject &&
      candidate.entries.length > 0 &&
      candidate.entries.every(([, value]) => isAttributeValue(value))
    ) {
      return candidate;
    }
  }
  return undefined;
}

/** Plain JS from the lossless model, for the unmarshaller (numbers in DynamoDB JSON are strings). */
function plain(value: unknown): unknown {
  if (value instanceof JsonObject) return Object.fromEntries(value.entries.map(([k, v]) => [k, plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/**
 * Flattens one sample line the way the pipeline would store it: a JSON event as the Firehose
 * transform does, DynamoDB JSON unmarshalled first as the capture path does. Throws
 * RecordDecodeError or AttributeValueError for a line that is neither.
 */
export function flattenSampleLine(text: string, plan: FlattenPlan): { row: FlatRow; dynamo: boolean } {
  const doc = parseRecord(text);
  const item = dynamoItemOf(doc);
  return { row: flattenDocument(item ? mapToJson(plain(item)) : doc, plan).row, dynamo: item !== undefined };
}

/** Like flattenSampleLine, for a DynamoDB table: a line that is not DynamoDB JSON is an error. */
export function flattenDynamoLine(text: string, plan: FlattenPlan): FlatRow {
  const item = dynamoItemOf(parseRecord(text));
  if (!item) {
    throw new AttributeValueError(
      'line',
      'not DynamoDB JSON: expected an export line (Item), a change line (newImage/oldImage), a stream record (dynamodb.NewImage) or an item of type descriptors such as {"S": "..."}',
    );
  }
  return flattenDocument(mapToJson(plain(item)), plan).row;
}

export interface SampleLine {
  readonly file: string;
  readonly number: number;
  /** The line without its newline, or undefined when it is longer than MAX_LINE_BYTES. */
  readonly bytes: Buffer | undefined;
}

/** A sample file that cannot be read at all (missing, not gzip, ...), named in the message. */
export class SampleFileError extends Error {
  override readonly name = 'SampleFileError';
}

/** The files named, with a directory standing for every file under it, in name order. */
function expandDirectories(files: readonly string[]): string[] {
  return files.flatMap((file) => {
    if (file === '-' || !statSync(file, { throwIfNoEntry: false })?.isDirectory()) return [file];
    return readdirSync(file, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
  });
}

/**
 * Non-blank lines of NDJSON files (`-` is stdin), gzip or not; DynamoDB export files are gzip. A
 * directory stands for every file under it, such as a stream's raw backup prefix.
 */
export async function* sampleLines(files: readonly string[], stdin?: Readable): AsyncGenerator<SampleLine> {
  const sources = files.length > 0 ? expandDirectories(files) : ['-'];
  for (const file of sources) {
    const input = file === '-' && stdin ? stdin : createReadStream(file);
    const stream = file.endsWith('.gz') ? input.pipe(createGunzip()) : input;
    input.on('error', (error: Error) => stream.destroy(error));
    try {
      for await (const line of readLines(stream)) {
        if (line.bytes?.every((byte) => byte === 0x20 || byte === 0x09)) continue;
        yield { file, number: line.number, bytes: line.bytes };
      }
    } catch (error) {
      throw new SampleFileError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
}
