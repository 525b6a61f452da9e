import type { CheckSpec } from '../pipeline/check-spec';
import type { Pipeline } from '../pipeline/pipeline';
import { checkQuerySql, FAILURES_COLUMN } from './check-sql';

/** StartQueryExecution parameters (the shape run-plan's AthenaQuery has). */
export interface CheckQuery {
  readonly QueryString: string;
  readonly WorkGroup: string;
  readonly QueryExecutionContext: { readonly Database: string };
}

export interface CheckRunRequest {
  readonly check: string;
  readonly runId: string;
  readonly from: string;
  readonly to: string;
  /** The plan's recomputed days (late data), of every transform; none when absent. */
  readonly recomputed?: ReadonlyArray<{ readonly transform: string; readonly day: string }>;
}

export interface PlannedCheck {
  readonly check: string;
  readonly query: CheckQuery;
}

/** One row of Athena's GetQueryResults, as the `Get check result` state hands it on. */
export interface AthenaResultRow {
  readonly Data?: ReadonlyArray<{ readonly VarCharValue?: string }>;
}

/** What a check found, small enough that a hundred of them fit one state's payload. */
export interface CheckOutcome {
  readonly check: string;
  readonly table: string;
  readonly severity: 'error' | 'warn';
  readonly passed: boolean;
  readonly failures: number;
  /** Up to SAMPLE_ROWS failing rows, cut to SAMPLE_BYTES of JSON; the full set is the query's result. */
  readonly sample: ReadonlyArray<Record<string, string | null>>;
  readonly queryExecutionId: string;
}

/** Each outcome's sample is kept under this many bytes of JSON, so outcomes stay small. */
export const SAMPLE_BYTES = 1024;

export class CheckRunError extends Error {
  override readonly name = 'CheckRunError';
}

/** The check named `name`, or a CheckRunError naming it. */
export function findCheck(pipeline: Pipeline, name: string): CheckSpec {
  const check = pipeline.checks.find((c) => c.name === name);
  if (!check) throw new CheckRunError(`${name} is not a check of the pipeline`);
  return check;
}

/**
 * The checks a run makes: every check on an ingested table, and those on transforms the run ran
 * (a transform it did not run was checked when it last ran).
 */
export function checksForRun(pipeline: Pipeline, ranTransforms: ReadonlySet<string>): string[] {
  const transforms = new Set(pipeline.transforms.map((t) => t.name));
  return pipeline.checks
    .filter((check) => !transforms.has(check.table) || ranTransforms.has(check.table))
    .map((check) => check.name);
}

/**
 * The earlier days a check reads besides the run's: each day recomputed in this run by a transform
 * with the check's table behind it, so every day a load carries has passed the checks that gate
 * that load (gateLoads holds a load back for a failed check on any table behind its transform).
 */
export function recomputedDaysFor(
  pipeline: Pipeline,
  check: CheckSpec,
  recomputed: CheckRunRequest['recomputed'],
): string[] {
  const days = (recomputed ?? [])
    .filter((r) => tablesBehind(pipeline, r.transform).has(check.table))
    .map((r) => r.day);
  return [...new Set(days)].sort();
}

/** The check's one query, in the enforced workgroup (its bytes-scanned cutoff applies). */
export function planCheck(
  pipeline: Pipeline,
  request: CheckRunRequest,
  settings: { readonly database: string; readonly workGroup: string },
): PlannedCheck {
  const check = findCheck(pipeline, request.check);
  return {
    check: check.name,
    query: {
      QueryString: checkQuerySql(pipeline, check, {
        database: settings.database,
        from: request.from,
        to: request.to,
        recomputedDays: recomputedDaysFor(pipeline, check, request.recomputed),
      }),
      WorkGroup: settings.workGroup,
      QueryExecutionContext: { Database: settings.database },
    },
  };
}

