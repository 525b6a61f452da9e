import type { Readable } from 'node:stream';

export interface Line {
  readonly number: number;
  /** The line's bytes (without the newline), or undefined when it was longer than allowed. */
  readonly bytes: Buffer | undefined;
  readonly length: number;
}

/** DynamoDB items are at most 400 KB; a stream record holds two images. Anything far beyond is damage. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * Splits a byte stream into lines at LF without ever holding more than one line (plus one chunk):
 * a line past `maxLineBytes` is reported without its text instead of growing memory. Stream
 * errors (a corrupt gzip, a dropped connection) reject the iteration. A CR before the LF is
 * dropped unless `keepCarriageReturn` (records that must arrive byte for byte keep it).
 */
export async function* readLines(
  stream: Readable,
  maxLineBytes = MAX_LINE_BYTES,
  keepCarriageReturn = false,
): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  let number = 0;
  const finish = (tail: Buffer | undefined): Line => {
    number++;
    const length = pendingBytes + (tail?.length ?? 0);
    let bytes: Buffer | undefined;
    if (!overlong) {
      bytes =
        pending.length === 0 ? (tail ?? Buffer.alloc(0)) : Buffer.concat(tail ? [...pending, tail] : pending);
      if (!keepCarriageReturn && bytes.at(-1) === 0x0d) bytes = bytes.subarray(0, -1);
    }
    pending = [];
    pendingBytes = 0;
    overlong = false;
    return { number, bytes, length };
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline >= 0; newline = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, newline);
      if (!overlong && pendingBytes + piece.length > maxLineBytes) overlong = true;
      yield finish(piece);
      start = newline + 1;
    }
    const rest = chunk.subarray(start);
    pendingBytes += rest.length;
    if (pendingBytes > maxLineBytes) overlong = true;
    if (!overlong && rest.length > 0) pending.push(rest);
  }
  if (pendingBytes > 0) yield finish(undefined);
}
