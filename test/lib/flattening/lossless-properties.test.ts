import fc from 'fast-check';
import { mapToJson } from '../../../src/lib/dynamodb/attribute-value';
import { ChangeLineFlattener } from '../../../src/lib/dynamodb/change-line-flattener';
import { ImageFlattener } from '../../../src/lib/dynamodb/image-flattener';
import { FastFlattener } from '../../../src/lib/flattening/fast-flattener';
import { encodeFlatRow, type FlatRow, flattenDocument } from '../../../src/lib/flattening/flatten';
import {
  JsonNumber,
  JsonObject,
  type JsonValue,
  parseJson,
  stringifyJson,
} from '../../../src/lib/flattening/json-value';
import { FlattenPlan } from '../../../src/lib/flattening/plan';
import { parseRecord, RecordFlattener } from '../../../src/lib/flattening/record-flattener';
import { attributeNameArb, attributeValueArb } from '../../support/dynamodb';

/**
 * The flattening contract, for any document: every scalar and every empty container of the input
 * is in the output exactly once, with the same value; the fast and the reference path write the
 * same bytes; and flattening a flat record gives the same record back.
 */

const MAX_DEPTH = 3;
const plan = new FlattenPlan({ keyColumns: ['id'], maxDepth: MAX_DEPTH });

/** Every number shape JSON allows, written as the producer wrote it. */
const numberTextArb = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', '-'),
      fc.oneof(fc.constant('0'), fc.bigInt({ min: 1n, max: 10n ** 40n }).map(String)),
      fc.option(fc.stringMatching(/^[0-9]{1,20}$/), { nil: undefined }),
      fc.option(
        fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 400 })),
        {
          nil: undefined,
        },
      ),
    )
    .map(
      ([sign, whole, fraction, exponent]) =>
        `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent ? exponent.join('') : ''}`,
    ),
  fc.constantFrom('-0', '0.10', '1E+400', '9007199254740993', '-0.0e-0'),
);

/** Strings with every kind of character, written with or without escapes. */
const stringTextArb = fc
  .tuple(
    fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom('café', 'a/b', '\u2028', '\u0000\u001f\u007f', '"\\', '\ud83d\ude00'),
    ),
    fc.constantFrom('plain', 'unicode', 'upper', 'slash'),
  )
  .map(([text, style]) => ({ text, json: writeString(text, style) }));

function writeString(text: string, style: string): string {
  if (style === 'plain') return JSON.stringify(text);
  if (style === 'slash') return JSON.stringify(text).replaceAll('/', '\\/');
  let out = '"';
  for (const char of text) {
    for (let i = 0; i < char.length; i++) {
      const hex = char.charCodeAt(i).toString(16).padStart(4, '0');
      out += `\\u${style === 'upper' ? hex.toUpperCase() : hex}`;
    }
  }
  return `${out}"`;
}

type Model = { json: string; value: JsonValue };

const keyArb = fc.oneof(
  fc.constantFrom('id', 'a', 'b', 'userId', 'user_id', 'user__id', 'é', '名', '', '__proto__', '0'),
  stringTextArb.map((s) => s.text),
);

const modelArb: fc.Arbitrary<Model> = fc.letrec<{ value: Model; object: Model }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom<Model>(
      { json: 'null', value: null },
      { json: 'true', value: true },
      { json: 'false', value: false },
      { json: '[]', value: [] },
      { json: '{}', value: new JsonObject() },
    ),
    numberTextArb.map((raw) => ({ json: raw, value: new JsonNumber(raw) })),
    stringTextArb.map(({ text, json }) => ({ json, value: text })),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => ({
      json: `[${items.map((i) => i.json).join(',')}]`,
      value: items.map((i) => i.value),
    })),
    tie('object'),
  ),
  object: fc
    .array(fc.tuple(keyArb, tie('value'), fc.constantFrom('', ' ', '\n')), { maxLength: 5 })
    .map((entries) => ({
      json: `{${entries.map(([k, v, space]) => `${space}${JSON.stringify(k)}${space}:${space}${v.json}`).join(',')}}`,
      value: new JsonObject(entries.map(([k, v]) => [k, v.value])),
    })),
})).object;

