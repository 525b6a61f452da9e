import type { Dialect, LoadMode } from './types';

/** Problems the loader itself detects; any other failure from a database arrives as LoadFailedError. */
export abstract class LoadError extends Error {}

/*
 * Error messages go into the Step Functions history and the alert e-mail, where private values may
 * not: they name the row, the column and the kind of problem, never a cell's value. The value stays
 * in the query result the load read (the results bucket, at that row) and, for code in the same
 * process, on the error as a property JSON and logs leave out.
 */

const WITHHELD = '<value withheld>';
/** MySQL `value: '…'`, `entry '…'`; PostgreSQL `value "…"`, `for type t: "…"`; DuckDB `string '…'`. */
const QUOTED_VALUES: ReadonlyArray<[RegExp, string]> = [
  [/\b(value:?|entry|string) '(?:[^'\\]|\\.|'')*'/gi, `$1 ${WITHHELD}`],
  [/\b(value) "(?:[^"]|"")*"/gi, `$1 ${WITHHELD}`],
  [/(\bfor type [^:\n]+): "(?:[^"]|"")*"/gi, `$1: ${WITHHELD}`],
];

/** A database's message with the cell values it quotes replaced, keeping what names row and column. */
export function withoutValues(message: string): string {
  return QUOTED_VALUES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), message);
}

/** Keeps a value on an error without letting JSON.stringify or a logger's serialiser see it. */
function keepPrivately<T extends object>(error: T, name: string, value: unknown): void {
  Object.defineProperty(error, name, { value, enumerable: false, writable: false, configurable: false });
}

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
      `${count} value(s) of the result for ${table} do not fit their column types, for example:\n  - ${examples.map(withoutValues).join('\n  - ')}`,
    );
  }
}

/** A value its column cannot hold exactly: the database would have stored it rounded or moved. */
export class InexactValueError extends LoadError {
  override readonly name = 'InexactValueError';
  /** The value itself: never in the message (see above). */
  declare readonly value: string;
  constructor(
    readonly table: string,
    readonly row: number,
    readonly column: string,
    value: string,
    readonly reason: string,
  ) {
    super(
      `Result row ${row}, column ${column}: ${reason}, so it cannot be loaded into ${table} as it is (the value is at that row of the query result)`,
    );
    keepPrivately(this, 'value', value);
  }
}

/** Merge keys that occur more than once in one result: which row should win is undefined, so the load fails. */
export class DuplicateKeyError extends LoadError {
  override readonly name = 'DuplicateKeyError';
  /** One repeated key's values: never in the message (see above). */
  declare readonly example: readonly unknown[];
  /** Spellings the target compares as one key (case, accents, trailing spaces): never in the message. */
  declare readonly variants: ReadonlyArray<readonly unknown[]> | undefined;
  constructor(
    readonly table: string,
    readonly keys: readonly string[],
    example: readonly unknown[],
    collision: {
      readonly variants?: ReadonlyArray<readonly unknown[]> | undefined;
      /** Why the target compares them as one. */
      readonly comparison?: string | undefined;
    } = {},
  ) {
    const columns = keys.join(', ');
    const spellings = collision.variants
      ? `, in ${collision.variants.length} spellings${collision.comparison ? `: ${collision.comparison}` : ''}`
      : '';
    super(
      `The result for ${table} has a key (${columns}) more than once${spellings}; merge keys must be unique ` +
        `(GROUP BY ${columns} HAVING COUNT(*) > 1 over the query result finds it)`,
    );
    keepPrivately(this, 'example', example);
    keepPrivately(this, 'variants', collision.variants);
  }
}

/** A replace load of no rows into a table that has rows: it would empty the table without a word. */
export class EmptyReplaceError extends LoadError {
  override readonly name = 'EmptyReplaceError';
  constructor(readonly table: string) {
    super(
      `The result for ${table} is empty and ${table} has rows: a replace load would empty it, so it was left as it was. ` +
        'If an empty result is expected, set allowEmpty: true on the load in pipeline.yml',
    );
  }
}

/**
 * A value larger than the server takes in one packet (MySQL's max_allowed_packet): sending it would
 * end the connection, and sending it again would end it again, so it is not retried.
 */
export class ValueTooLargeError extends LoadError {
  override readonly name = 'ValueTooLargeError';
  constructor(
    readonly table: string,
    readonly row: number,
    readonly column: string,
    /** The whole row's bytes; `column` is its largest value. */
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `Result row ${row}, column ${column}: the row takes ${bytes} bytes, more than the server's max_allowed_packet ` +
        `(${limit} bytes), so it cannot be loaded into ${table}; this column is its largest value. ` +
        'Raise max_allowed_packet on the server or make the value smaller; retrying would fail the same way',
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
    const reason = withoutValues(cause instanceof Error ? cause.message : String(cause));
    super(`Loading ${table} (${mode}) into ${dialect} failed: ${reason}${hint ? ` (${hint})` : ''}`, {
      cause,
    });
  }
}
