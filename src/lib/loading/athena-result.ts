import {
  type AthenaClient,
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandInput,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  type GetQueryResultsCommandInput,
  type GetQueryResultsCommandOutput,
} from '@aws-sdk/client-athena';
import { type ColumnType, columnTypeOfAthenaResult } from '../columns/column-types';
import type { ObjectStore } from '../storage/object-store';
import { readAthenaCsv } from './athena-csv';
import type { QueryResult, ResultColumn, ResultRow } from './types';

/** The two Athena calls a result needs; `athenaResultPort` adapts a real client, tests pass fakes. */
export interface AthenaResultPort {
  getQueryExecution(
    input: GetQueryExecutionCommandInput,
  ): Promise<Pick<GetQueryExecutionCommandOutput, 'QueryExecution'>>;
  getQueryResults(
    input: GetQueryResultsCommandInput,
  ): Promise<Pick<GetQueryResultsCommandOutput, 'ResultSet'>>;
}

export function athenaResultPort(client: AthenaClient): AthenaResultPort {
  return {
    getQueryExecution: (input) => client.send(new GetQueryExecutionCommand(input)),
    getQueryResults: (input) => client.send(new GetQueryResultsCommand(input)),
  };
}

/** A query whose result cannot be read: not finished, failed, not a SELECT, no CSV. */
export class AthenaResultError extends Error {
  override readonly name = 'AthenaResultError';
  constructor(
    readonly queryExecutionId: string,
    readonly reason: string,
  ) {
    super(`Athena query ${queryExecutionId}: ${reason}`);
  }
}

/**
 * The column type for an Athena result column, from GetQueryResults' ColumnInfo (`decimal` with
 * Precision and Scale beside it) or a full type text (`decimal(38,10)`, `array(varchar)`): each
 * column type's module names the result types it reads.
 */
export function athenaColumnType(type: string, precision?: number, scale?: number): ColumnType {
  return columnTypeOfAthenaResult(type, precision, scale);
}

const S3_URI = /^s3:\/\/([^/]+)\/(.+)$/;

/**
 * A finished Athena query's result: columns from GetQueryResults' metadata (one call, MaxResults 1),
 * rows streamed from the result CSV in S3 through the object store. GetQueryResults paging would
 * take a round trip per 1000 rows; the CSV streams at S3 speed. The CSV is opened when the rows are
 * first read, and closed when reading stops.
 */
export async function readAthenaQueryResult(
  queryExecutionId: string,
  ports: { readonly athena: AthenaResultPort; readonly store: ObjectStore },
): Promise<QueryResult> {
  const fail = (reason: string) => new AthenaResultError(queryExecutionId, reason);
  const { QueryExecution: execution } = await ports.athena.getQueryExecution({
    QueryExecutionId: queryExecutionId,
  });
  const state = execution?.Status?.State;
  if (state !== 'SUCCEEDED') {
    const reason = execution?.Status?.StateChangeReason;
    throw fail(`the query is ${state ?? 'in an unknown state'}${reason ? `: ${reason}` : ''}, not SUCCEEDED`);
  }
  const location = execution?.ResultConfiguration?.OutputLocation;
  const object = location === undefined ? undefined : S3_URI.exec(location);
  if (!location || !object || !location.endsWith('.csv'))
    throw fail(
      `no CSV result in S3 (output location ${location ?? 'none'}); only SELECT results written to an S3 output location can be loaded`,
    );
  const results = await ports.athena.getQueryResults({ QueryExecutionId: queryExecutionId, MaxResults: 1 });
  const info = results.ResultSet?.ResultSetMetadata?.ColumnInfo;
  if (!info || info.length === 0) throw fail('the result has no column metadata');
  const columns: ResultColumn[] = info.map((column, i) => {
    const name = column.Name ?? '';
    try {
      return { name, type: athenaColumnType(column.Type ?? '', column.Precision, column.Scale) };
    } catch (error) {
      throw fail(`column ${i + 1} (${JSON.stringify(name)}): ${(error as Error).message}`);
    }
  });
  return {
    columns,
    rows: readObjectRows(ports.store, object[1]!, object[2]!, columns, location),
  };
}

async function* readObjectRows(
  store: ObjectStore,
  bucket: string,
  key: string,
  columns: readonly ResultColumn[],
  source: string,
): AsyncGenerator<ResultRow> {
  const stream = await store.get(bucket, key);
  try {
    yield* readAthenaCsv(stream, { columns: columns.map((column) => column.name), source });
  } finally {
    stream.destroy();
  }
}
