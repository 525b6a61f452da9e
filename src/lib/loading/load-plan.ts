import { randomBytes } from 'node:crypto';
import type { DriverErrorFields } from './databases/database';
import { ALL_DATABASES } from './databases/registry';
import {
  DatabaseUnavailableError,
  EmptyReplaceError,
  LoadError,
  LoadFailedError,
  LoadRequestError,
} from './errors';
import { valueChecks } from './exact-values';
import { checkIdentifier, SCRATCH_TOKEN_LENGTH } from './identifiers';
import { ResultRows } from './result-rows';
import type { Dialect, LoadMode, LoadOutcome, LoadRequest, ResultColumn } from './types';

const MODES: readonly LoadMode[] = ['merge', 'replace', 'insert'];

/** A load request whose names are all checked identifiers. */
export interface LoadPlan {
  readonly table: string;
  readonly mode: LoadMode;
  readonly keys: readonly string[];
  readonly columns: readonly ResultColumn[];
  readonly names: readonly string[];
  /** Column names that are not keys: what a merge updates. */
  readonly values: readonly string[];
  /** Random part of this load's scratch table names. */
  readonly token: string;
  /** Whether a replace of zero rows may empty a table that has rows. */
  readonly allowEmpty: boolean;
}

/** What a load did to the target's shape. */
export interface TableChange {
  /** Whether the load created the table. */
  readonly created: boolean;
  /** Result columns the load added to the existing table. */
  readonly added: readonly ResultColumn[];
}

/**
 * A replace whose result turned out empty must not empty a table that has rows unless the load
 * allows it; each loader calls this once the rows are staged, before the target changes (or, for
 * PostgreSQL, inside the transaction that would change it).
 */
export async function refuseEmptyReplace(
  plan: LoadPlan,
  rows: ResultRows,
  targetHasRows: () => Promise<boolean>,
): Promise<void> {
  if (plan.mode !== 'replace' || plan.allowEmpty || rows.count > 0) return;
  if (await targetHasRows()) throw new EmptyReplaceError(plan.table);
}

/**
 * Checks a request before anything touches the database: names (IdentifierError for the first bad
 * one), then structure (LoadRequestError naming every problem).
 */
export function planLoad(request: LoadRequest): LoadPlan {
  const table = checkIdentifier(request.table, 'table');
  const names = request.result.columns.map((column) => checkIdentifier(column.name, 'column'));
  const keys = request.keys.map((key) => checkIdentifier(key, 'key column'));
  const problems: string[] = [];
  if (!MODES.includes(request.mode))
    problems.push(`mode ${JSON.stringify(request.mode)} is not one of ${MODES.join(', ')}`);
  if (names.length === 0) problems.push('the result has no columns');
  const duplicates = names.filter((name, i) => names.indexOf(name) !== i);
  if (duplicates.length > 0)
    problems.push(`the result has duplicate column names: ${[...new Set(duplicates)].join(', ')}`);
  const unknownKeys = keys.filter((key) => !names.includes(key));
  if (unknownKeys.length > 0) problems.push(`key columns not in the result: ${unknownKeys.join(', ')}`);
  if (new Set(keys).size !== keys.length) problems.push(`key columns repeat: ${keys.join(', ')}`);
  if (request.mode === 'merge' && keys.length === 0) problems.push('merge needs at least one key column');
  if (problems.length > 0) throw new LoadRequestError(table, problems);
  return {
    table,
    mode: request.mode,
    keys,
    columns: request.result.columns,
    names,
    values: names.filter((name) => !keys.includes(name)),
    token: randomBytes(SCRATCH_TOKEN_LENGTH / 2).toString('hex'),
    allowEmpty: request.allowEmpty ?? false,
  };
}

/**
 * What a failed load reports: the row source's own error when the source broke (the database only
 * saw its input end), the loader's typed errors as they are, anything else wrapped with the table.
 */
function loadFailure(
  error: unknown,
  plan: LoadPlan,
  dialect: Dialect,
  rows: ResultRows,
  hint?: string,
): unknown {
  if (rows.failure) return rows.failure.error;
  if (error instanceof LoadError) return error;
  if (isConnectionLost(error)) {
    return new DatabaseUnavailableError(
      `Lost the connection to ${dialect} while loading ${plan.table} (${plan.mode}); the load changed nothing: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return new LoadFailedError(plan.table, plan.mode, dialect, error, hint);
}

/** Network errors of the client libraries, whichever database they reached. */
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

/**
 * Whether a load failed because its connection ended (a failover, a restart, a network cut) rather
 * than because of what it sent: each database's module knows its driver's and server's codes.
 */
export function isConnectionLost(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const fields = error as DriverErrorFields;
  for (const database of ALL_DATABASES) {
    const lost = database.connectionLost(fields);
    if (lost !== undefined) return lost;
  }
  return typeof fields.code === 'string' && NETWORK_ERROR_CODES.has(fields.code);
}

/**
 * What every loader does around its own SQL: check the request, count the rows as they stream,
 * and report a failure as above. `run` says whether it created the table or added columns to it.
 */
export async function runLoad(
  request: LoadRequest,
  dialect: Dialect,
  run: (plan: LoadPlan, rows: ResultRows) => Promise<TableChange>,
  hint: (error: unknown) => string | undefined = () => undefined,
): Promise<LoadOutcome> {
  const plan = planLoad(request);
  const rows = new ResultRows(
    request.result.rows,
    plan.columns,
    valueChecks(dialect, plan.columns),
    plan.table,
  );
  try {
    const { created, added } = await run(plan, rows);
    const outcome = { table: plan.table, mode: plan.mode, rows: rows.count, created };
    return added.length > 0 ? { ...outcome, addedColumns: added.map((column) => column.name) } : outcome;
  } catch (error) {
    throw loadFailure(error, plan, dialect, rows, hint(error));
  }
}
