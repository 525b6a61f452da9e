import { valueText } from './flatten';
import { FALLBACK, JsonByteReader, JsonBytes } from './json-byte-reader';
import { parseJson } from './json-value';
import { type PathNode, PathTrie, TRIE_RESET } from './path-trie';
import { type FlattenPlan, type NumberLimit, PathRule } from './plan';

/**
 * Single-pass flattening straight from JSON bytes to flat JSON bytes, without building objects:
 * values are validated and copied verbatim (so numbers keep every digit), keys are matched against
 * a trie of the paths seen before, predicting each next key from the previous record's shape.
 *
 * It answers only when the result is exactly what `flattenDocument` would give; for anything
 * unusual (invalid JSON, a name collision, duplicate keys, exploded arrays) it returns `false` and
 * the caller takes the reference path, which also produces the precise error.
 */

const {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  FALSE,
  isDigit,
  isSingleCharacterEscape,
  MAX_NESTING,
  MINUS,
  NEWLINE,
  NULL,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  TRUE,
} = JsonBytes;

/**
 * The escapes `JSON.stringify` itself writes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`. Strings using
 * only these are copied as they are; any other escape (`\/`, `\u00e9`) sends the record to the
 * reference path, which writes the string as `JSON.stringify` does, so both paths give the same bytes.
 */
function isCanonicalSingleEscape(c: number): boolean {
  return c !== 0x2f && isSingleCharacterEscape(c);
}

/** `\u00XX` in lower case for a control character that has no short escape, as `JSON.stringify` writes it. */
function isCanonicalUnicodeEscape(input: Buffer, pos: number, end: number): boolean {
  if (pos + 4 > end || input[pos] !== 0x30 || input[pos + 1] !== 0x30) return false;
  const high = input[pos + 2]!;
  const low = input[pos + 3]!;
  if (high !== 0x30 && high !== 0x31) return false;
  const lowValue = isDigit(low) ? low - 0x30 : low >= 0x61 && low <= 0x66 ? low - 0x61 + 10 : -1;
  if (lowValue < 0) return false;
  const code = (high - 0x30) * 16 + lowValue;
  return code !== 0x08 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d;
}

/** Bytes kept free in front of the body so key columns can be moved to the front without copying it. */
const LEAD_RESERVE = 1024;

export class FastFlattener extends JsonByteReader {
  private readonly trie: PathTrie;
  private seq = 0;

  private body: Buffer = Buffer.allocUnsafe(64 * 1024);
  private lead: Buffer = Buffer.allocUnsafe(4 * 1024);
  /** The buffer being written (body, or lead while a key column is written) and its write position. */
  private out: Buffer = this.body;
  private o = 0;
  private bodyEnd = 0;
  /** Body write position saved while a key column is written to the lead buffer. */
  private bodyWrite = 0;
  private leadWrite = 0;
  private readonly leadStart: number[];
  private readonly leadEnd: number[];
  private leadCount = 0;

  /** Where the flattened record is, valid until the next call. */
  outputStart = 0;
  outputEnd = 0;
  /** Columns of the last record its table does not declare. */
  undeclared: string[] = [];
  /** Input byte range of the event-time value, or -1 when the record has none. */
  eventTimeStart = -1;
  eventTimeEnd = -1;

  constructor(private readonly plan: FlattenPlan) {
    super();
    this.trie = new PathTrie(plan);
    const keys = plan.options.keyColumns.length;
    this.leadStart = new Array<number>(keys).fill(-1);
    this.leadEnd = new Array<number>(keys).fill(-1);
  }

  get output(): Buffer {
    return this.body;
  }

