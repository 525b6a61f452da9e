import type { ColumnKind } from '../column-kind';

export interface BooleanColumn {
  readonly kind: 'boolean';
}

const BOOLEAN: BooleanColumn = { kind: 'boolean' };

export const booleanKind: ColumnKind<BooleanColumn> = {
  kind: 'boolean',
  spelling: 'boolean',
  parse: (text) => (text === 'boolean' ? BOOLEAN : undefined),
  format: () => 'boolean',
  glueType: () => 'boolean',
  duckDbType: () => 'BOOLEAN',
  fromDuckDbType: (duckType) => (duckType === 'BOOLEAN' ? BOOLEAN : undefined),
  athenaResult: () => ({ type: 'boolean', precision: 0, scale: 0 }),
  athenaResultNames: ['boolean'],
  fromAthenaResult: () => BOOLEAN,
  parquetElement: () => ({ type: 'BOOLEAN' }),
  converter: (_, { fail }) => {
    const bad = fail('boolean');
    return (value) => {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return bad(value);
    };
  },
  firehoseChecks: 'none',
  plainNumberLimit: () => undefined,
  loaderCheck: () => (value) => (value === 'true' || value === 'false' ? undefined : 'not true or false'),
  sample: (_, { random }) => random.chance(0.5),
};
