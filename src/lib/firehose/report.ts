import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { FirehoseTransformOutcome } from './process-event';

/**
 * Columns records carried that the table does not declare, per batch or object; the stack alarms on
 * it so the alerts topic hears of a new field within minutes.
 */
export const UNDECLARED_COLUMNS_METRIC = 'UndeclaredColumns';

/** One log line per batch (two when records failed) and the batch's metrics, per stream. */
export function reportBatch(outcome: FirehoseTransformOutcome, logger: Logger, metrics: Metrics): void {
  const { stats } = outcome;
  const stream = outcome.stream.stream.name;
  metrics.addDimension('stream', stream);
  metrics.addMetric('RecordsOk', MetricUnit.Count, stats.ok);
  metrics.addMetric('RecordsFailed', MetricUnit.Count, stats.failed);
  metrics.addMetric('RecordsReingested', MetricUnit.Count, stats.reingested);
  metrics.addMetric('BytesIn', MetricUnit.Bytes, stats.bytesIn);
  metrics.addMetric('BytesOut', MetricUnit.Bytes, stats.bytesOut);
  metrics.addMetric('EventTimeFallbacks', MetricUnit.Count, stats.eventTimeFallbacks);
  metrics.addMetric('EventTimesOutOfRange', MetricUnit.Count, stats.eventTimeOutOfRange);
  metrics.addMetric('ColumnCollisions', MetricUnit.Count, stats.columnCollisions);
  metrics.addMetric(UNDECLARED_COLUMNS_METRIC, MetricUnit.Count, stats.undeclaredColumns.size);
  logger.info('Transformed Firehose batch', {
    stream,
    recordsIn: stats.recordsIn,
    ok: stats.ok,
    failed: stats.failed,
    reingested: stats.reingested,
    bytesIn: stats.bytesIn,
    bytesOut: stats.bytesOut,
    eventTimeFallbacks: stats.eventTimeFallbacks,
    eventTimesOutOfRange: stats.eventTimeOutOfRange,
    columnCollisions: stats.columnCollisions,
  });
  if (stats.eventTimeOutOfRange > 0) {
    logger.warn(
      'Records are dated outside the days the lake serves; filed under their arrival time, event time kept',
      { stream, outOfRange: stats.eventTimeOutOfRange, examples: stats.outOfRangeExamples },
    );
  }
  if (stats.undeclaredColumns.size > 0) {
    logger.warn('Records carry columns pipeline.yml does not declare; Parquet conversion drops them', {
      stream,
      columns: Object.fromEntries(stats.undeclaredColumns),
    });
  }
  if (stats.failed > 0) {
    logger.warn('Records failed to transform; Firehose writes them to the processing-failed error prefix', {
      stream,
      failures: stats.failures,
      examples: stats.failureExamples,
    });
  }
}
