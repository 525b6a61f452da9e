import { DecodeFailure } from '../../../src/lib/flattening/errors';
import { FastFlattener } from '../../../src/lib/flattening/fast-flattener';
import { encodeFlatRow, flattenDocument } from '../../../src/lib/flattening/flatten';
import type { FlattenOptions } from '../../../src/lib/flattening/options';
import { FlattenPlan } from '../../../src/lib/flattening/plan';
import { parseRecord, RecordFlattener } from '../../../src/lib/flattening/record-flattener';

function referenceLine(text: string, options: Partial<FlattenOptions> = {}): string {
  return `${encodeFlatRow(flattenDocument(parseRecord(text), new FlattenPlan(options)).row)}\n`;
}

/** The fast path's answer, or undefined when it leaves the record to the reference path. */
function fastLine(text: string, options: Partial<FlattenOptions> = {}): string | undefined {
  const fast = new FastFlattener(new FlattenPlan(options));
  return fast.flatten(Buffer.from(text))
    ? fast.output.toString('utf8', fast.outputStart, fast.outputEnd)
    : undefined;
}

function flattened(text: string, options: Partial<FlattenOptions> = {}): string {
  const line = new RecordFlattener(options).flattenText(text);
  return line.buffer.toString('utf8', line.start, line.end);
}

describe('flattening keeps everything, the same way on both paths', () => {
  it.each([
    ['an empty object beside a value', '{"a":{},"b":1}', '{"a":"{}","b":1}\n'],
    ['an empty object nested', '{"user":{"address":{},"id":2}}', '{"user__address":"{}","user__id":2}\n'],
    ['an empty array, as before', '{"a":[],"b":1}', '{"a":"[]","b":1}\n'],
  ])('keeps %s as JSON text, as arrays are kept', (_name, input, expected) => {
    expect(referenceLine(input)).toBe(expected);
    expect(fastLine(input)).toBe(expected);
    expect(flattened(input)).toBe(expected);
  });

  it('changes nothing when it flattens a flat record', () => {
    const flat = '{"user__id":7,"user__traits__plan":"pro","a___row":1,"_meta":2}\n';
    expect(flattened(flat)).toBe(flat);
    expect(referenceLine(flat)).toBe(flat);
    const once = flattened('{"user":{"id":7,"firstName":"Ada"},"tags":{}}');
    expect(flattened(once)).toBe(once);
  });

  it.each([
    ['a string with a \\u escape', String.raw`{"s":"caf\u00e9"}`, '{"s":"café"}\n'],
    ['an escaped slash', String.raw`{"s":"a\/b"}`, '{"s":"a/b"}\n'],
    ['an escape inside an array', String.raw`{"a":["caf\u00e9"]}`, `${String.raw`{"a":"[\"café\"]"}`}\n`],
    ['an upper-case control escape', String.raw`{"s":"\u001F"}`, `${String.raw`{"s":"\u001f"}`}\n`],
  ])('writes %s byte for byte as the reference path does', (_name, input, expected) => {
    expect(referenceLine(input)).toBe(expected);
    expect(flattened(input)).toBe(expected);
    const fast = fastLine(input);
    if (fast !== undefined) expect(fast).toBe(expected);
  });

  it('gives the same bytes whether or not an unrelated key collision sends the record the reference way', () => {
    const plain = flattened(String.raw`{"a":["caf\u00e9"]}`);
    const colliding = flattened(String.raw`{"a":["caf\u00e9"],"b_c":1,"bC":2}`);
    expect(colliding.startsWith(plain.slice(0, -2))).toBe(true);
  });

  it('rejects nesting past the parser limit on the fast path too', () => {
    const tooDeep = `{"a":${'['.repeat(1000)}${']'.repeat(1000)}}`;
    expect(() => referenceLine(tooDeep)).toThrow(/Nesting deeper than 1000/);
    expect(fastLine(tooDeep)).toBeUndefined();
    expect(() => flattened(tooDeep)).toThrow(expect.objectContaining({ reason: DecodeFailure.json }));
    const deepest = `{"a":${'['.repeat(999)}${']'.repeat(999)}}`;
    expect(flattened(deepest)).toBe(referenceLine(deepest));
  });
});
