import { readConfig } from '../config/reader';
import type { ObjectStore } from '../storage/object-store';
import { type AthenaResultPort, readAthenaQueryResult } from './athena-result';
import { DatabaseConfigurationError, DatabaseUnavailableError } from './errors';

export { DatabaseUnavailableError };

import type { LoadMode, LoadOutcome, TableLoader } from './types';

/** What the state machine's load step sends: one planned load and the query that produced it. */
export interface LoadEvent {
  readonly load: string;
  readonly table: string;
  readonly mode: LoadMode;
  readonly keys: readonly string[];
  /** Whether a replace of zero rows may empty a table that has rows; absent means no. */
  readonly allowEmpty: boolean;
  readonly queryExecutionId: string;
}

const MODES: readonly LoadMode[] = ['merge', 'replace', 'insert'];

export function readLoadEvent(event: unknown): LoadEvent {
  return readConfig('load event', event, (root) => {
    root.object(['load', 'table', 'mode', 'keys', 'allowEmpty', 'queryExecutionId']);
    return {
      load: root.field('load').string(),
      table: root.field('table').string(),
      mode: root.field('mode').oneOf(MODES, 'merge'),
      keys: root.field('keys').stringList(),
      allowEmpty: root.field('allowEmpty').boolean(false),
      queryExecutionId: root
        .field('queryExecutionId')
        .string({ pattern: /^[a-zA-Z0-9-]{1,128}$/, patternHint: 'an Athena query execution id' }),
    };
  });
}

export interface LoadDependencies {
  readonly athena: AthenaResultPort;
  readonly store: ObjectStore;
  /** Opens a connection to the target database. */
  readonly connect: () => Promise<TableLoader>;
}

/** Streams a finished query's result into its table; the connection is closed whatever happens. */
export async function loadQueryResult(
  event: LoadEvent,
  dependencies: LoadDependencies,
): Promise<LoadOutcome> {
  const result = await readAthenaQueryResult(event.queryExecutionId, dependencies);
  let loader: TableLoader;
  try {
    loader = await dependencies.connect();
  } catch (error) {
    // a refusal only configuration fixes is not retried: it goes on as it is
    if (error instanceof DatabaseConfigurationError) throw error;
    throw new DatabaseUnavailableError(`Cannot connect to the database: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let loaded = false;
  try {
    const outcome = await loader.load({
      table: event.table,
      mode: event.mode,
      keys: event.keys,
      allowEmpty: event.allowEmpty,
      result,
    });
    loaded = true;
    return outcome;
  } finally {
    // after a failure (a lost connection above all) closing may fail too; the load's error matters
    await loader.close().catch((error: unknown) => {
      if (loaded) throw error;
    });
  }
}