/** What flattening must keep of a document: each leaf's canonical output value, as JSON text. */
function expectedLeaves(object: JsonObject, depth = 0, out: string[] = []): string[] {
  for (const [, value] of object.entries) {
    if (value instanceof JsonObject && value.entries.length > 0 && depth + 1 < MAX_DEPTH) {
      expectedLeaves(value, depth + 1, out);
    } else if (value instanceof JsonObject || Array.isArray(value)) {
      out.push(JSON.stringify(stringifyJson(value)));
    } else {
      out.push(stringifyJson(value));
    }
  }
  return out;
}

function outputLeaves(line: string): string[] {
  const row = parseJson(line) as JsonObject;
  return row.entries.map(([, value]) => stringifyJson(value));
}

function sorted(values: string[]): string[] {
  return [...values].sort();
}

function flatten(flattener: RecordFlattener, text: string): string {
  const line = flattener.flattenText(text);
  return line.buffer.toString('utf8', line.start, line.end);
}

describe('flattening is lossless, byte-identical on both paths and idempotent', () => {
  it('keeps every scalar and every empty container exactly once, with the same value', () => {
    const flattener = new RecordFlattener(plan);
    fc.assert(
      fc.property(modelArb, (doc) => {
        const output = flatten(flattener, doc.json);
        expect(sorted(outputLeaves(output))).toEqual(sorted(expectedLeaves(doc.value as JsonObject)));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the same bytes on the fast path as on the reference path', () => {
    const fast = new FastFlattener(plan);
    let answered = 0;
    fc.assert(
      fc.property(modelArb, (doc) => {
        const reference = `${encodeFlatRow(flattenDocument(parseRecord(doc.json), plan).row)}\n`;
        if (fast.flatten(Buffer.from(doc.json))) {
          answered++;
          expect(fast.output.toString('utf8', fast.outputStart, fast.outputEnd)).toBe(reference);
        }
      }),
      { numRuns: 2000 },
    );
    expect(answered).toBeGreaterThan(200);
  });

  it('changes nothing when it flattens its own output again', () => {
    const flattener = new RecordFlattener(plan);
    fc.assert(
      fc.property(modelArb, (doc) => {
        const once = flatten(flattener, doc.json);
        expect(flatten(flattener, once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});

/** DynamoDB JSON whose non-ASCII characters are written as `\u` escapes, as some writers do. */
function asciiOnly(json: string): string {
  return json.replace(/[^\u0000-\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const itemArb = fc
  .tuple(
    fc.dictionary(
      attributeNameArb,
      fc.oneof(attributeValueArb, fc.constantFrom({ M: {} }, { L: [] }, { M: { e: { M: {} } } })),
      { minKeys: 1, maxKeys: 8 },
    ),
    fc.boolean(),
  )
  .map(([item, escaped]) => ({ item, escaped }));

function expectedDynamoLeaves(item: Record<string, unknown>): string[] {
  return expectedLeaves(mapToJson(item));
}

function rowLeaves(row: FlatRow): string[] {
  return row.map((cell) => encodeFlatRow([{ name: 'x', value: cell.value }]).slice(5, -1));
}

describe('DynamoDB images flatten losslessly and byte-identically on every path', () => {
  it('keeps every scalar and every empty container exactly once, the same way on all three paths', () => {
    const lines = new ChangeLineFlattener(plan);
    const images = new ImageFlattener(plan);
    fc.assert(
      fc.property(itemArb, ({ item, escaped }) => {
        const reference = flattenDocument(mapToJson(item), plan).row;
        const bytes = encodeFlatRow(reference);
        expect(sorted(rowLeaves(reference))).toEqual(sorted(expectedDynamoLeaves(item)));
        const fromImage = images.flattenFast(item);
        if (fromImage) expect(encodeFlatRow(fromImage)).toBe(bytes);
        const json = JSON.stringify({
          eventName: 'INSERT',
          sequenceNumber: '1',
          approximateCreationTime: 1,
          keys: {},
          newImage: item,
        });
        const read = lines.readChange(Buffer.from(escaped ? asciiOnly(json) : json));
        expect(encodeFlatRow(read.cells)).toBe(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});
