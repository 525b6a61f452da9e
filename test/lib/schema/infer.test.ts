import { formatColumnType } from '../../../src/lib/columns/column-types';
import { FlattenPlan } from '../../../src/lib/flattening/plan';
import { inferColumns } from '../../../src/lib/schema/infer';
import { flattenSampleLine } from '../../../src/lib/schema/sample-rows';

const plan = new FlattenPlan();
const rows = (...lines: string[]) => lines.map((line) => flattenSampleLine(line, plan).row);
const types = (...lines: string[]) =>
  Object.fromEntries(inferColumns(rows(...lines)).map((c) => [c.name, formatColumnType(c.type)]));

describe('inferColumns', () => {
  it('reads timestamps, dates, booleans, integers by width and doubles from the values', () => {
    expect(
      types(
        '{"at":"2026-11-20T10:00:00Z","day":"2026-11-20","ok":true,"n":7,"big":12345678901,"x":1.5,"s":"hi"}',
        '{"at":"2026-11-20 11:00:00","day":"2026-11-21","ok":false,"n":-8,"big":3,"x":2,"s":"there"}',
      ),
    ).toEqual({
      at: 'timestamp',
      day: 'date',
      ok: 'boolean',
      n: 'int',
      big: 'bigint',
      x: 'double',
      s: 'string',
    });
  });

  it.each([
    ['epoch milliseconds', '{"updated_at":1735693200000}', '{"updated_at":1735696800000}', 'timestamp'],
    ['epoch seconds', '{"updated_at":1735693200}', '{"updated_at":1735696800}', 'timestamp'],
    [
      'ISO text and epoch numbers',
      '{"seen_at":"2026-11-20T10:00:00Z"}',
      '{"seen_at":1735693200000}',
      'timestamp',
    ],
    ['only nulls, named as a time', '{"deleted_at":null}', '{"deleted_at":null}', 'timestamp'],
    [
      'epoch-sized numbers not named as a time',
      '{"order_id":1735693200000}',
      '{"order_id":1735696800000}',
      'bigint',
    ],
    ['small numbers named as a time', '{"wait_time":3}', '{"wait_time":40}', 'int'],
  ])('infers %s as the Parquet conversion reads them', (_, first, second, expected) => {
    expect(Object.values(types(first, second))).toEqual([expected]);
  });

  it('keeps integers beyond 64 bits and long decimals exact', () => {
    expect(types('{"huge":123456789012345678901234,"money":12345678901234.123456}')).toEqual({
      huge: 'decimal(38,0)',
      money: 'decimal(38,6)',
    });
  });

  it('names nested paths as the flattener does and keeps arrays as JSON text', () => {
    expect(types('{"user":{"traits":{"planName":"pro"}},"items":[1,2]}')).toEqual({
      user__traits__plan_name: 'string',
      items: 'string',
    });
  });

  it('reports a type conflict and falls back to string', () => {
    const [column] = inferColumns(rows('{"id":1}', '{"id":2}', '{"id":"three"}'));
    expect(column).toMatchObject({ name: 'id', type: { kind: 'string' }, seen: 3 });
    expect(column!.conflict).toBe('string (1) and number (2)');
  });

  it('treats dates mixed with timestamps as timestamps, not as a conflict', () => {
    const [column] = inferColumns(rows('{"t":"2026-01-01"}', '{"t":"2026-01-01T05:00:00Z"}'));
    expect(column).toMatchObject({ type: { kind: 'timestamp' }, conflict: undefined });
  });

  it('orders key columns first, then by first appearance, and notes columns only ever null', () => {
    const columns = inferColumns(rows('{"b":1,"gone":null}', '{"a":"x","id":"k"}'), ['id']);
    expect(columns.map((c) => c.name)).toEqual(['id', 'b', 'gone', 'a']);
    expect(columns.find((c) => c.name === 'gone')).toMatchObject({ seen: 0, type: { kind: 'string' } });
  });
});