  /**
   * Flattens the JSON object in `input[start, end)` into `output[outputStart, outputEnd)`, followed by
   * a newline. Returns false when the reference path must decide instead.
   */
  flatten(input: Buffer, start = 0, end = input.length): boolean {
    if (this.plan.hasExplode) return false;
    this.input = input;
    this.pos = start;
    this.end = end;
    this.seq++;
    this.eventTimeStart = -1;
    this.eventTimeEnd = -1;
    if (this.undeclared.length > 0) this.undeclared = [];
    this.leadCount = 0;
    this.leadWrite = 0;
    this.leadStart.fill(-1);
    this.ensureBody(LEAD_RESERVE + 2 * (end - start) + 64);
    this.out = this.body;
    this.o = LEAD_RESERVE;
    try {
      this.skipWhitespace();
      if (this.input[this.pos] !== OPEN_BRACE) return false;
      this.pos++;
      this.scanMembers(this.trie.root);
      this.skipWhitespace();
      if (this.pos !== this.end) return false;
    } catch (error) {
      if (error === FALLBACK || error === TRIE_RESET) return false;
      throw error;
    }
    this.bodyEnd = this.o;
    return this.assemble();
  }

  /** Puts key columns in front of the body (every field was written with a leading comma). */
  private assemble(): boolean {
    let start = LEAD_RESERVE;
    if (this.leadCount > 0) {
      let leadLength = 0;
      for (let k = 0; k < this.leadStart.length; k++) {
        if (this.leadStart[k]! >= 0) leadLength += this.leadEnd[k]! - this.leadStart[k]!;
      }
      if (leadLength > LEAD_RESERVE) return false;
      start = LEAD_RESERVE - leadLength;
      let p = start;
      for (let k = 0; k < this.leadStart.length; k++) {
        const s = this.leadStart[k]!;
        if (s < 0) continue;
        this.lead.copy(this.body, p, s, this.leadEnd[k]!);
        p += this.leadEnd[k]! - s;
      }
    }
    let end = this.bodyEnd;
    if (end === start) {
      this.body[start] = OPEN_BRACE;
      end++;
    } else {
      this.body[start] = OPEN_BRACE;
    }
    this.body[end++] = CLOSE_BRACE;
    this.body[end++] = NEWLINE;
    this.outputStart = start;
    this.outputEnd = end;
    return true;
  }

  private ensureBody(size: number): void {
    if (this.body.length < size) this.body = Buffer.allocUnsafe(Math.max(size, this.body.length * 2));
  }

