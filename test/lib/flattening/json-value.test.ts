import fc from 'fast-check';
import {
  JsonNumber,
  type JsonObject,
  JsonSyntaxError,
  MAX_PARSE_NESTING,
  parseJson,
  stringifyJson,
} from '../../../src/lib/flattening/json-value';

describe('parseJson', () => {
  it('keeps every digit of integers beyond 2^53', () => {
    const doc = parseJson('{"id": 12345678901234567890123}') as JsonObject;
    expect(doc.get('id')).toEqual(new JsonNumber('12345678901234567890123'));
  });

  it('keeps duplicate keys in source order', () => {
    const doc = parseJson('{"a":1,"b":2,"a":3}') as JsonObject;
    expect(doc.entries.map(([k]) => k)).toEqual(['a', 'b', 'a']);
    expect(doc.get('a')).toEqual(new JsonNumber('3'));
  });

  it('treats __proto__ and constructor as plain keys', () => {
    const doc = parseJson('{"__proto__":{"polluted":true},"constructor":{"prototype":1}}') as JsonObject;
    expect(doc.entries.map(([k]) => k)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['', 'Unexpected end of JSON'],
    ['{"a":1', "Expected ',' or '}' in object"],
    ['{"a" 1}', "Expected ':' after key"],
    ['[1,]', 'Unexpected character'],
    ['01', 'Unexpected data after the JSON value'],
    ['"\u0001"', 'Control character in string'],
    ['"\\x"', 'Invalid escape in string'],
    ['{a:1}', 'Expected a string key'],
    ['tru', 'Invalid literal'],
    ['-', 'Invalid number'],
  ])('rejects %j with a message naming the problem', (text, message) => {
    expect(() => parseJson(text)).toThrow(JsonSyntaxError);
    expect(() => parseJson(text)).toThrow(message);
  });

  it('rejects nesting deeper than the limit instead of overflowing the stack', () => {
    const deep = `${'['.repeat(MAX_PARSE_NESTING + 1)}${']'.repeat(MAX_PARSE_NESTING + 1)}`;
    expect(() => parseJson(deep)).toThrow(`Nesting deeper than ${MAX_PARSE_NESTING} levels`);
  });

  it('accepts exactly what JSON.parse accepts', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.json().map((j) => j.slice(0, -1)),
        ),
        (text) => {
          let expected = true;
          try {
            JSON.parse(text);
          } catch {
            expected = false;
          }
          let actual = true;
          try {
            parseJson(text);
          } catch {
            actual = false;
          }
          expect(actual).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('round-trips to the same text as JSON.stringify for safe numbers', () => {
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false }), (value) => {
        const text = JSON.stringify(value);
        expect(stringifyJson(parseJson(text))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
