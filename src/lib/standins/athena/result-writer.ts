import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LocalObjectStore } from '../s3/local-object-store';
import { type DuckDb, sqlString } from './duckdb';
import { type LocalResultColumn, resultMetadataKey } from './results';
import { athenaResultType } from './type-maps';

/**
 * Writes a query's rows where Athena writes them, `<results bucket>/<id>.csv` in its CSV (every
 * value quoted), and beside it the columns as GetQueryResults reports them (read back by
 * `results.ts`, which the loader imports without DuckDB).
 */
export async function writeQueryResult(
  duck: DuckDb,
  store: LocalObjectStore,
  resultsBucket: string,
  id: string,
  select: string,
  columns: ReadonlyArray<{ name: string; type: string }>,
): Promise<{ outputLocation: string; columns: LocalResultColumn[] }> {
  const key = `${id}.csv`;
  const path = store.pathFor(resultsBucket, key);
  const metadataPath = store.pathFor(resultsBucket, resultMetadataKey(id));
  await mkdir(dirname(path), { recursive: true });
  await duck.run(`COPY (${select}) TO ${sqlString(path)} (FORMAT csv, HEADER true, FORCE_QUOTE *)`);
  const resultColumns = columns.map((c) => ({ name: c.name, ...athenaResultType(c.type) }));
  await writeFile(metadataPath, JSON.stringify(resultColumns));
  return { outputLocation: `s3://${resultsBucket}/${key}`, columns: resultColumns };
}
