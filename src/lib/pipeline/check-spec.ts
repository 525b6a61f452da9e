import * as v from 'valibot';
import { describeValue } from '../config/config-error';
import { bool, integer, list, mapping, oneOf, optional, problemAt, text } from '../config/schema';
import { parseSqlTemplate, SqlTemplateError } from '../transforms/sql-template';

/**
 * A data check on a lake table or transform output, declared in pipeline.yml. Each kind becomes
 * one query that returns the failing rows (src/lib/checks/check-sql.ts).
 */
export interface CheckSpec {
  readonly name: string;
  readonly table: string;
  readonly description: string;
  /** error: stops the loads that read the table and notifies; warn: reported only. */
  readonly severity: 'error' | 'warn';
  readonly rule: CheckRule;
}

export type CheckRule =
  | { readonly kind: 'not_null'; readonly columns: readonly string[] }
  | { readonly kind: 'unique'; readonly columns: readonly string[] }
  | {
      readonly kind: 'accepted_values';
      readonly column: string;
      readonly values: readonly string[];
      /** Whether NULL passes (`allow_null`, default true: NULLs are not_null's to catch). */
      readonly allowNull: boolean;
    }
  | {
      readonly kind: 'row_count';
      readonly min: number | undefined;
      readonly max: number | undefined;
      /** Each day's count must be within this factor of the same weekday a week before. */
      readonly withinFactorOfLastWeek: number | undefined;
    }
  | { readonly kind: 'freshness'; readonly column: string; readonly maxAgeSeconds: number }
  | { readonly kind: 'sql'; readonly sql: string };

export const CHECK_KINDS = [
  'not_null',
  'unique',
  'accepted_values',
  'row_count',
  'freshness',
  'sql',
] as const;

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const NAME_TEXT = text({
  pattern: NAME,
  hint: 'lowercase letters, digits and underscores, starting with a letter',
});
const COLUMN_TEXT = text({ pattern: /^[a-z_][a-z0-9_]{0,127}$/, hint: 'a column name ([a-z0-9_])' });
const DURATION = /^([1-9]\d*)(m|h|d)$/;
const DURATION_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;

/** An accepted value: text, or a number or boolean, compared as the text Athena casts it to. */
const ACCEPTED_VALUE = v.pipe(
  v.unknown(),
  v.rawCheck(({ dataset, addIssue }) => {
    const value = dataset.value;
    if (typeof value === 'number' || typeof value === 'boolean') return;
    if (typeof value !== 'string' || value === '')
      addIssue({ message: `expected a non-empty string, got ${describeValue(value)}` });
  }),
  v.metadata({ type: ['string', 'number', 'boolean'] }),
);

const ROW_COUNT = v.pipe(
  mapping({
    min: optional(integer(0, Number.MAX_SAFE_INTEGER)),
    max: optional(integer(0, Number.MAX_SAFE_INTEGER)),
    withinFactorOfLastWeek: optional(
      v.pipe(
        v.unknown(),
        v.rawCheck(({ dataset, addIssue }) => {
          if (typeof dataset.value !== 'number' || !(dataset.value > 1))
            addIssue({ message: 'expected a number above 1, such as 3 (a third to three times last week)' });
        }),
        v.metadata({ type: 'number', exclusiveMinimum: 1 }),
      ),
    ),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { min, max, withinFactorOfLastWeek } = dataset.value;
    if (min == null && max == null && withinFactorOfLastWeek == null)
      addIssue({ message: 'give min, max or withinFactorOfLastWeek' });
    if (min != null && max != null && min > max) addIssue({ message: `min (${min}) is above max (${max})` });
  }),
);

const SQL = v.pipe(
  text(),
  v.rawCheck<string>(({ dataset, addIssue }) => {
    if (!dataset.typed || dataset.issues) return;
    const sql = dataset.value;
    try {
      const template = parseSqlTemplate(sql);
      if (template.parameters.has('date'))
        addIssue({ message: 'use {{from}} and {{to}}: a run checks a range of days' });
    } catch (error) {
      if (!(error instanceof SqlTemplateError)) throw error;
      addIssue({ message: error.message });
    }
    if (/;\s*\S/.test(sql)) addIssue({ message: 'one SELECT only: the query returns the failing rows' });
  }),
);

const COLUMNS = v.pipe(
  list(COLUMN_TEXT),
  v.rawCheck<string[]>(({ dataset, addIssue }) => {
    if (dataset.typed && dataset.value.length === 0) addIssue({ message: 'name at least one column' });
  }),
);

/** A check as pipeline.yml declares it: its table, and exactly one rule. */
export const CHECK_SCHEMA = v.pipe(
  mapping({
    name: NAME_TEXT,
    table: NAME_TEXT,
    description: optional(text()),
    severity: optional(oneOf(['error', 'warn'] as const), 'error'),
    not_null: optional(COLUMNS),
    unique: optional(COLUMNS),
    accepted_values: optional(
      v.pipe(
        mapping({
          column: COLUMN_TEXT,
          values: optional(list(ACCEPTED_VALUE), []),
          allow_null: optional(bool(), true),
        }),
        v.rawCheck(({ dataset, addIssue }) => {
          if (dataset.typed && dataset.value.values.length === 0)
            problemAt(addIssue, dataset.value, ['values'], 'list at least one value');
        }),
      ),
    ),
    row_count: optional(ROW_COUNT),
    freshness: optional(
      mapping({
        column: COLUMN_TEXT,
        maxAge: text({ pattern: DURATION, hint: 'a duration such as 30m, 6h or 2d' }),
      }),
    ),
    sql: optional(SQL),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const item = dataset.value;
    const kinds = CHECK_KINDS.filter((kind) => item[kind] != null);
    if (kinds.length !== 1)
      addIssue({
        message: `give exactly one of ${CHECK_KINDS.join(', ')} (found ${kinds.join(', ') || 'none'})`,
      });
  }),
);

export function toCheckSpec(item: v.InferOutput<typeof CHECK_SCHEMA>): CheckSpec {
  return {
    name: item.name,
    table: item.table,
    description: item.description ?? '',
    severity: item.severity,
    rule: toRule(item),
  };
}

function toRule(item: v.InferOutput<typeof CHECK_SCHEMA>): CheckRule {
  if (item.not_null) return { kind: 'not_null', columns: item.not_null };
  if (item.unique) return { kind: 'unique', columns: item.unique };
  if (item.accepted_values) {
    const { column, values, allow_null } = item.accepted_values;
    return { kind: 'accepted_values', column, values: values.map(String), allowNull: allow_null };
  }
  if (item.row_count) {
    const { min, max, withinFactorOfLastWeek } = item.row_count;
    return {
      kind: 'row_count',
      min: min ?? undefined,
      max: max ?? undefined,
      withinFactorOfLastWeek: (withinFactorOfLastWeek as number | null | undefined) ?? undefined,
    };
  }
  if (item.freshness) {
    const match = DURATION.exec(item.freshness.maxAge)!;
    const maxAgeSeconds = Number(match[1]) * DURATION_SECONDS[match[2] as keyof typeof DURATION_SECONDS];
    return { kind: 'freshness', column: item.freshness.column, maxAgeSeconds };
  }
  return { kind: 'sql', sql: item.sql ?? '' };
}
