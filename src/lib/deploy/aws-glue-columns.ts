import type { ReadGlueColumns } from './lake-type-findings';

/**
 * GetTable of a deployed stage's Glue table, in the stage's region: its columns, or undefined when
 * the table does not exist yet. The client is required when first used, so `--offline` never loads it.
 */
export function awsGlueColumns(region: string): ReadGlueColumns {
  const sdk: typeof import('@aws-sdk/client-glue') = require('@aws-sdk/client-glue');
  const client = new sdk.GlueClient({ region, maxAttempts: 2 });
  return async (database, table) => {
    try {
      const { Table } = await client.send(new sdk.GetTableCommand({ DatabaseName: database, Name: table }));
      return (Table?.StorageDescriptor?.Columns ?? []).map((c) => ({
        name: c.Name ?? '',
        type: c.Type ?? '',
      }));
    } catch (error) {
      if ((error as { name?: string }).name === 'EntityNotFoundException') return undefined;
      throw error;
    }
  };
}
