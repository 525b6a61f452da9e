import {
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetTableCommand,
  GetTablesCommand,
  type GlueClient,
  type TableInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import type { Catalog, CatalogTable, StorageFormat } from './catalog';

const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';
const FORMATS: Record<StorageFormat, { InputFormat: string; OutputFormat: string }> = {
  parquet: {
    InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  },
  'parquet-manifest': {
    InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
    OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  },
};

function tableInput(table: CatalogTable): TableInput {
  return {
    Name: table.name,
    Description: table.description,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { classification: 'parquet', EXTERNAL: 'TRUE', ...table.parameters },
    PartitionKeys: table.partitionKeys.map((c) => ({ Name: c.name, Type: c.type })),
    StorageDescriptor: {
      Columns: table.columns.map((c) => ({ Name: c.name, Type: c.type })),
      Location: table.location,
      ...FORMATS[table.format],
      SerdeInfo: { SerializationLibrary: PARQUET_SERDE, Parameters: { 'serialization.format': '1' } },
    },
  };
}

/** The Glue Data Catalog. */
export function glueCatalog(glue: GlueClient): Catalog {
  return {
    async getTable(database, name) {
      try {
        const { Table: table } = await glue.send(new GetTableCommand({ DatabaseName: database, Name: name }));
        const storage = table?.StorageDescriptor;
        if (!table || !storage) return undefined;
        return {
          name: table.Name!,
          description: table.Description,
          columns: (storage.Columns ?? []).map((c) => ({ name: c.Name!, type: c.Type ?? 'string' })),
          partitionKeys: (table.PartitionKeys ?? []).map((c) => ({
            name: c.Name!,
            type: c.Type ?? 'string',
          })),
          location: storage.Location ?? '',
          format:
            storage.InputFormat === FORMATS['parquet-manifest'].InputFormat ? 'parquet-manifest' : 'parquet',
          parameters: table.Parameters ?? {},
        };
      } catch (error) {
        if (
          error instanceof EntityNotFoundException ||
          (error as { name?: string }).name === 'EntityNotFoundException'
        ) {
          return undefined;
        }
        throw error;
      }
    },
    async putTable(database, table) {
      const input = tableInput(table);
      try {
        await glue.send(new UpdateTableCommand({ DatabaseName: database, TableInput: input }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'EntityNotFoundException') throw error;
        await glue.send(new CreateTableCommand({ DatabaseName: database, TableInput: input }));
      }
    },
    async deleteTable(database, name) {
      try {
        await glue.send(new DeleteTableCommand({ DatabaseName: database, Name: name }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'EntityNotFoundException') throw error;
      }
    },
    async listTables(database, namePrefix) {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await glue.send(
          new GetTablesCommand({ DatabaseName: database, Expression: `${namePrefix}*`, NextToken: token }),
        );
        for (const table of page.TableList ?? [])
          if (table.Name?.startsWith(namePrefix)) names.push(table.Name);
        token = page.NextToken;
      } while (token);
      return names;
    },
  };
}
