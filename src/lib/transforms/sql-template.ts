/**
 * Transform SQL is written once with a few placeholders: `{{from}}`, `{{to}}` and `{{date}}` become
 * quoted date literals, `{{table:<name>}}` a quoted, database-qualified table name. Every value is
 * validated before it is written into the SQL; nothing that comes from data becomes SQL text.
 */
export class SqlTemplateError extends Error {
  override readonly name = 'SqlTemplateError';
}

export const DATE_PARAMETERS = ['from', 'to', 'date'] as const;
export type DateParameter = (typeof DATE_PARAMETERS)[number];

export interface SqlTemplate {
  readonly text: string;
  readonly parameters: ReadonlySet<DateParameter>;
  readonly tables: ReadonlySet<string>;
}

export interface SqlValues {
  readonly database: string;
  /** What `{{table:<name>}}` stands for instead of the table itself (a parenthesised SELECT). */
  readonly relations?: ReadonlyMap<string, string>;
  readonly from?: string;
  readonly to?: string;
  readonly date?: string;
}

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,127}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function parseSqlTemplate(text: string): SqlTemplate {
  const parameters = new Set<DateParameter>();
  const tables = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) {
    const inside = match[1]!;
    const line = text.slice(0, match.index).split('\n').length;
    if (inside.startsWith('table:')) {
      const table = inside.slice('table:'.length).trim();
      if (!IDENTIFIER.test(table))
        throw new SqlTemplateError(`line ${line}: {{${inside}}} does not name a table`);
      tables.add(table);
    } else if ((DATE_PARAMETERS as readonly string[]).includes(inside)) {
      parameters.add(inside as DateParameter);
    } else {
      throw new SqlTemplateError(
        `line ${line}: unknown placeholder {{${inside}}} (use {{from}}, {{to}}, {{date}} or {{table:<name>}})`,
      );
    }
  }
  if (/\{\{|\}\}/.test(text.replace(PLACEHOLDER, '')))
    throw new SqlTemplateError('unbalanced {{ or }} in the SQL');
  return { text, parameters, tables };
}

export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new SqlTemplateError(`${JSON.stringify(name)} is not a valid identifier`);
  return `"${name}"`;
}

/** A `YYYY-MM-DD` string literal, after checking that the day exists. */
export function dateLiteral(day: string): string {
  const parsed = new Date(`${day}T00:00:00Z`);
  if (!DAY.test(day) || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day) {
    throw new SqlTemplateError(`${JSON.stringify(day)} is not a day (YYYY-MM-DD)`);
  }
  return `'${day}'`;
}

export function qualifiedTable(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}

export function renderSql(template: SqlTemplate | string, values: SqlValues): string {
  const parsed = typeof template === 'string' ? parseSqlTemplate(template) : template;
  return parsed.text.replace(PLACEHOLDER, (_whole, inside: string) => {
    if (inside.startsWith('table:')) {
      const table = inside.slice('table:'.length).trim();
      return values.relations?.get(table) ?? qualifiedTable(values.database, table);
    }
    const value = values[inside as DateParameter];
    if (value === undefined) throw new SqlTemplateError(`no value for {{${inside}}}`);
    return dateLiteral(value);
  });
}
