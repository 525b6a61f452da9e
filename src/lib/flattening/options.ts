import type { ColumnSpec } from '../columns/column-types';
import { isValidColumnName } from './naming';

/** How one table's nested records become flat rows. Paths are given as flattened column names. */
export interface FlattenOptions {
  /** Columns written first, in this order (the table's primary or partition keys). */
  readonly keyColumns: readonly string[];
  /** The column holding the record's own event time, used for partitioning. */
  readonly eventTimeColumn?: string | undefined;
  /** Deepest column path flattened; objects below it are kept as a JSON string column. */
  readonly maxDepth: number;
  /** Array paths whose elements become rows of a child table `<table>__<path>`. */
  readonly explode: readonly string[];
  /** Paths removed from the output. */
  readonly drop: readonly string[];
  /** Paths replaced by HMAC-SHA256 of their value, keyed by `hashKey`. */
  readonly hash: readonly string[];
  /** Secret for `hash`; comes from Secrets Manager/SSM in AWS and the environment locally. */
  readonly hashKey?: string | undefined;
  /** The table's declared columns; columns outside them are reported (Parquet conversion drops them). */
  readonly declaredColumns?: readonly string[] | undefined;
  /**
   * Declared columns with their types: a record whose value one of them would hold only altered
   * (see `exactValueCheck`) fails with the column named, instead of being stored changed.
   */
  readonly columnTypes?: readonly ColumnSpec[] | undefined;
}

export const FLATTEN_DEFAULTS: FlattenOptions = {
  keyColumns: [],
  maxDepth: 10,
  explode: [],
  drop: [],
  hash: [],
};

export const MAX_FLATTEN_DEPTH = 64;

export class FlattenOptionsError extends Error {
  override readonly name = 'FlattenOptionsError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid flatten options: ${problems.join('; ')}`);
  }
}

/** Fills in defaults and rejects options that could never work, naming every problem at once. */
export function resolveFlattenOptions(input: Partial<FlattenOptions> = {}): FlattenOptions {
  const options: FlattenOptions = { ...FLATTEN_DEFAULTS, ...withoutUndefined(input) };
  const problems: string[] = [];
  if (!Number.isInteger(options.maxDepth) || options.maxDepth < 1 || options.maxDepth > MAX_FLATTEN_DEPTH) {
    problems.push(
      `maxDepth must be an integer from 1 to ${MAX_FLATTEN_DEPTH}, got ${String(options.maxDepth)}`,
    );
  }
  const named: Array<[string, readonly string[]]> = [
    ['keyColumns', options.keyColumns],
    ['explode', options.explode],
    ['drop', options.drop],
    ['hash', options.hash],
  ];
  if (options.eventTimeColumn !== undefined) named.push(['eventTimeColumn', [options.eventTimeColumn]]);
  for (const [field, names] of named) {
    for (const name of names) {
      if (typeof name !== 'string' || !isValidColumnName(name)) {
        problems.push(
          `${field}: ${JSON.stringify(name)} is not a column name ([a-z0-9_], at most 255 characters)`,
        );
      }
    }
  }
  for (const name of options.drop) {
    if (options.hash.includes(name)) problems.push(`${name} is both dropped and hashed`);
    if (options.keyColumns.includes(name)) problems.push(`key column ${name} cannot be dropped`);
  }
  if (new Set(options.keyColumns).size !== options.keyColumns.length)
    problems.push('keyColumns has duplicates');
  if (options.hash.length > 0 && !options.hashKey) {
    problems.push('hash rules need a hashKey (set the table secret, or TRIBUTARY_HASH_KEY locally)');
  }
  if (problems.length > 0) throw new FlattenOptionsError(problems);
  return options;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
