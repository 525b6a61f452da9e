import type { PathNode, PathTrie } from './path-trie';

/**
 * Reading JSON straight from UTF-8 bytes: validation, skipping and key matching shared by the
 * byte-level fast paths. Every method throws FALLBACK at the first thing that is not valid JSON,
 * and the caller answers with its reference path instead, which produces the precise error.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const NEWLINE = 0x0a;

const MAX_NESTING = 1000;

/** Thrown inside a scanner to abandon its fast path; the scanner's caller catches it. */
export const FALLBACK = { fallback: true };

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/** The characters after a backslash in `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r` and `\t`. */
function isSingleCharacterEscape(c: number): boolean {
  return (
    c === QUOTE ||
    c === BACKSLASH ||
    c === 0x2f ||
    c === 0x62 ||
    c === 0x66 ||
    c === 0x6e ||
    c === 0x72 ||
    c === 0x74
  );
}

function isHexDigit(c: number): boolean {
  return (c >= DIGIT_0 && c <= DIGIT_9) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

const TRUE = Uint8Array.from([0x74, 0x72, 0x75, 0x65]);
const FALSE = Uint8Array.from([0x66, 0x61, 0x6c, 0x73, 0x65]);
const NULL = Uint8Array.from([0x6e, 0x75, 0x6c, 0x6c]);

/**
 * The byte constants and character tests, as one object: a module binds them to its own
 * constants (`const { QUOTE } = JsonBytes`), because a value imported from another module is
 * read through a getter each time, which doubles the cost of the scanning loops.
 */
export const JsonBytes = {
  QUOTE,
  BACKSLASH,
  COMMA,
  COLON,
  OPEN_BRACE,
  CLOSE_BRACE,
  OPEN_BRACKET,
  CLOSE_BRACKET,
  MINUS,
  DIGIT_0,
  DIGIT_9,
  NEWLINE,
  TRUE,
  FALSE,
  NULL,
  MAX_NESTING,
  isWhitespace,
  isDigit,
  isHexDigit,
  isSingleCharacterEscape,
} as const;

export abstract class JsonByteReader {
  protected input: Buffer = Buffer.alloc(0);
  protected pos = 0;
  protected end = 0;

  protected skipWhitespace(): void {
    const input = this.input;
    let pos = this.pos;
    while (pos < this.end && isWhitespace(input[pos]!)) pos++;
    this.pos = pos;
  }

  /** Reads the key at `pos` (an opening quote) and returns its path node. */
  protected matchKey(trie: PathTrie, parent: PathNode, guess: PathNode | null): PathNode {
    const input = this.input;
    const keyStart = this.pos + 1;
    if (guess !== null) {
      const raw = guess.rawKey;
      const n = raw.length;
      if (keyStart + n < this.end && input[keyStart + n] === QUOTE) {
        let i = 0;
        while (i < n && input[keyStart + i] === raw[i]) i++;
        if (i === n) {
          this.pos = keyStart + n + 1;
          return guess;
        }
      }
    }
    const hasEscape = this.skipString();
    const keyEnd = this.pos - 1;
    const key = hasEscape
      ? (JSON.parse(input.toString('utf8', keyStart - 1, keyEnd + 1)) as string)
      : input.toString('utf8', keyStart, keyEnd);
    return trie.child(parent, key, input.subarray(keyStart, keyEnd));
  }

  /** Validates the number at `pos` and returns where it ends. */
  protected numberEnd(pos: number): number {
    const input = this.input;
    const end = this.end;
    if (input[pos] === MINUS) pos++;
    const first = input[pos];
    if (first === DIGIT_0) {
      pos++;
    } else if (first !== undefined && first > DIGIT_0 && first <= DIGIT_9 && pos < end) {
      while (pos < end && isDigit(input[pos]!)) pos++;
    } else {
      throw FALLBACK;
    }
    if (pos < end && input[pos] === DOT) {
      pos++;
      if (pos >= end || !isDigit(input[pos]!)) throw FALLBACK;
      while (pos < end && isDigit(input[pos]!)) pos++;
    }
    if (pos < end && (input[pos] === LOWER_E || input[pos] === UPPER_E)) {
      pos++;
      if (pos < end && (input[pos] === PLUS || input[pos] === MINUS)) pos++;
      if (pos >= end || !isDigit(input[pos]!)) throw FALLBACK;
      while (pos < end && isDigit(input[pos]!)) pos++;
    }
    return pos;
  }

  /** Skips a string at `pos`, validating it; returns whether it contains escapes. */
  protected skipString(): boolean {
    const input = this.input;
    const end = this.end;
    let pos = this.pos + 1;
    let hasEscape = false;
    for (;;) {
      if (pos >= end) throw FALLBACK;
      const b = input[pos++]!;
      if (b === QUOTE) break;
      if (b < 0x20) throw FALLBACK;
      if (b === BACKSLASH) {
        hasEscape = true;
        const e = input[pos++];
        if (e === 0x75) {
          if (pos + 4 > end) throw FALLBACK;
          for (let k = 0; k < 4; k++) if (!isHexDigit(input[pos++]!)) throw FALLBACK;
        } else if (e === undefined || !isSingleCharacterEscape(e)) {
          throw FALLBACK;
        }
      }
    }
    this.pos = pos;
    return hasEscape;
  }

  /** Validates any value at `pos` without writing it. */
  protected skipValue(nesting: number): void {
    const c = this.input[this.pos];
    if (c === QUOTE) {
      this.skipString();
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (nesting >= MAX_NESTING) throw FALLBACK;
      const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      this.pos++;
      this.skipWhitespace();
      if (this.input[this.pos] === close) {
        this.pos++;
        return;
      }
      for (;;) {
        this.skipWhitespace();
        if (c === OPEN_BRACE) {
          if (this.input[this.pos] !== QUOTE) throw FALLBACK;
          this.skipString();
          this.skipWhitespace();
          if (this.input[this.pos++] !== COLON) throw FALLBACK;
          this.skipWhitespace();
        }
        this.skipValue(nesting + 1);
        this.skipWhitespace();
        const d = this.input[this.pos++];
        if (d === close) return;
        if (d !== COMMA) throw FALLBACK;
      }
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      const word = c === 0x74 ? TRUE : c === 0x66 ? FALSE : NULL;
      for (let k = 0; k < word.length; k++) if (this.input[this.pos + k] !== word[k]) throw FALLBACK;
      this.pos += word.length;
    } else if (c === MINUS || (c !== undefined && isDigit(c))) {
      this.pos = this.numberEnd(this.pos);
    } else {
      throw FALLBACK;
    }
  }
}
