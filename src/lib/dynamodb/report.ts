import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { UNDECLARED_COLUMNS_METRIC } from '../firehose/report';
import type { FlattenRawObjectOutcome } from './flatten-raw-object';
import type { StreamBatchOutcome } from './stream-batch';

export function reportStreamBatch(outcome: StreamBatchOutcome, logger: Logger, metrics: Metrics): void {
  metrics.addMetric('ChangesWritten', MetricUnit.Count, outcome.written);
  metrics.addMetric('ChangesRetried', MetricUnit.Count, outcome.failure ? 1 : 0);
  metrics.addMetric('ChangesOutOfRange', MetricUnit.Count, outcome.outOfRange);
  logger.info('Wrote DynamoDB change file', { key: outcome.key, written: outcome.written });
  if (outcome.outOfRange > 0) {
    logger.warn('Changes were made before the days the lake serves; filed under its first day, times kept', {
      key: outcome.key,
      outOfRange: outcome.outOfRange,
    });
  }
  if (outcome.failure) {
    logger.warn('Stopped at a record that is not a valid change; Lambda retries from it', outcome.failure);
  }
}

export function reportFlattenedObjects(
  outcomes: readonly FlattenRawObjectOutcome[],
  logger: Logger,
  metrics: Metrics,
): void {
  metrics.addMetric(
    'ObjectsSkipped',
    MetricUnit.Count,
    outcomes.filter((o) => o.status === 'skipped').length,
  );
  for (const outcome of outcomes) {
    if (outcome.status === 'skipped') {
      logger.info('Skipped object', { key: outcome.key, reason: outcome.reason });
      continue;
    }
    metrics.addMetric('RowsWritten', MetricUnit.Count, outcome.rows);
    metrics.addMetric('LinesQuarantined', MetricUnit.Count, outcome.quarantined);
    metrics.addMetric(UNDECLARED_COLUMNS_METRIC, MetricUnit.Count, outcome.undeclaredColumns.size);
    logger.info('Flattened object', {
      key: outcome.key,
      output: outcome.outputKey,
      rows: outcome.rows,
      quarantined: outcome.quarantined,
      undeclaredColumns: Object.fromEntries(outcome.undeclaredColumns),
    });
    if (outcome.quarantined > 0) {
      logger.warn('Lines were quarantined; fix and re-process the object to load them', {
        key: outcome.key,
        quarantine: outcome.quarantineKey,
        count: outcome.quarantined,
      });
    }
  }
}
