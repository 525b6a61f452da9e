/**
 * Lines as one block of UTF-8 bytes: line i is `bytes[ends[i - 1] ?? 0 .. ends[i])`. Two typed
 * arrays with buffers of their own, so a partition moves to the conversion thread by transfer
 * instead of a structured clone of every line.
 */
export interface JoinedLines {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly ends: Uint32Array<ArrayBuffer>;
}

/**
 * Collects lines straight from the transform's base64 output, without a string per line: the
 * records are kept as they came and decoded once, into one buffer of the right size, at the end.
 */
export class JoinedLinesBuilder {
  private readonly records: string[] = [];
  private boundBytes = 0;

  /** Adds the bytes base64 `data` encodes (decoded as Buffer.from(data, 'base64') would). */
  appendBase64(data: string): void {
    this.records.push(data);
    this.boundBytes += Math.ceil(data.length / 4) * 3;
  }

  finish(): JoinedLines {
    // an ArrayBuffer of its own (never Buffer's shared pool), so it can be transferred
    const buffer = Buffer.from(new ArrayBuffer(this.boundBytes));
    const ends = new Uint32Array(new ArrayBuffer(4 * this.records.length));
    let length = 0;
    for (let i = 0; i < this.records.length; i++) {
      length += buffer.write(this.records[i]!, length, 'base64');
      ends[i] = length;
    }
    return { bytes: new Uint8Array(buffer.buffer, 0, length), ends };
  }
}

/** Joins lines into the form a conversion takes. */
export function joinLines(lines: readonly string[]): JoinedLines {
  const builder = new JoinedLinesBuilder();
  for (const line of lines) builder.appendBase64(Buffer.from(line).toString('base64'));
  return builder.finish();
}