/** Reads the first page of the check's result: a header row, then the sampled failing rows. */
export function summariseCheck(
  pipeline: Pipeline,
  result: {
    readonly check: string;
    readonly queryExecutionId: string;
    readonly rows: readonly AthenaResultRow[];
  },
): CheckOutcome {
  const check = findCheck(pipeline, result.check);
  const [header, ...rows] = result.rows.map((row) =>
    (row.Data ?? []).map((cell) => cell.VarCharValue ?? null),
  );
  const names = header ?? [];
  const failuresAt = names.indexOf(FAILURES_COLUMN);
  if (header && failuresAt < 0)
    throw new CheckRunError(`${check.name}: the result has no ${FAILURES_COLUMN} column`);
  const failures = rows.length === 0 ? 0 : Number(rows[0]![failuresAt]);
  const sample: Array<Record<string, string | null>> = [];
  let bytes = 2;
  for (const row of rows) {
    const record = Object.fromEntries(
      names.flatMap((name, i) => (i === failuresAt ? [] : [[name, truncate(row[i] ?? null)]])),
    );
    bytes += Buffer.byteLength(JSON.stringify(record), 'utf8') + 1;
    if (bytes > SAMPLE_BYTES) break;
    sample.push(record);
  }
  return {
    check: check.name,
    table: check.table,
    severity: check.severity,
    passed: failures === 0,
    failures,
    sample,
    queryExecutionId: result.queryExecutionId,
  };
}

function truncate(value: string | null): string | null {
  return value !== null && value.length > 200 ? `${value.slice(0, 200)}…` : value;
}

/** Lake tables a transform reads, directly or through other transforms, and itself. */
function tablesBehind(pipeline: Pipeline, transform: string, seen = new Set<string>()): Set<string> {
  if (seen.has(transform)) return seen;
  seen.add(transform);
  for (const source of pipeline.transforms.find((t) => t.name === transform)?.sources ?? [])
    tablesBehind(pipeline, source, seen);
  return seen;
}

export interface LoadGate<Load extends { readonly load: string; readonly transform: string }> {
  /** The loads that go ahead. */
  readonly loads: readonly Load[];
  /** Loads left out, each with the failed error checks behind it. */
  readonly blocked: ReadonlyArray<{ readonly load: string; readonly checks: readonly string[] }>;
  /** Whether any error check failed: the execution then ends failed, after the loads that go ahead. */
  readonly failed: boolean;
  /** For people: which checks failed, what they blocked; empty when every check passed. */
  readonly message: string;
}

/**
 * Which loads go ahead: a load is left out when an `error` check failed on its transform or on
 * any table the transform reads, directly or not. `warn` checks never hold a load back.
 */
export function gateLoads<Load extends { readonly load: string; readonly transform: string }>(
  pipeline: Pipeline,
  loads: readonly Load[],
  outcomes: readonly CheckOutcome[],
): LoadGate<Load> {
  const failedErrors = outcomes.filter((o) => !o.passed && o.severity === 'error');
  const blocked: Array<{ load: string; checks: string[] }> = [];
  const proceeding: Load[] = [];
  for (const load of loads) {
    const behind = tablesBehind(pipeline, load.transform);
    const checks = failedErrors.filter((o) => behind.has(o.table)).map((o) => o.check);
    if (checks.length > 0) blocked.push({ load: load.load, checks });
    else proceeding.push(load);
  }
  const failedWarnings = outcomes.filter((o) => !o.passed && o.severity === 'warn');
  const describe = (o: CheckOutcome) => `${o.check} on ${o.table}: ${o.failures} failing row(s)`;
  const message = [
    ...(failedErrors.length > 0 ? [`Failed checks (error): ${failedErrors.map(describe).join('; ')}.`] : []),
    ...(blocked.length > 0 ? [`Loads skipped: ${blocked.map((b) => b.load).join(', ')}.`] : []),
    ...(failedWarnings.length > 0 ? [`Warnings: ${failedWarnings.map(describe).join('; ')}.`] : []),
  ].join(' ');
  return { loads: proceeding, blocked, failed: failedErrors.length > 0, message };
}
