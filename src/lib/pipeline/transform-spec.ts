import type { ConfigReader } from '../config/reader';
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
const NAME_HINT = 'lowercase letters, digits and underscores, starting with a letter';

export function readTransform(item: ConfigReader): TransformSpec {
  item.object([
    'name',
    'description',
    'sql',
    'sqlText',
    'mode',
    'partitionedBy',
    'sources',
    'compression',
    'lookbackDays',
  ]);
  const name = item.field('name').string({ pattern: NAME, patternHint: NAME_HINT });
  const mode = item.field('mode').oneOf(['incremental', 'full'] as const, 'incremental');
  const partitionedBy = item.field('partitionedBy').stringList({ pattern: NAME, patternHint: NAME_HINT });
  const sql = item
    .field('sql')
    .string({ pattern: /^transforms\/[a-z0-9_-]+\.sql$/, patternHint: 'transforms/<name>.sql' });
  const sqlText =
    typeof item.field('sqlText').value === 'string' ? (item.field('sqlText').value as string) : '';
  if (sql && !sqlText) item.field('sql').problem(`${sql} was not found next to pipeline.yml`);
  if (sqlText) {
    try {
      const template = parseSqlTemplate(sqlText);
      const usesRange = template.parameters.has('from') && template.parameters.has('to');
      if (mode === 'incremental' && !usesRange) {
        item.field('sql').problem('an incremental transform must filter its days with {{from}} and {{to}}');
      }
      if (mode === 'full' && (template.parameters.has('from') || template.parameters.has('to'))) {
        item
          .field('sql')
          .problem('a full transform reads everything; {{from}} and {{to}} belong to incremental ones');
      }
      const sources = item.field('sources').stringList({ pattern: NAME, patternHint: NAME_HINT });
      for (const table of template.tables) {
        if (!sources.includes(table))
          item.field('sql').problem(`reads {{table:${table}}}, which is not listed in sources`);
      }
    } catch (error) {
      if (!(error instanceof SqlTemplateError)) throw error;
      item.field('sql').problem(error.message);
    }
  }
  if (mode === 'incremental' && partitionedBy.join() !== 'dt') {
    item
      .field('partitionedBy')
      .problem('an incremental transform writes one day per run, so it is partitioned by [dt]');
  }
  const lookback = item.field('lookbackDays');
  if (mode === 'full' && lookback.present)
    lookback.problem('a full transform is rebuilt every run, so it has no days to look back on');
  const lookbackDays = mode === 'full' ? 0 : lookback.integer(0, MAX_LOOKBACK_DAYS, DEFAULT_LOOKBACK_DAYS);
  return {
    name,
    description: item.field('description').optionalString() ?? '',
    sql,
    sqlText,
    lookbackDays,
    mode,
    partitionedBy,
    sources: item.field('sources').stringList({ pattern: NAME, patternHint: NAME_HINT }),
    compression: item.field('compression').oneOf(['zstd', 'snappy'] as const, 'zstd'),
  };
}

export function readLoad(item: ConfigReader): LoadSpec {
  item.object(['name', 'transform', 'table', 'mode', 'keys', 'allowEmpty']);
  const mode = item.field('mode').oneOf(['merge', 'replace', 'insert'] as const, 'merge');
  const keys = item.field('keys').stringList({ pattern: NAME, patternHint: NAME_HINT });
  if (mode === 'merge' && keys.length === 0)
    item.field('keys').problem('merge needs the key columns to match rows on');
  return {
    name: item.field('name').string({ pattern: NAME, patternHint: NAME_HINT }),
    transform: item.field('transform').string({ pattern: NAME, patternHint: NAME_HINT }),
    table: item.field('table').string({ pattern: NAME, patternHint: NAME_HINT }),
    mode,
    keys,
    allowEmpty: item.field('allowEmpty').boolean(false),
  };
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
