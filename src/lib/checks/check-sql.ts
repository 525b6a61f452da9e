import type { CheckSpec } from '../pipeline/check-spec';
import type { Pipeline } from '../pipeline/pipeline';
import { streamLakeRelations } from '../rewrite/lake-sql';
import { dateLiteral, qualifiedTable, quoteIdentifier, renderSql } from '../transforms/sql-template';

/** Failing rows a check's outcome carries as a sample; the query's result keeps all of them. */
export const SAMPLE_ROWS = 10;
/** Added to each sampled row: how many rows failed in all (the same in every row). */
export const FAILURES_COLUMN = 'check_failures';

export interface CheckQueryScope {
  readonly database: string;
  readonly from: string;
  readonly to: string;
  /**
   * Earlier days the run wrote again (late data) that a load carries: checked with the run's own,
   * so no day reaches the BI database unchecked.
   */
  readonly recomputedDays?: readonly string[];
}

const DAY_MS = 86_400_000;

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/** Whether a table is partitioned by day (`dt`), so a check reads only the run's days of it. */
export function isDailyTable(pipeline: Pipeline, table: string): boolean {
  const transform = pipeline.transforms.find((t) => t.name === table);
  return transform ? transform.partitionedBy.includes('dt') : true;
}

/** The recomputed days outside from..to, each once, in order. */
function earlierDays(scope: CheckQueryScope): string[] {
  return [...new Set(scope.recomputedDays ?? [])].filter((d) => d < scope.from || d > scope.to).sort();
}

/** The days a check reads of a daily table: the run's, and the days it recomputed. */
function checkedDays(scope: CheckQueryScope): string {
  const between = `dt BETWEEN ${dateLiteral(scope.from)} AND ${dateLiteral(scope.to)}`;
  const earlier = earlierDays(scope);
  return earlier.length === 0 ? between : `(${between} OR dt IN (${earlier.map(dateLiteral).join(', ')}))`;
}

function stringLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function timestampLiteral(epochMs: number): string {
  return `TIMESTAMP '${new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '')}'`;
}

/**
 * The failing rows of a check as one SELECT over the days of the run and the days it recomputed
 * (Athena dialect). Every identifier is validated and quoted, every value written as a literal;
 * nothing comes from data. A `sql` check's {{from}} reaches back to the earliest recomputed day.
 */
export function failingRowsSql(pipeline: Pipeline, check: CheckSpec, scope: CheckQueryScope): string {
  // a stream is read as stored, copies included (a `unique` check is how they are found), with
  // each rewritten day read from its current generation
  const relations = streamLakeRelations(pipeline, scope.database);
  const table = relations.get(check.table) ?? qualifiedTable(scope.database, check.table);
  const daily = isDailyTable(pipeline, check.table);
  const runDays = checkedDays(scope);
  const where = (condition: string) => (daily ? `WHERE ${runDays} AND (${condition})` : `WHERE ${condition}`);
  const rule = check.rule;
  switch (rule.kind) {
    case 'not_null':
      return `SELECT * FROM ${table} ${where(rule.columns.map((c) => `${quoteIdentifier(c)} IS NULL`).join(' OR '))}`;
    case 'unique': {
      const columns = rule.columns.map(quoteIdentifier).join(', ');
      return `SELECT ${columns}, count(*) AS occurrences FROM ${table}${daily ? ` WHERE ${runDays}` : ''} GROUP BY ${columns} HAVING count(*) > 1`;
    }
    case 'accepted_values': {
      const column = quoteIdentifier(rule.column);
      const outside = `CAST(${column} AS varchar) NOT IN (${rule.values.map(stringLiteral).join(', ')})`;
      // NOT IN is never true for NULL: a NULL fails only when the rule says NULL is not accepted
      return `SELECT * FROM ${table} ${where(rule.allowNull ? `${column} IS NOT NULL AND ${outside}` : `(${column} IS NULL OR ${outside})`)}`;
    }
    case 'row_count':
      return rowCountSql(table, daily, rule, scope);
    case 'freshness': {
      const column = quoteIdentifier(rule.column);
      // measured from the end of the run's last day, so a re-run or backfill judges its own days
      const oldestAllowed = Date.parse(`${scope.to}T00:00:00Z`) + DAY_MS - rule.maxAgeSeconds * 1000;
      const threshold = timestampLiteral(oldestAllowed);
      return `SELECT max(${column}) AS latest, ${threshold} AS expected_at_least FROM ${table}${daily ? ` WHERE ${runDays}` : ''} HAVING max(${column}) IS NULL OR max(${column}) < ${threshold}`;
    }
    case 'sql': {
      // a query of its own can only be given a range: the one that holds every checked day
      const from = [scope.from, ...earlierDays(scope)].sort()[0]!;
      return renderSql(rule.sql, { database: scope.database, from, to: scope.to, relations });
    }
  }
}

