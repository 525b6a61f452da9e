/**
 * Where everything lives in the buckets. AWS resources and the local runner both use these, so a
 * local run writes exactly the prefixes a deployed stage would.
 */
export const LakeLayout = {
  /** Parquet of a table, partitioned below: `lake/<table>/dt=YYYY-MM-DD/hour=HH/`. */
  table: (table: string) => `lake/${table}/`,
  streamPartition: (table: string, dt: string, hour: string) => `lake/${table}/dt=${dt}/hour=${hour}/`,
  /** Firehose error output (`processing-failed/`, `format-conversion-failed/`, ...). */
  firehoseErrors: (stream: string) => `errors/${stream}/`,
  /** Source records exactly as they were sent, in the raw bucket. */
  firehoseBackup: (stream: string) => `firehose/${stream}/`,
} as const;

/**
 * Where the daily Aurora snapshot export writes, in the raw bucket: RDS adds
 * `<export id>/<database>/<database>.<table>/<batch>/part-*.parquet` below the prefix, and the
 * export of day D is `<identifier prefix>-D`.
 */
export const AuroraExportLayout = {
  root: 'exports/aurora/',
  prefix: (dt: string) => `exports/aurora/dt=${dt}`,
  exportIdentifier: (identifierPrefix: string, dt: string) => `${identifierPrefix}-${dt}`,
  /** A table's folder in the export of day `dt` (`${dt}` as written makes a projection template). */
  table: (identifierPrefix: string, dt: string, database: string, table: string) =>
    `exports/aurora/dt=${dt}/${identifierPrefix}-${dt}/${database}/${database}.${table}/`,
} as const;

/** Firehose's error output types, the directory names under the error prefix. */
export const FirehoseErrorType = {
  processingFailed: 'processing-failed',
  formatConversionFailed: 'format-conversion-failed',
  /** Records for a dynamic partition beyond the delivery stream's active partition limit. */
  activePartitionExceeded: 'activePartitionExceeded',
} as const;
