import { dayProjection } from '../lib/catalog/catalog';
import { type ColumnSpec, glueColumnType } from '../lib/columns/column-types';
import { AuroraExportLayout, LakeLayout } from '../lib/pipeline/lake-layout';
import { type LakeTable, lakeTableProjection } from '../lib/pipeline/lake-tables';
import type { Pipeline } from '../lib/pipeline/pipeline';
import { CONSUMED_COLUMN, compactedTableName } from '../lib/rewrite/lake-sql';
import { RewriteLayout } from '../lib/rewrite/layout';
import { ingestedLakeTables } from '../lib/sources/registry';
import { type Cfn, glueDatabaseName, LogicalId, ref, resourcePrefix, sub } from './names';
import type { StackSettings } from './settings';

const PARQUET_SERDE = {
  SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  Parameters: { 'serialization.format': '1' },
};
const PARQUET_STORAGE = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: PARQUET_SERDE,
};
/** Parquet files listed by symlink manifests: replacing one manifest object switches a partition's files at once. */
const PARQUET_MANIFEST_STORAGE = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  SerdeInfo: PARQUET_SERDE,
};

export const DAY_PARTITION: Cfn[] = [{ Name: 'dt', Type: 'string' }];
export const HOUR_PARTITIONS: Cfn[] = [...DAY_PARTITION, { Name: 'hour', Type: 'string' }];

export function glueColumns(columns: readonly ColumnSpec[]): Cfn[] {
  return columns.map((column) => ({
    Name: column.name,
    Type: glueColumnType(column.type),
    ...(column.comment ? { Comment: column.comment } : {}),
  }));
}

function lakeLocation(table: string, partitionPath = ''): Cfn {
  return sub(`s3://\${${LogicalId.lakeBucket}}/${LakeLayout.table(table)}${partitionPath}`);
}

/**
 * Partition projection on `dt` (days) and, for streams, `hour`: Athena computes partitions from
 * the template, so new data is queryable the moment it lands, with no crawler and no MSCK REPAIR.
 * `${dt}` is spelled `${!dt}` in the template so that Fn::Sub leaves it for Athena.
 */
function projection(settings: StackSettings, table: LakeTable): Cfn {
  return lakeTableProjection(table, settings.lakeStartDate, (partition) =>
    lakeLocation(table.name, partition.replaceAll('${', '${!')),
  );
}

/** A Glue table over Parquet, by default at `lake/<table>/` in the lake bucket. */
export function parquetTable(
  table: string,
  description: string,
  columns: Cfn[],
  partitionKeys: Cfn[],
  parameters: Cfn,
  location: Cfn = lakeLocation(table),
  storage: typeof PARQUET_STORAGE = PARQUET_STORAGE,
): Cfn {
  return {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: ref('AWS::AccountId'),
      DatabaseName: ref(LogicalId.glueDatabase),
      TableInput: {
        Name: table,
        Description: description,
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification: 'parquet', EXTERNAL: 'TRUE', ...parameters },
        PartitionKeys: partitionKeys,
        StorageDescriptor: { Columns: columns, Location: location, ...storage },
      },
    },
  };
}

/**
 * `<table>__compacted`: the current generation of each rewritten day (src/lib/rewrite/lake-sql.ts),
 * a symlink-manifest table projected on `dt` whose manifest lists the generation's data files
 * (the columns and `hour`) and its consumed list (`_consumed`, the live files it replaces).
 */
function compactedTable(settings: StackSettings, table: LakeTable): Cfn {
  const manifests = (path = '') =>
    sub(`s3://\${${LogicalId.lakeBucket}}/${RewriteLayout.manifests(table.name)}${path}`);
  return parquetTable(
    compactedTableName(table.name),
    `Rewritten (compacted or backfilled) days of ${table.name}; read through {{table:${table.name}}}`,
    [
      ...glueColumns(table.columns),
      { Name: 'hour', Type: 'string' },
      { Name: CONSUMED_COLUMN, Type: 'string', Comment: 'a live file whose rows this generation holds' },
    ],
    DAY_PARTITION,
    dayProjection(settings.lakeStartDate, manifests('dt=${!dt}/')),
    manifests(),
    PARQUET_MANIFEST_STORAGE,
  );
}

/** The Glue database and a table per ingested lake table, generated from the pipeline description. */
export function catalogResources(pipeline: Pipeline, settings: StackSettings): Cfn {
  const resources: Cfn = {
    [LogicalId.glueDatabase]: {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: ref('AWS::AccountId'),
        DatabaseInput: {
          Name: glueDatabaseName(pipeline.database, settings),
          Description: `Tributary data lake (${settings.stage})`,
        },
      },
    },
  };
  for (const table of ingestedLakeTables(pipeline)) {
    resources[LogicalId.glueTable(table.name)] = parquetTable(
      table.name,
      table.description,
      glueColumns(table.columns),
      table.partitioning === 'day-hour' ? HOUR_PARTITIONS : DAY_PARTITION,
      projection(settings, table),
    );
    if (table.rewritable)
      resources[LogicalId.glueTable(compactedTableName(table.name))] = compactedTable(settings, table);
  }
  for (const table of pipeline.aurora) {
    // each day's export is a partition: the template points at the table's folder in that export
    const folder = AuroraExportLayout.table(resourcePrefix(settings), '${!dt}', table.database, table.table);
    resources[LogicalId.glueTable(table.name)] = parquetTable(
      table.name,
      table.description,
      glueColumns(table.columns),
      DAY_PARTITION,
      dayProjection(settings.lakeStartDate, sub(`s3://\${${LogicalId.rawBucket}}/${folder}`)),
      sub(`s3://\${${LogicalId.rawBucket}}/${AuroraExportLayout.root}`),
    );
  }
  return resources;
}
