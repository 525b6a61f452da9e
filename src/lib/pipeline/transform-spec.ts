import * as v from 'valibot';
import { bool, integer, list, mapping, oneOf, optional, problemAt, text } from '../config/schema';
import type { LoadMode } from '../loading/types';
import { parseSqlTemplate, SqlTemplateError } from '../transforms/sql-template';

/** A transform: an Athena SELECT materialised as a compressed, partitioned Parquet lake table. */
export interface TransformSpec {
  readonly name: string;
  readonly description: string;
  /** Path of the SQL file, relative to the repository root. */
  readonly sql: string;
  /** The SQL file's text, inlined when pipeline.yml is loaded. */
  readonly sqlText: string;
  /** incremental: the run's days only (the SQL filters on {{from}}..{{to}}); full: rebuilt each run. */
  readonly mode: 'incremental' | 'full';
  readonly partitionedBy: readonly string[];
  /** Lake tables the SQL reads; they decide the order transforms run in. */
  readonly sources: readonly string[];
  readonly compression: 'zstd' | 'snappy';
  /**
   * Incremental transforms: how many days before a run's first day are checked for late data. A
   * day computed earlier whose sources received new files since is computed again. 0 for full ones.
   */
  readonly lookbackDays: number;
}

/** Late events usually arrive within a few days (an offline phone, a retried batch). */
export const DEFAULT_LOOKBACK_DAYS = 3;
/** A month at most: each day looked back on costs the plan a listing per source and a marker read. */
export const MAX_LOOKBACK_DAYS = 31;

/** A load: a transform's result written into a database table for BI tools. */
export interface LoadSpec {
  readonly name: string;
  readonly transform: string;
  readonly table: string;
  readonly mode: LoadMode;
  readonly keys: readonly string[];
  /** A replace of zero rows empties a table that has rows only when this is true (default false). */
  readonly allowEmpty: boolean;
}

const NAME = /^[a-z][a-z0-9_]{0,47}$/;
const NAME_TEXT = text({
  pattern: NAME,
  hint: 'lowercase letters, digits and underscores, starting with a letter',
});

/** A transform as pipeline.yml declares it; `sqlText` is the SQL file's text, inlined on load. */
export const TRANSFORM_SCHEMA = v.pipe(
  mapping({
    name: NAME_TEXT,
    description: optional(text()),
    sql: text({ pattern: /^transforms\/[a-z0-9_-]+\.sql$/, hint: 'transforms/<name>.sql' }),
    sqlText: optional(v.string(), ''),
    mode: optional(oneOf(['incremental', 'full'] as const), 'incremental'),
    partitionedBy: optional(list(NAME_TEXT), []),
    sources: optional(list(NAME_TEXT), []),
    compression: optional(oneOf(['zstd', 'snappy'] as const), 'zstd'),
    lookbackDays: optional(integer(0, MAX_LOOKBACK_DAYS)),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const item = dataset.value;
    const problem = (key: string, message: string) => problemAt(addIssue, item, [key], message);
    const { sql, sqlText, mode, sources } = item;
    if (sql && !sqlText) problem('sql', `${sql} was not found next to pipeline.yml`);
    if (sqlText) {
      try {
        const template = parseSqlTemplate(sqlText);
        const usesRange = template.parameters.has('from') && template.parameters.has('to');
        if (mode === 'incremental' && !usesRange)
          problem('sql', 'an incremental transform must filter its days with {{from}} and {{to}}');
        if (mode === 'full' && (template.parameters.has('from') || template.parameters.has('to')))
          problem('sql', 'a full transform reads everything; {{from}} and {{to}} belong to incremental ones');
        for (const table of template.tables) {
          if (!sources.includes(table))
            problem('sql', `reads {{table:${table}}}, which is not listed in sources`);
        }
      } catch (error) {
        if (!(error instanceof SqlTemplateError)) throw error;
        problem('sql', error.message);
      }
    }
    if (mode === 'incremental' && item.partitionedBy.join() !== 'dt')
      problem(
        'partitionedBy',
        'an incremental transform writes one day per run, so it is partitioned by [dt]',
      );
    if (mode === 'full' && item.lookbackDays != null)
      problem('lookbackDays', 'a full transform is rebuilt every run, so it has no days to look back on');
  }),
);

export function toTransformSpec(item: v.InferOutput<typeof TRANSFORM_SCHEMA>): TransformSpec {
  return {
    name: item.name,
    description: item.description ?? '',
    sql: item.sql,
    sqlText: item.sqlText,
    lookbackDays: item.mode === 'full' ? 0 : (item.lookbackDays ?? DEFAULT_LOOKBACK_DAYS),
    mode: item.mode,
    partitionedBy: item.partitionedBy,
    sources: item.sources,
    compression: item.compression,
  };
}

/** A load as pipeline.yml declares it. */
export const LOAD_SCHEMA = v.pipe(
  mapping({
    name: NAME_TEXT,
    transform: NAME_TEXT,
    table: NAME_TEXT,
    mode: optional(oneOf(['merge', 'replace', 'insert'] as const), 'merge'),
    keys: optional(list(NAME_TEXT), []),
    allowEmpty: optional(bool(), false),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (dataset.typed && dataset.value.mode === 'merge' && dataset.value.keys.length === 0)
      problemAt(addIssue, dataset.value, ['keys'], 'merge needs the key columns to match rows on');
  }),
);

export function toLoadSpec(item: v.InferOutput<typeof LOAD_SCHEMA>): LoadSpec {
  const { name, transform, table, mode, keys, allowEmpty } = item;
  return { name, transform, table, mode, keys, allowEmpty };
}

/**
 * Orders transforms into levels: each reads only lake tables and transforms of earlier levels, and
 * those of one level can run in parallel. A cycle or an unknown source is reported by name.
 */
export function transformLevels(
  transforms: readonly TransformSpec[],
  lakeTables: ReadonlySet<string>,
): { levels: string[][]; problems: string[] } {
  const problems: string[] = [];
  const byName = new Map(transforms.map((t) => [t.name, t]));
  for (const transform of transforms) {
    for (const source of transform.sources) {
      if (!lakeTables.has(source) && !byName.has(source)) {
        problems.push(
          `transform ${transform.name} reads ${source}, which is neither a lake table nor a transform`,
        );
      }
    }
  }
  const levels: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < transforms.length) {
    const level = transforms
      .filter((t) => !placed.has(t.name) && t.sources.every((s) => !byName.has(s) || placed.has(s)))
      .map((t) => t.name);
    if (level.length === 0) {
      const stuck = transforms.filter((t) => !placed.has(t.name)).map((t) => t.name);
      problems.push(`transforms ${stuck.join(', ')} depend on each other in a cycle`);
      break;
    }
    for (const name of level) placed.add(name);
    levels.push(level);
  }
  return { levels, problems };
}
