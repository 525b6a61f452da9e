import type { ConfigReader } from '../config/reader';
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
const NAME_HINT = 'lowercase letters, digits and underscores, starting with a letter';
const COLUMN = { pattern: /^[a-z_][a-z0-9_]{0,127}$/, patternHint: 'a column name ([a-z0-9_])' };
const DURATION = /^([1-9]\d*)(m|h|d)$/;
const DURATION_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;

export function readCheck(item: ConfigReader): CheckSpec {
  item.object(['name', 'table', 'description', 'severity', ...CHECK_KINDS]);
  const name = item.field('name').string({ pattern: NAME, patternHint: NAME_HINT });
  const table = item.field('table').string({ pattern: NAME, patternHint: NAME_HINT });
  const kinds = CHECK_KINDS.filter((kind) => item.field(kind).present);
  if (kinds.length !== 1)
    item.problem(`give exactly one of ${CHECK_KINDS.join(', ')} (found ${kinds.join(', ') || 'none'})`);
  return {
    name,
    table,
    description: item.field('description').optionalString() ?? '',
    severity: item.field('severity').oneOf(['error', 'warn'] as const, 'error'),
    rule: readRule(item, kinds[0] ?? 'not_null'),
  };
}

function readRule(item: ConfigReader, kind: (typeof CHECK_KINDS)[number]): CheckRule {
  const field = item.field(kind);
  switch (kind) {
    case 'not_null':
    case 'unique': {
      const columns = field.stringList(COLUMN);
      if (field.present && columns.length === 0) field.problem('name at least one column');
      return { kind, columns };
    }
    case 'accepted_values': {
      field.object(['column', 'values', 'allow_null']);
      const values = field.field('values').list((v) => {
        if (typeof v.value === 'number' || typeof v.value === 'boolean') return String(v.value);
        return v.string();
      });
      if (values.length === 0) field.field('values').problem('list at least one value');
      return {
        kind,
        column: field.field('column').string(COLUMN),
        values,
        allowNull: field.field('allow_null').boolean(true),
      };
    }
    case 'row_count': {
      field.object(['min', 'max', 'withinFactorOfLastWeek']);
      const bound = (key: string) =>
        field.field(key).present ? field.field(key).integer(0, Number.MAX_SAFE_INTEGER, 0) : undefined;
      const min = bound('min');
      const max = bound('max');
      const factorField = field.field('withinFactorOfLastWeek');
      let withinFactorOfLastWeek: number | undefined;
      if (factorField.present) {
        if (typeof factorField.value !== 'number' || !(factorField.value > 1))
          factorField.problem('expected a number above 1, such as 3 (a third to three times last week)');
        else withinFactorOfLastWeek = factorField.value;
      }
      if (min === undefined && max === undefined && withinFactorOfLastWeek === undefined)
        field.problem('give min, max or withinFactorOfLastWeek');
      if (min !== undefined && max !== undefined && min > max)
        field.problem(`min (${min}) is above max (${max})`);
      return { kind, min, max, withinFactorOfLastWeek };
    }
    case 'freshness': {
      field.object(['column', 'maxAge']);
      const maxAge = field
        .field('maxAge')
        .string({ pattern: DURATION, patternHint: 'a duration such as 30m, 6h or 2d' });
      const match = DURATION.exec(maxAge);
      const maxAgeSeconds = match
        ? Number(match[1]) * DURATION_SECONDS[match[2] as keyof typeof DURATION_SECONDS]
        : 0;
      return { kind, column: field.field('column').string(COLUMN), maxAgeSeconds };
    }
    case 'sql': {
      const sql = field.string();
      try {
        const template = parseSqlTemplate(sql);
        if (template.parameters.has('date'))
          field.problem('use {{from}} and {{to}}: a run checks a range of days');
      } catch (error) {
        if (!(error instanceof SqlTemplateError)) throw error;
        field.problem(error.message);
      }
      if (/;\s*\S/.test(sql)) field.problem('one SELECT only: the query returns the failing rows');
      return { kind, sql };
    }
  }
}
