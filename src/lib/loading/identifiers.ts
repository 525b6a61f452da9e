import { databaseOf } from './databases/registry';
import { LoadError } from './errors';
import type { Dialect } from './types';

/** Lowercase snake_case of at most 63 characters (PostgreSQL's limit), so one name works in every dialect. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_LENGTH = 63;

export type IdentifierKind = 'table' | 'column' | 'key column';

export class IdentifierError extends LoadError {
  override readonly name = 'IdentifierError';
  constructor(
    readonly kind: IdentifierKind,
    readonly identifier: string,
  ) {
    const shown = identifier.length > 80 ? `${identifier.slice(0, 77)}...` : identifier;
    super(
      `Invalid ${kind} name ${JSON.stringify(shown)}: use lowercase letters, digits and _, not starting with a digit, at most ${MAX_LENGTH} characters`,
    );
  }
}

export function isValidIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

export function checkIdentifier(name: string, kind: IdentifierKind): string {
  if (!isValidIdentifier(name)) throw new IdentifierError(kind, name);
  return name;
}

/** The name quoted for SQL text. Checks it again, so an unchecked name can never reach a statement. */
export function quoteIdentifier(dialect: Dialect, name: string, kind: IdentifierKind = 'column'): string {
  checkIdentifier(name, kind);
  return databaseOf(dialect).quote(name);
}

/**
 * A scratch table beside `table`: `orders__stage_k3x9q2`. The table name is shortened when needed so
 * the whole name stays a valid identifier; the random token keeps concurrent loads apart.
 */
/** Whether `name` is a `new` or `old` table that a replace of `table` makes, whatever its token. */
export function isSwapTableOf(table: string, name: string): boolean {
  const token = name.slice(-SCRATCH_TOKEN_LENGTH);
  if (!/^[0-9a-f]+$/.test(token)) return false;
  return (['new', 'old'] as const).some((purpose) => {
    try {
      return scratchTableName(table, purpose, token) === name;
    } catch {
      return false;
    }
  });
}

/** Hex digits of a load's random token (see planLoad). */
export const SCRATCH_TOKEN_LENGTH = 10;

export function scratchTableName(
  table: string,
  purpose: 'stage' | 'typed' | 'new' | 'old',
  token: string,
): string {
  const suffix = `__${purpose}_${token}`;
  return checkIdentifier(`${table.slice(0, MAX_LENGTH - suffix.length)}${suffix}`, 'table');
}
