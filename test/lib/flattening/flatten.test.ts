import {
  encodeFlatRow,
  type FlatRow,
  flattenDocument,
  LIST_INDEX_COLUMN,
  PARENT_ID_COLUMN,
  ROW_ID_COLUMN,
} from '../../../src/lib/flattening/flatten';
import { JsonNumber, type JsonObject, parseJson } from '../../../src/lib/flattening/json-value';
import type { FlattenOptions } from '../../../src/lib/flattening/options';
import { FlattenPlan } from '../../../src/lib/flattening/plan';

function flat(json: string, options: Partial<FlattenOptions> = {}, rowId?: string) {
  return flattenDocument(parseJson(json) as JsonObject, new FlattenPlan(options), rowId);
}

function asObject(row: FlatRow): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const { name, value } of row) out[name] = value instanceof JsonNumber ? value.raw : value;
  return out;
}

describe('flattenDocument', () => {
  it.each([
    [
      'nested objects',
      '{"user":{"id":1,"name":{"first":"Ada"}}}',
      '{"user__id":1,"user__name__first":"Ada"}',
    ],
    ['camelCase keys', '{"userId":7,"isActive":true}', '{"user_id":7,"is_active":true}'],
    ['nulls kept', '{"a":null,"b":{"c":null}}', '{"a":null,"b__c":null}'],
    ['empty objects kept as JSON text, as arrays are', '{"a":{},"b":1}', '{"a":"{}","b":1}'],
    ['arrays as JSON text', '{"tags":["x","y"],"n":[1,[2]]}', '{"tags":"[\\"x\\",\\"y\\"]","n":"[1,[2]]"}'],
    [
      'big integers keep every digit',
      '{"id":123456789012345678901234567890}',
      '{"id":123456789012345678901234567890}',
    ],
    ['exotic numbers verbatim', '{"a":-0,"b":1E+400,"c":0.10}', '{"a":-0,"b":1E+400,"c":0.10}'],
  ])('%s', (_name, input, expected) => {
    expect(encodeFlatRow(flat(input).row)).toBe(expected);
  });

  it('keeps a nested path and a literal key with the separator apart', () => {
    const row = asObject(flat('{"a":{"b":1},"a__b":2}').row);
    expect(row.a__b).toBe('1');
    expect(Object.entries(row)).toContainEqual([expect.stringMatching(/^a__b_[0-9a-f]{8}$/), '2']);
  });

  it('keeps both values when two keys normalise to the same name, whatever their order', () => {
    const forward = flat('{"userId":1,"user_id":2}');
    const backward = flat('{"user_id":2,"userId":1}');
    expect(forward.collisions).toBe(1);
    const names = forward.row.map((c) => c.name);
    expect(names).toContain('user_id');
    expect(asObject(forward.row).user_id).toBe('2');
    expect(asObject(backward.row)).toEqual(asObject(forward.row));
  });

  it('keeps every value of a duplicated key', () => {
    const { row, collisions } = flat('{"a":1,"a":2,"a":3}');
    expect(collisions).toBe(2);
    expect(row.map((c) => (c.value as JsonNumber).raw)).toEqual(['1', '2', '3']);
    expect(new Set(row.map((c) => c.name)).size).toBe(3);
  });

  it('treats __proto__ and constructor as data and touches no prototype', () => {
    const { row } = flat('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"x":1}}}');
    expect(asObject(row)).toEqual({ _proto__polluted: 'yes', constructor__prototype__x: '1' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it('keeps anything deeper than maxDepth as JSON text under its path', () => {
    const { row } = flat('{"a":{"b":{"c":{"d":1}}}}', { maxDepth: 2 });
    expect(asObject(row)).toEqual({ a__b: '{"c":{"d":1}}' });
  });

  it('writes key columns first, in configured order, then the rest in source order', () => {
    const { row } = flat('{"z":1,"tenant":{"id":"t"},"a":2,"id":"x"}', { keyColumns: ['id', 'tenant__id'] });
    expect(row.map((c) => c.name)).toEqual(['id', 'tenant__id', 'z', 'a']);
  });

  it('drops and hashes configured paths', () => {
    const { row } = flat('{"email":"a@b.c","password":"pw","profile":{"ssn":{"v":1}},"n":null}', {
      drop: ['password'],
      hash: ['email', 'profile__ssn', 'n'],
      hashKey: 'secret',
    });
    const out = asObject(row);
    expect(out).not.toHaveProperty('password');
    expect(out.email).toMatch(/^[0-9a-f]{64}$/);
    expect(out.email).not.toBe(
      flat('{"email":"a@b.c"}', { hash: ['email'], hashKey: 'other' }).row[0]!.value,
    );
    expect(out.profile__ssn).toMatch(/^[0-9a-f]{64}$/);
    expect(out.n).toBeNull();
  });

  it('reports the event-time value', () => {
    expect(flat('{"meta":{"ts":"2024-05-01T10:00:00Z"}}', { eventTimeColumn: 'meta__ts' }).eventTime).toBe(
      '2024-05-01T10:00:00Z',
    );
  });

  describe('explode', () => {
    const doc = '{"order":"o1","items":[{"sku":"A","opts":[{"k":"c"}]},{"sku":"B"}],"tags":["x"]}';

    it('turns arrays of objects into child rows linked by parent id and list index', () => {
      const result = flat(doc, { explode: ['items', 'items__opts'] }, 'root');
      expect(asObject(result.row)).toEqual({ _row_id: 'root', order: 'o1', tags: '["x"]' });
      const items = result.childTables.get('items')!;
      expect(items.map(asObject)).toEqual([
        {
          [PARENT_ID_COLUMN]: 'root',
          [LIST_INDEX_COLUMN]: '0',
          [ROW_ID_COLUMN]: expect.any(String),
          sku: 'A',
        },
        {
          [PARENT_ID_COLUMN]: 'root',
          [LIST_INDEX_COLUMN]: '1',
          [ROW_ID_COLUMN]: expect.any(String),
          sku: 'B',
        },
      ]);
      const opts = result.childTables.get('items__opts')!;
      expect(asObject(opts[0]!)[PARENT_ID_COLUMN]).toBe(asObject(items[0]!)[ROW_ID_COLUMN]);
      expect(asObject(opts[0]!).k).toBe('c');
    });

    it('derives row ids deterministically from the record', () => {
      const a = flat(doc, { explode: ['items'] });
      const b = flat(doc, { explode: ['items'] });
      expect(a.row[0]!.value).toBe(b.row[0]!.value);
      expect(a.childTables.get('items')!.map(asObject)).toEqual(b.childTables.get('items')!.map(asObject));
    });

    it('puts scalar elements in a value column', () => {
      const result = flat('{"tags":["x",2]}', { explode: ['tags'] }, 'r');
      expect(result.childTables.get('tags')!.map((row) => asObject(row).value)).toEqual(['x', '2']);
    });
  });
});
