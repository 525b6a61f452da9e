import { parseColumnType } from '../../../src/lib/columns/column-types';
import {
  refusedTypeChanges,
  SchemaChangeRefusedError,
  typeChangeVerdict,
} from '../../../src/lib/schema/type-change';

const t = parseColumnType;

describe('typeChangeVerdict (Athena reading old Parquet files through a new declared type)', () => {
  it('allows the one widening Athena documents among the declarable types: int read as bigint', () => {
    expect(typeChangeVerdict(t('int'), t('bigint'))).toBe('widening');
    expect(typeChangeVerdict(t('bigint'), t('bigint'))).toBe('same');
    expect(typeChangeVerdict(t('decimal(12,2)'), t('decimal(12, 2)'))).toBe('same');
  });

  it.each([
    ['bigint', 'int'],
    ['int', 'double'],
    ['int', 'string'],
    ['double', 'decimal(12,2)'],
    ['decimal(12,2)', 'decimal(18,2)'],
    ['decimal(12,2)', 'decimal(12,4)'],
    ['string', 'bigint'],
    ['timestamp', 'date'],
    ['date', 'timestamp'],
    ['boolean', 'string'],
  ])('refuses %s read as %s', (from, to) => {
    expect(typeChangeVerdict(t(from), t(to))).toBe('refused');
  });
});

describe('refusedTypeChanges', () => {
  it('names only the declared columns the lake holds in a type Athena cannot read as the new one', () => {
    const held = new Map([
      ['id', { type: t('int'), where: 'a.parquet' }],
      ['price', { type: t('decimal(12,2)'), where: 'b.parquet' }],
      ['note', { type: t('string'), where: 'a.parquet' }],
    ]);
    const changes = refusedTypeChanges(
      'orders',
      [
        { name: 'id', type: t('bigint') },
        { name: 'price', type: t('double') },
        { name: 'note', type: t('string') },
        { name: 'added', type: t('int') },
      ],
      held,
    );
    expect(changes.map((c) => c.column)).toEqual(['price']);
    const message = new SchemaChangeRefusedError(changes).message;
    expect(message).toContain(
      'orders.price: the lake holds decimal(12,2) (b.parquet), pipeline.yml now says double',
    );
    expect(message).toContain('What to do: put back the declared type and add a new column');
  });
});
