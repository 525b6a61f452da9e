import type { ColumnKind } from '../column-kind';
import { integerConverter, integerLoaderCheck, integerSample } from './integer';

export interface BigintColumn {
  readonly kind: 'bigint';
}

const BIGINT: BigintColumn = { kind: 'bigint' };
const RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;

export const bigintKind: ColumnKind<BigintColumn> = {
  kind: 'bigint',
  spelling: 'bigint',
  parse: (text) => (text === 'bigint' ? BIGINT : undefined),
  format: () => 'bigint',
  glueType: () => 'bigint',
  duckDbType: () => 'BIGINT',
  // Trino has no 128-bit integer: DuckDB's sum of integers is Athena's bigint
  fromDuckDbType: (duckType) => (duckType === 'BIGINT' || duckType === 'HUGEINT' ? BIGINT : undefined),
  athenaResult: () => ({ type: 'bigint', precision: 0, scale: 0 }),
  athenaResultNames: ['bigint'],
  fromAthenaResult: () => BIGINT,
  parquetElement: () => ({ type: 'INT64' }),
  converter: (_, context) => integerConverter('bigint', RANGE, context),
  firehoseChecks: 'numbers',
  plainNumberLimit: () => ({ integer: 18, fraction: 0 }),
  loaderCheck: () => integerLoaderCheck('bigint', RANGE, 18),
  sample: (_, context) => integerSample(context),
};
