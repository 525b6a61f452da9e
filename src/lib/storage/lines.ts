import type { Readable } from 'node:stream';

export interface Line {
  readonly number: number;
  /** The line's text, or undefined when it was longer than allowed (it is then skipped whole). */
  readonly text: string | undefined;
  readonly bytes: number;
}

/** DynamoDB items are at most 400 KB; a stream record holds two images. Anything far beyond is damage. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * Splits a byte stream into lines without ever holding more than one line (plus one chunk):
 * a line past `maxLineBytes` is reported without its text instead of growing memory. Stream
 * errors (a corrupt gzip, a dropped connection) reject the iteration.
 */
export async function* readLines(stream: Readable, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  let number = 0;
  const finish = (tail: Buffer | undefined): Line => {
    number++;
    const bytes = pendingBytes + (tail?.length ?? 0);
    const text = overlong ? undefined : Buffer.concat(tail ? [...pending, tail] : pending).toString('utf8');
    pending = [];
    pendingBytes = 0;
    overlong = false;
    return { number, text: text?.endsWith('\r') ? text.slice(0, -1) : text, bytes };
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
