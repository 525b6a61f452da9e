import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { ResultRow } from './types';

/** Malformed Athena CSV; `row` is the data row being read (1 is the first after the header, 0 the header). */
export class AthenaCsvError extends Error {
  override readonly name = 'AthenaCsvError';
  constructor(
    readonly row: number,
    readonly reason: string,
    readonly source?: string,
  ) {
    super(`Athena CSV ${source ? `${source} ` : ''}${row === 0 ? 'header' : `row ${row}`}: ${reason}`);
  }
}

export interface AthenaCsvOptions {
  /** Column names the header must list, in order. */
  readonly columns?: readonly string[];
  /** Where the CSV comes from (an S3 URI), for error messages. */
  readonly source?: string;
  /** A row with more characters than this is an error, so a damaged file cannot exhaust memory. */
  readonly maxRowLength?: number;
}

/** Far beyond any real row (Athena rows are at most a few MB), small enough to stay safe in a Lambda. */
export const MAX_ROW_LENGTH = 64 * 1024 * 1024;
/** Before the header says how many columns there are. */
const MAX_HEADER_FIELDS = 10_000;

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

const FIELD_START = 0;
const QUOTED = 1;
/** After a quote inside a quoted field: either an escaped quote or the end of the field. */
const CLOSED = 2;
const UNQUOTED = 3;
const AFTER_CR = 4;

/**
 * Reads the CSV Athena writes for a query result (RFC 4180): a header of quoted column names, then
 * one line per row with every value double-quoted (`""` inside), NULL as an empty unquoted field and
 * the empty string as `""`. Quoted values may span lines. Unquoted values are accepted as RFC 4180
 * allows. Holds at most one row plus one chunk of input; throws AthenaCsvError naming the row for
 * malformed input.
 */
export async function* readAthenaCsv(
  stream: Readable,
  options: AthenaCsvOptions = {},
): AsyncGenerator<ResultRow> {
  const parser = new AthenaCsvParser(options);
  const decoder = new StrictUtf8();
  const rows: ResultRow[] = [];
  const parse = (step: () => void): unknown => {
    try {
      step();
      return undefined;
    } catch (error) {
      return error;
    }
  };
  const push = ({ text, invalid }: DecodedText) => {
    parser.push(text, rows);
    if (invalid) throw parser.invalidText();
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const failure = parse(() =>
      typeof chunk === 'string' ? parser.push(chunk, rows) : push(decoder.write(chunk)),
    );
    // the rows completed before a malformed one still come out, in order
    yield* rows;
    rows.length = 0;
    if (failure) throw failure;
  }
  const failure = parse(() => {
    push(decoder.end());
    parser.end(rows);
  });
  yield* rows;
  if (failure) throw failure;
}

interface DecodedText {
  readonly text: string;
  /** The bytes after `text` are not UTF-8. */
  readonly invalid: boolean;
}

/**
 * UTF-8 text of a byte stream that refuses invalid bytes instead of turning them into U+FFFD, so a
 * damaged value fails the load rather than being stored altered. A character split across chunks
 * waits for its last bytes.
 */
class StrictUtf8 {
  private carry: Buffer = Buffer.alloc(0);

  write(chunk: Buffer): DecodedText {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = completeLength(bytes);
    this.carry = Buffer.from(bytes.subarray(end));
    const whole = bytes.subarray(0, end);
    if (isUtf8(whole)) return { text: whole.toString('utf8'), invalid: false };
    return { text: whole.toString('utf8', 0, validPrefixLength(whole)), invalid: true };
  }

  end(): DecodedText {
    return { text: '', invalid: this.carry.length > 0 };
  }
}

const isContinuation = (byte: number) => (byte & 0xc0) === 0x80;

/** Bytes up to the start of a last character whose bytes have not all arrived. */
function completeLength(bytes: Buffer): number {
  let start = bytes.length - 1;
  while (start >= 0 && start > bytes.length - 4 && isContinuation(bytes[start]!)) start--;
  if (start < 0) return bytes.length;
  const lead = bytes[start]!;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return bytes.length - start < needed ? start : bytes.length;
}

