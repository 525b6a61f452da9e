import { createHmac } from 'node:crypto';
import { exactValueCheck, plainNumberLimit, type ValueCheck } from '../parquet/coerce';
import { type FlattenOptions, resolveFlattenOptions } from './options';

export const PathRule = {
  none: 0,
  drop: 1,
  hash: 2,
  explode: 3,
} as const;
export type PathRule = (typeof PathRule)[keyof typeof PathRule];

const RECENT_HASHES = 10_000;

export interface NumberLimit {
  readonly integer: number;
  readonly fraction: number;
}

/** Flatten options compiled into lookups both flattening paths share. */
export class FlattenPlan {
  readonly options: FlattenOptions;
  private readonly keyIndexes: ReadonlyMap<string, number>;
  private readonly rules: ReadonlyMap<string, PathRule>;
  private readonly recentHashes = new Map<string, string>();
  private readonly declared: ReadonlySet<string> | undefined;
  private readonly valueChecks = new Map<string, ValueCheck>();
  private readonly numberLimits = new Map<string, NumberLimit>();

  constructor(options: Partial<FlattenOptions> = {}) {
    this.options = resolveFlattenOptions(options);
    this.keyIndexes = new Map(this.options.keyColumns.map((name, index) => [name, index]));
    const rules = new Map<string, PathRule>();
    for (const name of this.options.explode) rules.set(name, PathRule.explode);
    for (const name of this.options.hash) rules.set(name, PathRule.hash);
    for (const name of this.options.drop) rules.set(name, PathRule.drop);
    this.rules = rules;
    this.declared = this.options.declaredColumns ? new Set(this.options.declaredColumns) : undefined;
    for (const column of this.options.columnTypes ?? []) {
      const check = exactValueCheck(column);
      if (check) this.valueChecks.set(column.name, check);
      const limit = plainNumberLimit(column.type);
      if (limit) this.numberLimits.set(column.name, limit);
    }
  }

  /** The check a column's values must pass, when its declared type has one. */
  valueCheck(column: string): ValueCheck | undefined {
    return this.valueChecks.get(column);
  }

  get hasValueChecks(): boolean {
    return this.valueChecks.size > 0;
  }

  /** Digits a plain JSON number in this column may have and surely fit; undefined for unchecked columns. */
  numberLimit(column: string): NumberLimit | undefined {
    return this.numberLimits.get(column);
  }

  /** Whether the table declares this column (every column is, when no declaration is given). */
  isDeclared(column: string): boolean {
    return this.declared === undefined || this.declared.has(column);
  }

  get maxDepth(): number {
    return this.options.maxDepth;
  }

  get hasExplode(): boolean {
    return this.options.explode.length > 0;
  }

  /** Position among the key columns, or -1. */
  keyIndex(column: string): number {
    return this.keyIndexes.get(column) ?? -1;
  }

  ruleFor(column: string): PathRule {
    return this.rules.get(column) ?? PathRule.none;
  }

  isEventTime(column: string): boolean {
    return column === this.options.eventTimeColumn;
  }

  /**
   * Keyed hash of a value's text: equal inputs stay joinable, the original cannot be read back.
   * The same values recur (a user's e-mail in each of their changes), so recent results are kept.
   */
  hashText(text: string): string {
    let hash = this.recentHashes.get(text);
    if (hash === undefined) {
      hash = createHmac('sha256', this.options.hashKey!).update(text).digest('hex');
      if (this.recentHashes.size >= RECENT_HASHES) this.recentHashes.clear();
      this.recentHashes.set(text, hash);
    }
    return hash;
  }
}
