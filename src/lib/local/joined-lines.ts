/**
 * Lines as one block of UTF-8 bytes: line i is `bytes[ends[i - 1] ?? 0 .. ends[i])`. Two typed
 * arrays with buffers of their own, so a partition moves to the conversion thread by transfer
 * instead of a structured clone of every line.
 */
export interface JoinedLines {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly ends: Uint32Array<ArrayBuffer>;
}

/** Collects lines straight from the transform's base64 output, without a string per line. */
export class JoinedLinesBuilder {
  private bytes: Buffer<ArrayBuffer> = Buffer.from(new ArrayBuffer(64 * 1024));
  private ends = new Uint32Array(new ArrayBuffer(4 * 1024));
  private count = 0;
  private length = 0;

  get byteLength(): number {
    return this.length;
  }

  /** Appends the bytes base64 `data` encodes (decoded as Buffer.from(data, 'base64') would). */
  appendBase64(data: string): void {
    this.reserve(Math.ceil(data.length / 4) * 3);
    this.length += this.bytes.write(data, this.length, 'base64');
    this.end();
  }

  append(line: Uint8Array): void {
    this.reserve(line.length);
    this.bytes.set(line, this.length);
    this.length += line.length;
    this.end();
  }

  /** The lines so far; the builder must not be used afterwards. */
  finish(): JoinedLines {
    return {
      bytes: new Uint8Array(this.bytes.buffer, 0, this.length),
      ends: this.ends.subarray(0, this.count),
    };
  }

  private end(): void {
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(new ArrayBuffer(this.ends.byteLength * 2));
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.count++] = this.length;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.bytes.length) return;
    // an ArrayBuffer of its own (never Buffer's shared pool), so it can be transferred
    const grown = Buffer.from(new ArrayBuffer(Math.max(this.bytes.length * 2, this.length + bytes)));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}

/** Joins lines into the form a conversion takes. */
export function joinLines(lines: readonly string[]): JoinedLines {
  const builder = new JoinedLinesBuilder();
  for (const line of lines) builder.append(Buffer.from(line));
  return builder.finish();
}
