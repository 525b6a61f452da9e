import { type ColumnType, parseColumnType } from '../columns/column-types';
import { stageDatabaseName } from '../config/stage-names';
import type { Pipeline } from '../pipeline/pipeline';
import { type RefusedTypeChange, refusedTypeChanges, SchemaChangeRefusedError } from '../schema/type-change';
import { ingestedLakeTables } from '../sources/registry';
import { errorMessage } from '../util/errors';
import type { Finding } from './preflight';

/** A deployed Glue table's columns as Glue spells their types; undefined when the table does not exist. */
export type ReadGlueColumns = (
  database: string,
  table: string,
) => Promise<ReadonlyArray<{ readonly name: string; readonly type: string }> | undefined>;

function parsedOrUndefined(text: string): ColumnType | undefined {
  try {
    return parseColumnType(text);
  } catch {
    return undefined;
  }
}

/**
 * The deployed stage's ingested tables, as Glue has them, against pipeline.yml: a column type Athena
 * could not read the files already written through is an error before `sls deploy` changes the
 * table (see SchemaChangeRefusedError). Offline, says what to check by hand.
 */
export async function lakeTypeFindings(
  pipeline: Pipeline,
  stage: string,
  read: ReadGlueColumns | undefined,
): Promise<Finding[]> {
  const database = stageDatabaseName(pipeline.database, stage);
  const tables = ingestedLakeTables(pipeline);
  if (!read) {
    return [
      {
        level: 'unchecked',
        topic: 'lake-types',
        message: `offline: could not compare the column types of ${database}'s tables with pipeline.yml (run with AWS credentials, or: aws glue get-table --database-name ${database} --name <table>)`,
      },
    ];
  }
  const refused: RefusedTypeChange[] = [];
  for (const table of tables) {
    let columns: Awaited<ReturnType<ReadGlueColumns>>;
    try {
      columns = await read(database, table.name);
    } catch (error) {
      return [
        {
          level: 'unchecked',
          topic: 'lake-types',
          message: `could not read the Glue table ${database}.${table.name} (${errorMessage(error)}): compare its column types with pipeline.yml by hand`,
        },
      ];
    }
    const held = new Map<string, { type: ColumnType; where: string }>();
    for (const column of columns ?? []) {
      const type = parsedOrUndefined(column.type);
      if (type) held.set(column.name, { type, where: `Glue table ${database}.${table.name}` });
    }
    refused.push(...refusedTypeChanges(table.name, table.columns, held));
  }
  if (refused.length === 0) {
    return [
      {
        level: 'ok',
        topic: 'lake-types',
        message: `the column types of ${database}'s ${tables.length} ingested tables read the files already written`,
      },
    ];
  }
  return [{ level: 'error', topic: 'lake-types', message: new SchemaChangeRefusedError(refused).message }];
}
