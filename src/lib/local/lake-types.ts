import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type ColumnType, columnTypeOfDuckDb } from '../columns/column-types';
import type { Pipeline } from '../pipeline/pipeline';
import {
  type RefusedTypeChange,
  refusedTypeChanges,
  SchemaChangeRefusedError,
  typeChangeVerdict,
} from '../schema/type-change';
import { ingestedLakeTables } from '../sources/registry';
import { DuckDb, sqlString } from '../standins/athena/duckdb';
import type { LocalEnvironment } from './local-environment';

/** One Parquet file per partition folder: files of one partition were written under one declaration. */
async function partitionFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
  const first = new Map<string, string>();
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.parquet')) continue;
    const path = join(entry.parentPath, entry.name);
    const current = first.get(entry.parentPath);
    if (current === undefined || path < current) first.set(entry.parentPath, path);
  }
  return [...first.values()].sort();
}

/**
 * The column types the local lake's ingested tables hold, read from one Parquet footer per
 * partition, compared with pipeline.yml: a change Athena could not read the old files through is
 * refused before the run writes anything.
 */
export async function refuseUnreadableTypeChanges(
  environment: Pick<LocalEnvironment, 'root' | 'lakeBucket'>,
  pipeline: Pipeline,
): Promise<void> {
  const refused: RefusedTypeChange[] = [];
  let duck: DuckDb | undefined;
  try {
    for (const table of ingestedLakeTables(pipeline)) {
      const files = await partitionFiles(join(environment.root, environment.lakeBucket, table.prefix));
      if (files.length === 0) continue;
      duck ??= await DuckDb.open();
      const held = new Map<string, { type: ColumnType; where: string }>();
      const declared = new Map(table.columns.map((c) => [c.name, c.type]));
      for (const file of files) {
        // DESCRIBE reads the footer only; DuckDB names the types as the local Athena reads them
        const { rows } = await duck.query(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
        for (const row of rows as Array<{ column_name: string; column_type: string }>) {
          const type = columnTypeOfDuckDb(row.column_type);
          if (!type) continue;
          const where = relative(environment.root, file);
          const name = row.column_name;
          const previous = held.get(name);
          // of several partitions, the first whose type Athena could not read as the declared one is named
          const wanted = declared.get(name);
          const unreadable = (candidate: ColumnType) =>
            wanted !== undefined && typeChangeVerdict(candidate, wanted) === 'refused';
          if (!previous || (!unreadable(previous.type) && unreadable(type))) held.set(name, { type, where });
        }
      }
      refused.push(...refusedTypeChanges(table.name, table.columns, held));
    }
  } finally {
    duck?.close();
  }
  if (refused.length > 0) throw new SchemaChangeRefusedError(refused);
}
