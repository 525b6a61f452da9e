/**
 * A JSON document model that loses nothing: numbers keep their source text (so integers beyond
 * 2^53 and decimals keep every digit), objects keep every key in source order, duplicates included,
 * and keys such as `__proto__` are plain data.
 */
import { JsonNumber } from '../columns/json-number';

export { JsonNumber };

export class JsonObject {
  constructor(readonly entries: Array<[key: string, value: JsonValue]> = []) {}

  get(key: string): JsonValue | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]!;
      if (entry[0] === key) return entry[1];
    }
    return undefined;
  }
}

export type JsonScalar = string | boolean | null | JsonNumber;
export type JsonValue = JsonScalar | JsonObject | JsonValue[];

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

/** The deepest nesting the parser accepts; deeper input is rejected instead of overflowing the stack. */
export const MAX_PARSE_NESTING = 1000;

const WHITESPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const PLAIN_STRING_BODY = /[^"\\\u0000-\u001f]*/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;
const ESCAPE_CHARS: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos);
  }

  skipWhitespace(): void {
    WHITESPACE.lastIndex = this.pos;
    WHITESPACE.test(this.text);
    this.pos = WHITESPACE.lastIndex;
  }

  parseValue(depth: number): JsonValue {
    this.skipWhitespace();
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b:
        return this.parseObject(depth + 1);
      case 0x5b:
        return this.parseArray(depth + 1);
      case 0x22:
        return this.parseString();
      case 0x74:
        return this.parseLiteral('true', true);
      case 0x66:
        return this.parseLiteral('false', false);
      case 0x6e:
        return this.parseLiteral('null', null);
      default: {
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        return this.fail(
          Number.isNaN(c)
            ? 'Unexpected end of JSON'
            : `Unexpected character ${JSON.stringify(this.text[this.pos])}`,
        );
      }
    }
  }

  parseLiteral<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`Invalid literal, expected ${word}`);
    this.pos += word.length;
    return value;
  }

  parseNumber(): JsonNumber {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match || match[0] === '-') this.fail('Invalid number');
    this.pos = NUMBER.lastIndex;
    return new JsonNumber(match[0]);
  }

  parseString(): string {
    this.pos++;
    let result = '';
    for (;;) {
      PLAIN_STRING_BODY.lastIndex = this.pos;
      PLAIN_STRING_BODY.test(this.text);
      result += this.text.slice(this.pos, PLAIN_STRING_BODY.lastIndex);
      this.pos = PLAIN_STRING_BODY.lastIndex;
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        return result;
      }
      if (c !== 0x5c) this.fail(Number.isNaN(c) ? 'Unterminated string' : 'Control character in string');
      ESCAPE.lastIndex = this.pos;
      if (!ESCAPE.test(this.text)) this.fail('Invalid escape in string');
      const kind = this.text[this.pos + 1]!;
      result +=
        kind === 'u'
          ? String.fromCharCode(Number.parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16))
          : ESCAPE_CHARS[kind];
      this.pos = ESCAPE.lastIndex;
    }
  }

  parseArray(depth: number): JsonValue[] {
    if (depth > MAX_PARSE_NESTING) this.fail(`Nesting deeper than ${MAX_PARSE_NESTING} levels`);
    this.pos++;
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.parseValue(depth));
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x5d) return items;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("Expected ',' or ']' in array");
      }
    }
  }

  parseObject(depth: number): JsonObject {
    if (depth > MAX_PARSE_NESTING) this.fail(`Nesting deeper than ${MAX_PARSE_NESTING} levels`);
    this.pos++;
    const object = new JsonObject();
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return object;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('Expected a string key');
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("Expected ':' after key");
      this.pos++;
      object.entries.push([key, this.parseValue(depth)]);
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x7d) return object;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("Expected ',' or '}' in object");
      }
    }
  }
}

/** Parses one JSON text without losing digits, duplicate keys or key order. */
export function parseJson(text: string): JsonValue {
  const parser = new Parser(text);
  const value = parser.parseValue(0);
  parser.skipWhitespace();
  if (parser.pos !== text.length) parser.fail('Unexpected data after the JSON value');
  return value;
}

/** Compact JSON text of a value, numbers exactly as they were written. */
export function stringifyJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof JsonNumber) return value.raw;
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(',')}]`;
  return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v)}`).join(',')}}`;
}

/** Converts a plain JavaScript value (as from JSON.parse of small numbers) into the lossless model. */
export function fromPlainValue(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return new JsonNumber(JSON.stringify(value));
  if (typeof value === 'bigint') return new JsonNumber(value.toString());
  if (Array.isArray(value)) return value.map(fromPlainValue);
  if (value instanceof JsonNumber || value instanceof JsonObject) return value;
  if (typeof value === 'object') {
    return new JsonObject(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromPlainValue(v)]),
    );
  }
  throw new TypeError(`Cannot represent ${typeof value} as JSON`);
}
