import { randomBytes } from 'node:crypto';
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

/** MySQL's error number for a packet over max_allowed_packet. */
const ER_NET_PACKET_TOO_LARGE = 1153;

/** Network errors of the client libraries, and the servers' own codes for a session that ended. */
const LOST_CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * Whether a load failed because its connection ended (a failover, a restart, a network cut) rather
 * than because of what it sent: mysql2 marks such errors fatal; PostgreSQL's class 08 is
 * connection exceptions; node-postgres reports an ended socket only in words.
 */
export function isConnectionLost(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno, fatal, message } = error as {
    code?: unknown;
    errno?: unknown;
    fatal?: unknown;
    message?: unknown;
  };
  // the server ends the session after a packet over max_allowed_packet; the same rows would end
  // it again, so it is not a connection to retry
  if (code === 'ER_NET_PACKET_TOO_LARGE' || errno === ER_NET_PACKET_TOO_LARGE) return false;
  if (fatal === true) return true;
  if (typeof code === 'string' && (LOST_CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)))
    return true;
  return typeof message === 'string' && /Connection terminated|connection is in closed state/i.test(message);
}

/**
 * What every loader does around its own SQL: check the request, count the rows as they stream,
 * and report a failure as above. `run` returns whether it created the table.
 */
export async function runLoad(
  request: LoadRequest,
  dialect: Dialect,
  run: (plan: LoadPlan, rows: ResultRows) => Promise<boolean>,
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
    const created = await run(plan, rows);
    return { table: plan.table, mode: plan.mode, rows: rows.count, created };
  } catch (error) {
    throw loadFailure(error, plan, dialect, rows, hint(error));
  }
}