/** Where the first character that is not UTF-8 starts (only on the error path). */
function validPrefixLength(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (!isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return i;
}

/** The state machine behind readAthenaCsv, fed text in pieces of any size. */
export class AthenaCsvParser {
  private state = FIELD_START;
  private field = '';
  private row: Array<string | null> = [];
  private rowLength = 0;
  /** Data row being read; 0 while reading the header. */
  private rowNumber = 0;
  private width = -1;
  private started = false;
  private readonly maxRowLength: number;

  constructor(private readonly options: AthenaCsvOptions = {}) {
    this.maxRowLength = options.maxRowLength ?? MAX_ROW_LENGTH;
  }

  /** Parses `text`, appending each completed data row to `out`. */
  push(text: string, out: ResultRow[]): void {
    let i = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    const n = text.length;
    while (i < n) {
      switch (this.state) {
        case FIELD_START: {
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            this.state = QUOTED;
            i++;
          } else if (c === COMMA) {
            this.addField(null);
            i++;
          } else if (c === LF) {
            this.addField(null);
            this.endRow(out);
            i++;
          } else if (c === CR) {
            this.addField(null);
            this.state = AFTER_CR;
            i++;
          } else {
            this.state = UNQUOTED;
          }
          break;
        }
        case QUOTED: {
          const quote = text.indexOf('"', i);
          const end = quote < 0 ? n : quote;
          this.addText(text, i, end);
          if (quote < 0) {
            i = n;
          } else {
            this.state = CLOSED;
            i = quote + 1;
          }
          break;
        }
        case CLOSED: {
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            this.addText('"', 0, 1);
            this.state = QUOTED;
            i++;
            break;
          }
          if (c !== COMMA && c !== LF && c !== CR)
            throw this.error(
              `unexpected ${JSON.stringify(text[i])} after the closing quote of field ${this.row.length + 1}`,
            );
          this.endField(c, out);
          i++;
          break;
        }
        case UNQUOTED: {
          let j = i;
          let c = 0;
          while (j < n) {
            c = text.charCodeAt(j);
            if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
            j++;
          }
          this.addText(text, i, j);
          if (j === n) {
            i = n;
            break;
          }
          if (c === QUOTE) throw this.error(`a quote inside unquoted field ${this.row.length + 1}`);
          this.endField(c, out);
          i = j + 1;
          break;
        }
        default: {
          if (text.charCodeAt(i) !== LF) throw this.error('a carriage return not followed by a line feed');
          this.endRow(out);
          this.state = FIELD_START;
          i++;
        }
      }
    }
  }

  /** Finishes the input: completes a last row without a final newline, rejects an open quote. */
  end(out: ResultRow[]): void {
    switch (this.state) {
      case QUOTED:
        throw this.error('the input ends inside a quoted field (unterminated quote)');
      case CLOSED:
      case UNQUOTED:
        this.addField(this.field);
        this.field = '';
        this.endRow(out);
        break;
      case AFTER_CR:
        this.endRow(out);
        break;
      default:
        // `a,` at the very end: the empty field after the comma is NULL
        if (this.row.length > 0) {
          this.addField(null);
          this.endRow(out);
        }
    }
    this.state = FIELD_START;
    if (this.width < 0) throw this.error('no header row (the input is empty)');
  }

  private addText(text: string, start: number, end: number): void {
    this.rowLength += end - start;
    if (this.rowLength > this.maxRowLength) throw this.error(`longer than ${this.maxRowLength} characters`);
    this.field += start === 0 && end === text.length ? text : text.slice(start, end);
  }

  private addField(value: string | null): void {
    const limit = this.width >= 0 ? this.width : MAX_HEADER_FIELDS;
    if (this.row.length >= limit)
      throw this.error(
        this.width >= 0 ? `more fields than the header's ${this.width}` : `more than ${limit} columns`,
      );
    this.row.push(value);
  }

  /** Ends the current field at the separator `c` (comma, LF or CR). */
  private endField(c: number, out: ResultRow[]): void {
    this.addField(this.field);
    this.field = '';
    if (c === COMMA) {
      this.state = FIELD_START;
    } else if (c === LF) {
      this.endRow(out);
      this.state = FIELD_START;
    } else {
      this.state = AFTER_CR;
    }
  }

  private endRow(out: ResultRow[]): void {
    const row = this.row;
    this.row = [];
    this.rowLength = 0;
    if (this.width < 0) {
      this.checkHeader(row);
      this.width = row.length;
      this.rowNumber = 1;
      return;
    }
    if (row.length !== this.width)
      throw this.error(`expected ${this.width} fields as in the header, found ${row.length}`);
    out.push(row);
    this.rowNumber++;
  }

  private checkHeader(header: ReadonlyArray<string | null>): void {
    if (header.some((name) => name === null || name === ''))
      throw this.error(`a column name is empty in ${JSON.stringify(header)}`);
    const expected = this.options.columns;
    if (expected && (expected.length !== header.length || expected.some((name, i) => name !== header[i])))
      throw this.error(
        `columns ${JSON.stringify(header)} differ from the result's ${JSON.stringify(expected)}`,
      );
  }

  /** Bytes that are not UTF-8 in the row being read. */
  invalidText(): AthenaCsvError {
    return this.error('bytes that are not valid UTF-8 (a value would be stored altered)');
  }

  private error(reason: string): AthenaCsvError {
    return new AthenaCsvError(this.rowNumber, reason, this.options.source);
  }
}

/** A result as Athena writes it; for tests and local stand-ins. */
export function writeAthenaCsv(columns: readonly string[], rows: Iterable<ResultRow>): string {
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  let text = `${columns.map(quote).join(',')}\n`;
  for (const row of rows) text += `${row.map((value) => (value === null ? '' : quote(value))).join(',')}\n`;
  return text;
}