function rowCountSql(
  table: string,
  daily: boolean,
  rule: Extract<CheckSpec['rule'], { kind: 'row_count' }>,
  scope: CheckQueryScope,
): string {
  const outside = (count: string, lastWeek: string | undefined) => {
    const conditions = [
      ...(rule.min !== undefined ? [`${count} < ${rule.min}`] : []),
      ...(rule.max !== undefined ? [`${count} > ${rule.max}`] : []),
      ...(rule.withinFactorOfLastWeek !== undefined && lastWeek !== undefined
        ? [
            `(${lastWeek} > 0 AND (CAST(${count} AS double) * ${rule.withinFactorOfLastWeek} < ${lastWeek} OR CAST(${count} AS double) > ${lastWeek} * ${rule.withinFactorOfLastWeek}))`,
          ]
        : []),
    ];
    return conditions.join(' OR ') || 'false';
  };
  if (!daily) return `SELECT count(*) AS row_count FROM ${table} HAVING ${outside('count(*)', undefined)}`;
  const compare = rule.withinFactorOfLastWeek !== undefined;
  // every checked day is listed, so a day with no rows at all is counted as 0, not left out
  const earlier = earlierDays(scope);
  const days = [...earlier, ...daysOf(scope.from, scope.to)]
    .map((day) => `(${dateLiteral(day)}, ${dateLiteral(addDays(day, -7))})`)
    .join(', ');
  const first = compare ? addDays(scope.from, -7) : scope.from;
  const counted = earlier.flatMap((day) => (compare ? [day, addDays(day, -7)] : [day]));
  const alsoCounted = counted.length > 0 ? ` OR dt IN (${counted.map(dateLiteral).join(', ')})` : '';
  return [
    `WITH counts AS (SELECT CAST(dt AS varchar) AS dt, count(*) AS row_count FROM ${table} WHERE dt BETWEEN ${dateLiteral(first)} AND ${dateLiteral(scope.to)}${alsoCounted} GROUP BY dt)`,
    `SELECT days.dt, coalesce(this_day.row_count, 0) AS row_count${compare ? ', coalesce(last_week.row_count, 0) AS same_weekday_last_week' : ''}`,
    `FROM (VALUES ${days}) AS days (dt, week_before)`,
    `LEFT JOIN counts AS this_day ON this_day.dt = days.dt${compare ? ' LEFT JOIN counts AS last_week ON last_week.dt = days.week_before' : ''}`,
    `WHERE ${outside('coalesce(this_day.row_count, 0)', compare ? 'coalesce(last_week.row_count, 0)' : undefined)}`,
  ].join('\n');
}

/**
 * The query a check runs: every failing row, each with their total, in one statement. Athena keeps
 * the whole result in the results bucket for a person to read; the pipeline reads its first page.
 */
export function checkQuerySql(pipeline: Pipeline, check: CheckSpec, scope: CheckQueryScope): string {
  const failing = failingRowsSql(pipeline, check, scope);
  return `SELECT *, count(*) OVER () AS ${FAILURES_COLUMN} FROM (\n${failing}\n) AS failing`;
}
