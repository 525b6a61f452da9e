import { createHash } from 'node:crypto';
import type { TransformSpec } from '../pipeline/transform-spec';
import { parseSqlTemplate, qualifiedTable, renderSql } from './sql-template';

/** Athena writes at most 100 partitions per CTAS or INSERT INTO; longer ranges go in chunks. */
export const MAX_PARTITIONS_PER_QUERY = 100;

export interface TransformRunContext {
  /** Unique per pipeline run (the Step Functions execution name); names the run's output. */
  readonly runId: string;
  readonly database: string;
  readonly lakeBucket: string;
  /** Days the run covers, inclusive, `YYYY-MM-DD`. */
  readonly from: string;
  readonly to: string;
  /** Earlier days computed again because late data reached their sources (incremental only). */
  readonly recompute?: readonly string[];
  /** When the run was planned, before its statements read the sources: recorded per day it writes. */
  readonly plannedAt?: string;
  /** What `{{table:<name>}}` reads instead of the table (streams with keys: one copy per key). */
  readonly relations?: ReadonlyMap<string, string>;
}

/** Everything one run of one transform does, computed before anything runs. */
export interface TransformRun {
  readonly transform: string;
  readonly mode: TransformSpec['mode'];
  /** The lake table readers query. */
  readonly target: string;
  /** The table the CTAS creates; published into the target, then dropped. */
  readonly stagingTable: string;
  /** `lake/<target>/runs/<run key>/`: unique to the run, because CTAS never overwrites. */
  readonly outputPrefix: string;
  readonly partitionedBy: readonly string[];
  /** The CTAS, then one INSERT INTO per further chunk of at most 100 days. */
  readonly statements: readonly string[];
  /** Incremental runs: the days they replace, the run's own and any recomputed, in order. */
  readonly days: readonly string[];
  /** When the run was planned; publishing records it as each day's computed time. */
  readonly plannedAt?: string;
}

/** What publishing or discarding a run needs: everything but the statements, which have run by then. */
export type TransformRunOutput = Omit<TransformRun, 'statements'>;

export function runsPrefix(target: string): string {
  return `lake/${target}/runs/`;
}

export function manifestKey(target: string, day: string): string {
  return `lake/${target}/manifests/dt=${day}/symlink.txt`;
}

/**
 * A small JSON object per transform and day, `{"computedAt": …, "runId": …}`, written when the
 * day is published: planning compares its sources' newest files with it to find late data.
 */
export function computedMarkerKey(target: string, day: string): string {
  return `lake/${target}/computed/dt=${day}.json`;
}

/** Lowercase, short and unique: execution names may be long and use characters SQL names cannot. */
export function runKey(runId: string): string {
  const readable = runId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return `${readable}_${createHash('sha256').update(runId).digest('hex').slice(0, 8)}`;
}

export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

function ctas(table: string, location: string, spec: TransformSpec, select: string): string {
  const properties = [
    `format = 'PARQUET'`,
    `write_compression = '${spec.compression.toUpperCase()}'`,
    `external_location = '${location}'`,
    ...(spec.partitionedBy.length > 0
      ? [`partitioned_by = ARRAY[${spec.partitionedBy.map((c) => `'${c}'`).join(', ')}]`]
      : []),
  ];
  return `CREATE TABLE ${table}\nWITH (\n  ${properties.join(',\n  ')}\n) AS\n${select}`;
}

/**
 * Plans one transform for a run: a CTAS into a location of its own, and for an incremental
 * backfill longer than 100 days, INSERT INTO statements for the following chunks.
 */
export function planTransformRun(spec: TransformSpec, context: TransformRunContext): TransformRun {
  const key = runKey(context.runId);
  const stagingTable = `${spec.name}__run_${key}`;
  const outputPrefix = `${runsPrefix(spec.name)}${key}/`;
  const location = `s3://${context.lakeBucket}/${outputPrefix}`;
  const template = parseSqlTemplate(spec.sqlText);
  const staging = qualifiedTable(context.database, stagingTable);
  if (spec.mode === 'full') {
    const select = renderSql(template, {
      database: context.database,
      date: context.to,
      ...(context.relations ? { relations: context.relations } : {}),
    });
    return {
      transform: spec.name,
      mode: spec.mode,
      target: spec.name,
      stagingTable,
      outputPrefix,
      partitionedBy: spec.partitionedBy,
      statements: [ctas(staging, location, spec, select)],
      days: [],
    };
  }
  const days = [...new Set([...(context.recompute ?? []), ...daysBetween(context.from, context.to)])].sort();
  const statements: string[] = [];
  // the SQL filters one range of days: separate days are separate ranges, so untouched days between
  // a recomputed day and the run's own are not read
  for (const range of contiguousRanges(days)) {
    for (let i = 0; i < range.length; i += MAX_PARTITIONS_PER_QUERY) {
      const chunk = range.slice(i, i + MAX_PARTITIONS_PER_QUERY);
      const select = renderSql(template, {
        database: context.database,
        from: chunk[0]!,
        to: chunk.at(-1)!,
        date: context.to,
        ...(context.relations ? { relations: context.relations } : {}),
      });
      statements.push(
        statements.length === 0 ? ctas(staging, location, spec, select) : `INSERT INTO ${staging}\n${select}`,
      );
    }
  }
  return {
    transform: spec.name,
    mode: spec.mode,
    target: spec.name,
    stagingTable,
    outputPrefix,
    partitionedBy: spec.partitionedBy,
    statements,
    days,
    ...(context.plannedAt ? { plannedAt: context.plannedAt } : {}),
  };
}

/** Sorted days split where a day is missing: `[17, 19, 20]` → `[[17], [19, 20]]`. */
export function contiguousRanges(days: readonly string[]): string[][] {
  const ranges: string[][] = [];
  let previous = Number.NaN;
  for (const day of days) {
    const time = Date.parse(`${day}T00:00:00Z`);
    if (time - previous === 86_400_000) ranges.at(-1)!.push(day);
    else ranges.push([day]);
    previous = time;
  }
  return ranges;
}