  private ensureOut(extra: number): void {
    if (this.o + extra <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.o + extra, this.out.length * 2));
    this.out.copy(grown, 0, 0, this.o);
    if (this.out === this.body) this.body = grown;
    else this.lead = grown;
    this.out = grown;
  }

  /** Scans the members of an object whose `{` was consumed, writing one field per scalar leaf. */
  private scanMembers(node: PathNode): void {
    this.skipWhitespace();
    if (this.input[this.pos] === CLOSE_BRACE) {
      this.pos++;
      return;
    }
    let guess = node.firstChildGuess;
    let previous: PathNode | null = null;
    for (;;) {
      this.skipWhitespace();
      if (this.input[this.pos] !== QUOTE) throw FALLBACK;
      const child = this.matchKey(this.trie, node, guess);
      if (previous === null) node.firstChildGuess = child;
      else previous.nextSiblingGuess = child;
      this.skipWhitespace();
      if (this.input[this.pos] !== COLON) throw FALLBACK;
      this.pos++;
      this.skipWhitespace();
      this.scanMemberValue(child);
      this.skipWhitespace();
      const c = this.input[this.pos++];
      if (c === CLOSE_BRACE) return;
      if (c !== COMMA) throw FALLBACK;
      previous = child;
      guess = child.nextSiblingGuess;
    }
  }

  private scanMemberValue(node: PathNode): void {
    const c = this.input[this.pos];
    if (node.rule !== PathRule.none) {
      this.applyRule(node);
      return;
    }
    if (c === OPEN_BRACE && node.depth < this.plan.maxDepth && !this.isEmptyObject()) {
      this.pos++;
      this.scanMembers(node);
      return;
    }
    this.beginField(node);
    if (
      c === QUOTE ||
      c === MINUS ||
      (c !== undefined && isDigit(c)) ||
      c === 0x74 ||
      c === 0x66 ||
      c === 0x6e
    ) {
      const valueStart = this.pos;
      this.copyScalar();
      // a number its column might not hold exactly is judged by the reference path, which names the problem
      if (node.numberLimit !== undefined && c !== QUOTE && !this.fitsPlainly(valueStart, node.numberLimit))
        throw FALLBACK;
      if (node.isEventTime && this.eventTimeStart < 0) {
        this.eventTimeStart = valueStart;
        this.eventTimeEnd = this.pos;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      this.out[this.o++] = QUOTE;
      this.copyEscaped(node.depth);
      this.out[this.o++] = QUOTE;
    } else {
      throw FALLBACK;
    }
    this.endField(node);
  }

  /** Drop or hash rules: the value is validated, then left out or replaced by its keyed hash. */
  private applyRule(node: PathNode): void {
    const valueStart = this.pos;
    const isNull = this.input[this.pos] === 0x6e;
    this.skipValue(node.depth);
    if (node.rule === PathRule.drop) return;
    this.beginField(node);
    if (isNull) {
      for (let k = 0; k < NULL.length; k++) this.out[this.o++] = NULL[k]!;
    } else {
      const text = valueText(parseJson(this.input.toString('utf8', valueStart, this.pos)));
      this.out[this.o++] = QUOTE;
      this.o += this.out.write(this.plan.hashText(text), this.o, 'latin1');
      this.out[this.o++] = QUOTE;
    }
    this.endField(node);
  }

  /**
   * Whether the literal or number at `input[start, this.pos)` surely fits its number column: a
   * literal, or a number without exponent whose digits before and after the point are within the
   * limit. Anything else is not necessarily wrong, only not decided here.
   */
  private fitsPlainly(start: number, limit: NumberLimit): boolean {
    const input = this.input;
    const end = this.pos;
    let p = start;
    const first = input[p];
    if (first === 0x74 || first === 0x66 || first === 0x6e) return true;
    if (first === MINUS) p++;
    const integerStart = p;
    while (p < end && isDigit(input[p]!)) p++;
    if (p - integerStart > limit.integer) return false;
    if (p === end) return true;
    if (input[p] !== 0x2e) return false; // an exponent
    const fractionStart = ++p;
    while (p < end && isDigit(input[p]!)) p++;
    return p === end && p - fractionStart <= limit.fraction;
  }

  /** Whether the object at `pos` is `{}` (whitespace allowed): it is kept as JSON text, not walked. */
  private isEmptyObject(): boolean {
    let p = this.pos + 1;
    while (p < this.end && JsonBytes.isWhitespace(this.input[p]!)) p++;
    return this.input[p] === CLOSE_BRACE;
  }

  private beginField(node: PathNode): void {
    if (node.slot.stamp === this.seq) throw FALLBACK;
    node.slot.stamp = this.seq;
    if (!node.declared) this.undeclared.push(node.name);
    if (node.keyIndex >= 0) {
      this.bodyWrite = this.o;
      this.out = this.lead;
      this.o = this.leadWrite;
      this.leadStart[node.keyIndex] = this.o;
    }
    const header = node.header;
    this.ensureOut(header.length + 2 * (this.end - this.pos) + 80);
    const out = this.out;
    let o = this.o;
    for (let i = 0; i < header.length; i++) out[o++] = header[i]!;
    this.o = o;
  }

  private endField(node: PathNode): void {
    if (node.keyIndex < 0) return;
    this.leadEnd[node.keyIndex] = this.o;
    this.leadWrite = this.o;
    this.leadCount++;
    this.out = this.body;
    this.o = this.bodyWrite;
  }

  /** Copies a string, number or literal verbatim after validating it. */
  private copyScalar(): void {
    const input = this.input;
    const out = this.out;
    const end = this.end;
    let pos = this.pos;
    let o = this.o;
    const c = input[pos]!;
    if (c === QUOTE) {
      out[o++] = QUOTE;
      pos++;
      for (;;) {
        if (pos >= end) throw FALLBACK;
        const b = input[pos++]!;
        out[o++] = b;
        if (b === QUOTE) break;
        if (b < 0x20) throw FALLBACK;
        if (b === BACKSLASH) {
          const e = input[pos++];
          if (e === 0x75) {
            if (!isCanonicalUnicodeEscape(input, pos, end)) throw FALLBACK;
            out[o++] = e;
            for (let k = 0; k < 4; k++) out[o++] = input[pos++]!;
          } else if (e !== undefined && isCanonicalSingleEscape(e)) {
            out[o++] = e;
          } else {
            throw FALLBACK;
          }
        }
      }
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      const word = c === 0x74 ? TRUE : c === 0x66 ? FALSE : NULL;
      if (pos + word.length > end) throw FALLBACK;
      for (let k = 0; k < word.length; k++) {
        if (input[pos + k] !== word[k]) throw FALLBACK;
        out[o++] = word[k]!;
      }
      pos += word.length;
    } else {
      const numberEnd = this.numberEnd(pos);
      while (pos < numberEnd) out[o++] = input[pos++]!;
    }
    this.pos = pos;
    this.o = o;
  }

  /**
   * Copies an array or object compactly, escaped so that it can sit inside a JSON string: the
   * column value is the value's JSON text.
   */
  private copyEscaped(nesting: number): void {
    const input = this.input;
    const c = input[this.pos];
    if (c === QUOTE) {
      const out = this.out;
      const end = this.end;
      let pos = this.pos + 1;
      let o = this.o;
      out[o++] = BACKSLASH;
      out[o++] = QUOTE;
      for (;;) {
        if (pos >= end) throw FALLBACK;
        const b = input[pos++]!;
        if (b === QUOTE) break;
        if (b < 0x20) throw FALLBACK;
        if (b === BACKSLASH) {
          const e = input[pos++];
          out[o++] = BACKSLASH;
          out[o++] = BACKSLASH;
          if (e === 0x75) {
            if (!isCanonicalUnicodeEscape(input, pos, end)) throw FALLBACK;
            out[o++] = e;
            for (let k = 0; k < 4; k++) out[o++] = input[pos++]!;
          } else if (e === QUOTE) {
            out[o++] = BACKSLASH;
            out[o++] = QUOTE;
          } else if (e === BACKSLASH) {
            out[o++] = BACKSLASH;
            out[o++] = BACKSLASH;
          } else if (e !== undefined && isCanonicalSingleEscape(e)) {
            out[o++] = e;
          } else {
            throw FALLBACK;
          }
        } else {
          out[o++] = b;
        }
      }
      out[o++] = BACKSLASH;
      out[o++] = QUOTE;
      this.pos = pos;
      this.o = o;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      // the reference parser's limit, counted from the document root as it counts
      if (nesting >= MAX_NESTING) throw FALLBACK;
      const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      this.out[this.o++] = c;
      this.pos++;
      this.skipWhitespace();
      if (input[this.pos] === close) {
        this.pos++;
        this.out[this.o++] = close;
        return;
      }
      for (;;) {
        this.skipWhitespace();
        if (c === OPEN_BRACE) {
          if (input[this.pos] !== QUOTE) throw FALLBACK;
          this.copyEscaped(nesting + 1);
          this.skipWhitespace();
          if (input[this.pos++] !== COLON) throw FALLBACK;
          this.out[this.o++] = COLON;
          this.skipWhitespace();
        }
        this.copyEscaped(nesting + 1);
        this.skipWhitespace();
        const d = input[this.pos++];
        if (d === close) {
          this.out[this.o++] = close;
          return;
        }
        if (d !== COMMA) throw FALLBACK;
        this.out[this.o++] = COMMA;
      }
    } else if (c === 0x74 || c === 0x66 || c === 0x6e || c === MINUS || (c !== undefined && isDigit(c))) {
      this.copyScalar();
    } else {
      throw FALLBACK;
    }
  }
}
