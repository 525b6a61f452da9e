import type { ColumnKind } from '../column-kind';
import { integerConverter, integerLoaderCheck, integerSample } from './integer';

export interface IntColumn {
  readonly kind: 'int';
}

const INT: IntColumn = { kind: 'int' };
const RANGE = [-(2n ** 31n), 2n ** 31n - 1n] as const;

export const intKind: ColumnKind<IntColumn> = {
  kind: 'int',
  spelling: 'int',
  parse: (text) => (text === 'int' ? INT : undefined),
  format: () => 'int',
  glueType: () => 'int',
  duckDbType: () => 'INTEGER',
  fromDuckDbType: (duckType) => (duckType === 'INTEGER' ? INT : undefined),
  athenaResult: () => ({ type: 'integer', precision: 0, scale: 0 }),
  athenaResultNames: ['integer', 'int', 'smallint', 'tinyint'],
  fromAthenaResult: () => INT,
  parquetElement: () => ({ type: 'INT32' }),
  converter: (_, context) => integerConverter('int', RANGE, context),
  firehoseChecks: 'numbers',
  plainNumberLimit: () => ({ integer: 9, fraction: 0 }),
  loaderCheck: () => integerLoaderCheck('int', RANGE, 9),
  sample: (_, context) => integerSample(context),
};
