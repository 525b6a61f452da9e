import { databaseOf } from './databases/registry';
import { InexactValueError, RowShapeError, ValueTooLargeError } from './errors';
import type { ValueCheck } from './exact-values';
import type { Dialect, ResultColumn, ResultRow } from './types';

/**
 * The rows of one load: counted, checked for width and for values their columns cannot hold
 * exactly, and with the source's own failure kept, so a broken result (a CSV error, a dropped S3
 * stream) is reported as itself and not as whatever the database said about the input ending early.
 */
export class ResultRows implements AsyncIterable<ResultRow> {
  private counted = 0;
  private sourceFailure: { readonly error: unknown } | undefined;

  private readonly width: number;
  /** The most bytes one row may take (MySQL's max_allowed_packet), once the loader knows it. */
  private maxRowBytes = Number.POSITIVE_INFINITY;

  /** `checks[i]` judges the values of column i (see exact-values.ts); none for a column of any text. */
  constructor(
    private readonly source: AsyncIterable<ResultRow>,
    private readonly columns: readonly ResultColumn[],
    private readonly checks: ReadonlyArray<ValueCheck | undefined> = [],
    private readonly table = 'the table',
  ) {
    this.width = columns.length;
  }

  /**
   * Refuses, from the next row on, a row larger than `bytes`: the server would end the connection
   * on it (MySQL's max_allowed_packet), and a retry would send it again.
   */
  refuseRowsOver(bytes: number): void {
    this.maxRowBytes = bytes;
  }

  private checkSize(row: ResultRow): void {
    // a UTF-16 code unit is at most 3 UTF-8 bytes: most rows are judged without measuring
    let upper = row.length;
    for (const value of row) upper += value == null ? 2 : value.length * 3;
    if (upper <= this.maxRowBytes) return;
    let total = row.length;
    let largest = 0;
    let largestBytes = -1;
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      const bytes = value == null ? 2 : Buffer.byteLength(value, 'utf8');
      total += bytes;
      if (bytes > largestBytes) [largest, largestBytes] = [i, bytes];
    }
    if (total > this.maxRowBytes)
      throw new ValueTooLargeError(
        this.table,
        this.counted + 1,
        this.columns[largest]!.name,
        total,
        this.maxRowBytes,
      );
  }

  private checkValues(row: ResultRow): void {
    if (this.maxRowBytes !== Number.POSITIVE_INFINITY) this.checkSize(row);
    for (let i = 0; i < this.checks.length; i++) {
      const check = this.checks[i];
      const value = row[i];
      if (check === undefined || value == null) continue;
      const reason = check(value);
      if (reason !== undefined)
        throw new InexactValueError(this.table, this.counted + 1, this.columns[i]!.name, value, reason);
    }
  }

  get count(): number {
    return this.counted;
  }

  get failure(): { readonly error: unknown } | undefined {
    return this.sourceFailure;
  }

  // a plain iterator, not an async generator: one fewer promise hop per row
  [Symbol.asyncIterator](): AsyncIterator<ResultRow> {
    const source = this.source[Symbol.asyncIterator]();
    const fail = (error: unknown) => {
      this.sourceFailure = { error };
      return error;
    };
    return {
      next: async () => {
        let next: IteratorResult<ResultRow>;
        try {
          next = await source.next();
        } catch (error) {
          throw fail(error);
        }
        if (!next.done) {
          if (next.value.length !== this.width)
            throw fail(new RowShapeError(this.counted + 1, this.width, next.value.length));
          try {
            this.checkValues(next.value);
          } catch (error) {
            throw fail(error);
          }
          this.counted++;
        }
        return next;
      },
      return: async (value?: unknown) => {
        await source.return?.();
        return { done: true, value };
      },
    };
  }
}

const SPECIAL = /[\\\t\n\r\0]/;
const SPECIALS = /[\\\t\n\r\0]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
};
const escapeCharacter = (character: string): string => ESCAPES[character]!;

/** Bytes per chunk written to the database: few enough writes, and memory stays a row plus a chunk. */
const CHUNK_BYTES = 256 * 1024;
/** The most bytes UTF-8 takes for one UTF-16 code unit. */
const MAX_BYTES_PER_CODE_UNIT = 3;

/**
 * Rows in the text format that MySQL's LOAD DATA (FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES
 * TERMINATED BY '\n') and PostgreSQL's COPY ... FROM STDIN (FORMAT text) both read: tab-separated,
 * one row per line, NULL as \N, and backslash, tab, newline, carriage return and NUL escaped, so any
 * value, including `\N` itself, arrives as it was. Booleans are written as the database's module says (MySQL has none: true/false become 1/0).
 */
export async function* encodeTextRows(
  dialect: Dialect,
  columns: readonly ResultColumn[],
  rows: AsyncIterable<ResultRow>,
): AsyncGenerator<Buffer> {
  const { true: trueText, false: falseText } = databaseOf(dialect).booleanText;
  const rewrite = trueText !== 'true' || falseText !== 'false';
  const booleans = columns.map((column) => rewrite && column.type.kind === 'boolean');
  // each line is encoded into the chunk as it is made: one long string of many rows costs far more
  // to flatten and encode (a third of the client's time in the profile) than short ones
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  for await (const row of rows) {
    let line = '';
    for (let i = 0; i < row.length; i++) {
      let value = row[i];
      if (i > 0) line += '\t';
      if (value == null) {
        line += '\\N';
        continue;
      }
      if (booleans[i]) value = value === 'true' ? trueText : value === 'false' ? falseText : value;
      line += SPECIAL.test(value) ? value.replace(SPECIALS, escapeCharacter) : value;
    }
    line += '\n';
    const room = line.length * MAX_BYTES_PER_CODE_UNIT;
    if (used + room > chunk.length) {
      if (used > 0) yield chunk.subarray(0, used);
      chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, room));
      used = 0;
    }
    used += chunk.write(line, used);
  }
  if (used > 0) yield chunk.subarray(0, used);
}
