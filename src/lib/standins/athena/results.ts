import { Readable } from 'node:stream';
import { readAthenaCsv } from '../../loading/athena-csv';
import type { AthenaResultPort } from '../../loading/athena-result';
import { getBytes, ObjectNotFoundError, type ObjectStore } from '../../storage/object-store';

/** What the local engine writes beside a SELECT's CSV result: the columns as Athena reports them. */
export interface LocalResultColumn {
  readonly name: string;
  readonly type: string;
  readonly precision: number;
  readonly scale: number;
}

export function resultMetadataKey(queryExecutionId: string): string {
  return `${queryExecutionId}.csv.metadata.json`;
}

/**
 * Athena's GetQueryExecution and GetQueryResults for queries the local engine ran: it answers from
 * the metadata file written beside each SELECT's CSV, so the loader reads a local result through
 * the same path as a real one.
 */
export function localAthenaResultPort(store: ObjectStore, resultsBucket: string): AthenaResultPort {
  const metadata = async (id: string) => {
    try {
      return JSON.parse(
        (await getBytes(store, resultsBucket, resultMetadataKey(id))).toString('utf8'),
      ) as LocalResultColumn[];
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
  };
  return {
    async getQueryExecution({ QueryExecutionId: id = '' }) {
      const columns = await metadata(id);
      return {
        QueryExecution: {
          QueryExecutionId: id,
          Status: columns
            ? { State: 'SUCCEEDED' }
            : { State: 'FAILED', StateChangeReason: 'no such query ran on the local engine' },
          ResultConfiguration: columns ? { OutputLocation: `s3://${resultsBucket}/${id}.csv` } : {},
        },
      };
    },
    async getQueryResults({ QueryExecutionId: id = '' }) {
      const columns = (await metadata(id)) ?? [];
      return {
        ResultSet: {
          ResultSetMetadata: {
            ColumnInfo: columns.map((c) => ({
              Name: c.name,
              Type: c.type,
              Precision: c.precision,
              Scale: c.scale,
            })),
          },
        },
      };
    },
  };
}

/**
 * GetQueryResults' first page for a query the local engine ran: the header row, then up to
 * `maxResults - 1` rows, each cell as `VarCharValue` (absent for NULL), as Athena returns them.
 */
export async function localResultPage(
  store: ObjectStore,
  resultsBucket: string,
  queryExecutionId: string,
  maxResults: number,
): Promise<Array<{ Data: Array<{ VarCharValue?: string }> }>> {
  const { ResultSet } = await localAthenaResultPort(store, resultsBucket).getQueryResults({
    QueryExecutionId: queryExecutionId,
  });
  const columns = (ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '');
  const csv = await getBytes(store, resultsBucket, `${queryExecutionId}.csv`);
  const cells = (row: ReadonlyArray<string | null>) =>
    row.map((value) => (value === null ? {} : { VarCharValue: value }));
  const rows = [{ Data: cells(columns) }];
  for await (const row of readAthenaCsv(Readable.from([csv]), { columns })) {
    if (rows.length >= maxResults) break;
    rows.push({ Data: cells(row) });
  }
  return rows;
}
