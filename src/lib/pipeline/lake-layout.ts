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

/** Firehose's error output types, the directory names under the error prefix. */
export const FirehoseErrorType = {
  processingFailed: 'processing-failed',
  formatConversionFailed: 'format-conversion-failed',
} as const;
