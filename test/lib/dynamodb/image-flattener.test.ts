import { unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { AttributeValueError, attributeToJson, mapToJson } from '../../../src/lib/dynamodb/attribute-value';
import { ImageFlattener } from '../../../src/lib/dynamodb/image-flattener';
import { encodeFlatRow, flattenDocument } from '../../../src/lib/flattening/flatten';
import {
  JsonNumber,
  JsonObject,
  type JsonValue,
  stringifyJson,
} from '../../../src/lib/flattening/json-value';
import { FlattenPlan } from '../../../src/lib/flattening/plan';
import { brokenItemArb, itemArb } from '../../support/dynamodb';

const plan = new FlattenPlan({
  keyColumns: ['pk', 'id'],
  maxDepth: 3,
  drop: ['secret'],
  hash: ['name'],
  hashKey: 'k',
});

describe('attributeToJson', () => {
  it.each([
    [{ S: 'text' }, '"text"'],
    [{ N: '12345678901234567890123456789012345678' }, '12345678901234567890123456789012345678'],
    [{ N: '-0.000000000000000000000000000000000001' }, '-0.000000000000000000000000000000000001'],
    [{ B: 'AAEC' }, '"AAEC"'],
    [{ BOOL: false }, 'false'],
    [{ NULL: true }, 'null'],
    [{ SS: ['a', 'b'] }, '["a","b"]'],
    [{ NS: ['1', '2.50'] }, '[1,2.50]'],
    [{ BS: ['AA==', 'AQ=='] }, '["AA==","AQ=="]'],
    [{ L: [{ S: 'x' }, { N: '1' }, { M: { y: { BOOL: true } } }] }, '["x",1,{"y":true}]'],
    [{ M: { a: { M: { b: { N: '1' } } } } }, '{"a":{"b":1}}'],
  ])('unmarshalls %j exactly', (attribute, json) => {
    expect(stringifyJson(attributeToJson(attribute))).toBe(json);
  });

  it.each([
    [{ X: '1' }, 'unknown type "X"'],
    [{ N: '1.2.3' }, 'N must be a number in a string'],
    [{ N: 12 }, 'N must be a number in a string'],
    [{ S: 'a', N: '1' }, 'expected exactly one type, got 2'],
    [{ NULL: false }, 'NULL must be true'],
    [{ B: 'not base64!' }, 'B must be base64'],
    [{ NS: ['1', 'x'] }, 'is not a number'],
    ['plain', 'expected an attribute value'],
  ])('rejects %j naming the problem', (attribute, message) => {
    expect(() => attributeToJson(attribute, 'item.attr')).toThrow(AttributeValueError);
    expect(() => attributeToJson(attribute, 'item.attr')).toThrow(message);
  });

  it('agrees with util-dynamodb wherever util-dynamodb is exact', () => {
    fc.assert(
      fc.property(itemArb, (item) => {
        // util-dynamodb assigns attributes onto a plain object, so an attribute named __proto__
        // disappears there; Tributary keeps it, so such items cannot be compared
        if (JSON.stringify(item).includes('"__proto__"')) return;
        // a number too small for a double becomes 0 there, so a number set holding it and 0 loses a
        // member to util-dynamodb's Set (NS ["0","1e-400"]); Tributary keeps both, so no comparison
        if (underflows(item)) return;
        let expected: unknown;
        try {
          expected = unmarshall(item as never);
        } catch {
          return; // util-dynamodb refuses numbers a double cannot hold; we keep them
        }
        expect(toPlain(mapToJson(item))).toEqual(fromUtil(expected));
      }),
      { numRuns: 500 },
    );
  });
});

/** Whether any N or NS number of the item is nonzero yet reads as 0 in a double. */
function underflows(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(underflows);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, inner]) => {
    const numbers =
      key === 'N' && typeof inner === 'string' ? [inner] : key === 'NS' && Array.isArray(inner) ? inner : [];
    if (numbers.some((n) => typeof n === 'string' && Number(n) === 0 && /[1-9]/.test(n.split(/e/i)[0]!)))
      return true;
    return underflows(inner);
  });
}

/** Our lossless model as plain values, numbers as doubles, for comparing with util-dynamodb. */
function toPlain(value: JsonValue): unknown {
  if (value instanceof JsonNumber) return Number(value.raw);
  if (value instanceof JsonObject) return Object.fromEntries(value.entries.map(([k, v]) => [k, toPlain(v)]));
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}

/** util-dynamodb's output with sets as arrays and binary as base64, as Tributary stores them. */
function fromUtil(value: unknown): unknown {
  if (value instanceof Set) return [...value].map(fromUtil);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromUtil);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromUtil(v)]));
  return value;
}

describe('ImageFlattener', () => {
  it('flattens a user item with keys first, typed exactly', () => {
    const item = {
      name: { S: 'Ada' },
      pk: { S: 'user#1' },
      balance: { N: '12345678901234567890.123456789012345678' },
      address: { M: { city: { S: 'Tokyo' }, geo: { M: { lat: { N: '35.6' } } } } },
      tags: { SS: ['a', 'b'] },
      avatar: { B: 'iVBORw0K' },
      removed: { NULL: true },
    };
    const row = new ImageFlattener(new FlattenPlan({ keyColumns: ['pk'] })).flatten(item);
    expect(encodeFlatRow(row)).toBe(
      '{"pk":"user#1","name":"Ada","balance":12345678901234567890.123456789012345678,"address__city":"Tokyo",' +
        '"address__geo__lat":35.6,"tags":"[\\"a\\",\\"b\\"]","avatar":"iVBORw0K","removed":null}',
    );
    expect(row.find((c) => c.name === 'balance')!.value).toEqual(
      new JsonNumber('12345678901234567890.123456789012345678'),
    );
  });

  it('gives exactly the reference output for any item', () => {
    const flattener = new ImageFlattener(plan);
    fc.assert(
      fc.property(itemArb, (item) => {
        expect(encodeFlatRow(flattener.flatten(item))).toBe(
          encodeFlatRow(flattenDocument(mapToJson(item), plan).row),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the fast walk for ordinary items, so the equivalence above is not vacuous', () => {
    const flattener = new ImageFlattener(plan);
    expect(
      flattener.flattenFast({ pk: { S: 'a' }, n: { N: '1' }, m: { M: { x: { L: [] } } } }),
    ).toBeDefined();
  });

  it('rejects a broken item with the reference error, naming the attribute', () => {
    const flattener = new ImageFlattener(plan);
    fc.assert(
      fc.property(brokenItemArb, (item) => {
        expect(() => flattener.flatten(item)).toThrow(AttributeValueError);
      }),
      { numRuns: 300 },
    );
  });
});
