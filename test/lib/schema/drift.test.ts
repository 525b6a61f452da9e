import { parseColumnType } from '../../../src/lib/columns/column-types';
import { FlattenPlan } from '../../../src/lib/flattening/plan';
import { diffSchema, hasDrift } from '../../../src/lib/schema/drift';
import { flattenSampleLine } from '../../../src/lib/schema/sample-rows';

const plan = new FlattenPlan();
const rows = (...lines: string[]) => lines.map((line) => flattenSampleLine(line, plan).row);
const declared = [
  { name: 'id', type: parseColumnType('bigint') },
  { name: 'at', type: parseColumnType('timestamp') },
  { name: 'price', type: parseColumnType('decimal(6,2)') },
  { name: 'note', type: parseColumnType('string') },
];

describe('diffSchema', () => {
  it('finds nothing when every value fits its declared column', () => {
    const drift = diffSchema(
      declared,
      rows(
        '{"id":1,"at":"2026-01-01T00:00:00Z","price":9.99,"note":"x"}',
        '{"id":"2","at":1767225600000,"price":null,"note":5}',
      ),
    );
    expect(hasDrift(drift)).toBe(false);
    expect(drift.rows).toBe(2);
  });

  it('reports new columns, values the declared type cannot hold and columns never seen', () => {
    const drift = diffSchema(
      declared,
      rows(
        '{"id":1,"at":"yesterday","price":12345.678,"extra":{"flag":true}}',
        '{"id":"x","at":"2026-01-01"}',
      ),
    );
    expect(hasDrift(drift)).toBe(true);
    expect(drift.newColumns.map((c) => [c.name, c.type.kind])).toEqual([['extra__flag', 'boolean']]);
    expect(drift.typeChanges.map((c) => [c.column.name, c.failures, c.example, c.found.type.kind])).toEqual([
      ['id', 1, 'x', 'string'],
      ['at', 1, 'yesterday', 'string'],
      ['price', 1, '12345.678', 'double'],
    ]);
    expect(drift.missingColumns.map((c) => c.name)).toEqual(['note']);
  });
});
