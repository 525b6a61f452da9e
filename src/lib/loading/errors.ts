import type { Dialect, LoadMode } from './types';

/** Problems the loader itself detects; any other failure from a database arrives as LoadFailedError. */
export abstract class LoadError extends Error {}

/** A load was sent to a stage that has no BI database (the plan step skips loads there). */
export class LoaderDatabaseNotConfiguredError extends LoadError {
  override readonly name = 'LoaderDatabaseNotConfiguredError';
  constructor(readonly load: string) {
    super(
      `Cannot run load ${load}: this stage has no BI database. Set the loaderSecretArn param to the ` +
        'database secret and deploy again; until then the daily pipeline skips its loads.',
    );
  }
}

/** A load request that cannot be carried out as given (unknown key column, merge without keys, ...). */
export class LoadRequestError extends LoadError {
  override readonly name = 'LoadRequestError';
  constructor(
    readonly table: string,
    readonly problems: readonly string[],
  ) {
    super(`Cannot load ${table}:\n  - ${problems.join('\n  - ')}`);
  }
}

/** The target table exists but its columns (or its keys, for merge) do not fit the result. */
export class SchemaMismatchError extends LoadError {
  override readonly name = 'SchemaMismatchError';
  constructor(
    readonly table: string,
    readonly problems: readonly string[],
  ) {
    super(`Table ${table} does not match the query result:\n  - ${problems.join('\n  - ')}`);
  }
}

/** A result row with the wrong number of values. */
export class RowShapeError extends LoadError {
  override readonly name = 'RowShapeError';
  constructor(
    readonly row: number,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Result row ${row} has ${actual} values, but the result has ${expected} columns`);
  }
}

/** Values the database would only have stored altered (MySQL reports them as warnings of LOAD DATA LOCAL). */
export class RejectedValuesError extends LoadError {
  override readonly name = 'RejectedValuesError';
  constructor(
    readonly table: string,
    readonly count: number,
    readonly examples: readonly string[],
  ) {
    super(
      `${count} value(s) of the result for ${table} do not fit their column types, for example:\n  - ${examples.join('\n  - ')}`,
    );
  }
}

/** A value its column cannot hold exactly: the database would have stored it rounded or moved. */
export class InexactValueError extends LoadError {
  override readonly name = 'InexactValueError';
  constructor(
    readonly table: string,
    readonly row: number,
    readonly column: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(
      `Result row ${row}, column ${column}: ${JSON.stringify(value)} cannot be loaded into ${table} as it is: ${reason}`,
    );
  }
}

/** Merge keys that occur more than once in one result: which row should win is undefined, so the load fails. */
export class DuplicateKeyError extends LoadError {
  override readonly name = 'DuplicateKeyError';
  constructor(
    readonly table: string,
    readonly keys: readonly string[],
    readonly example: readonly unknown[],
    /** Spellings the target compares as one key (case, accents, trailing spaces), and why. */
    readonly collision: {
      readonly variants?: ReadonlyArray<readonly unknown[]>;
      readonly comparison?: string;
    } = {},
  ) {
    const quoted = (values: readonly unknown[]) => `(${values.map((v) => JSON.stringify(v)).join(', ')})`;
    const spellings = collision.variants
      ? `: ${collision.variants.map(quoted).join(', ')}${collision.comparison ? ` — ${collision.comparison}` : ''}`
      : '';
    super(
      `The result for ${table} has key (${keys.join(', ')}) = ${quoted(example)} more than once${spellings}; merge keys must be unique`,
    );
  }
}

/**
 * The database could not be reached, or the connection was lost during a load. The state machine
 * retries this error by name: a load is all or nothing, so trying again is safe.
 */
export class DatabaseUnavailableError extends LoadError {
  override readonly name = 'DatabaseUnavailableError';
}

/**
 * The database refused the connection for a reason only a change of configuration fixes: no such
 * database, or a user or password it does not accept. Trying again cannot help, so the state
 * machine does not retry it and the alert goes out at once. `target` is the connection without
 * its password.
 */
export class DatabaseConfigurationError extends LoadError {
  override readonly name = 'DatabaseConfigurationError';
  constructor(
    readonly target: string,
    readonly problem: string,
    readonly fix: string,
    options?: ErrorOptions,
  ) {
    super(`The database ${target} refused the connection: ${problem}. To fix: ${fix}`, options);
  }
}

/** A database error during a load, with the table and mode it happened in; the database's error is the cause. */
export class LoadFailedError extends LoadError {
  override readonly name = 'LoadFailedError';
  constructor(
    readonly table: string,
    readonly mode: LoadMode,
    readonly dialect: Dialect,
    cause: unknown,
    hint?: string,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Loading ${table} (${mode}) into ${dialect} failed: ${reason}${hint ? ` (${hint})` : ''}`, {
      cause,
    });
  }
}
