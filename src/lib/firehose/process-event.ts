import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { decodeBase64Strict } from './base64';
import { deliveryStreamNameFromArn, type FirehosePort } from './firehose-port';
import { type ReingestOptions, reingestRecords } from './reingest';
import { fitResponse, RESPONSE_LIMIT_BYTES } from './response-limit';
import type { StreamTransformer } from './stream-resolver';
import { type BatchStats, transformRecords } from './transform-batch';

export interface FirehoseTransformDependencies {
  readonly resolveStream: (deliveryStreamName: string) => Promise<StreamTransformer>;
  readonly firehose: FirehosePort;
  /** The first day the lake's tables project; records dated outside the served days are filed by arrival. */
  readonly lakeStartDate: string;
  readonly now?: () => number;
  readonly responseLimitBytes?: number;
  readonly reingest?: Partial<ReingestOptions>;
}

export interface FirehoseTransformOutcome {
  readonly response: FirehoseTransformationResult;
  readonly stats: BatchStats;
  readonly stream: StreamTransformer;
}

/**
 * The whole data-transformation contract for one invocation: flatten every record, keep the
 * response under the payload limit by re-ingesting what does not fit, and only then report those
 * records as `Dropped`.
 */
export async function processFirehoseEvent(
  event: FirehoseTransformationEvent,
  dependencies: FirehoseTransformDependencies,
): Promise<FirehoseTransformOutcome> {
  const deliveryStreamName = deliveryStreamNameFromArn(event.deliveryStreamArn);
  const stream = await dependencies.resolveStream(deliveryStreamName);
  const records = event.records ?? [];
  const { results, stats } = transformRecords(records, stream.flattener, {
    lakeStartDate: dependencies.lakeStartDate,
    ...(dependencies.now ? { now: dependencies.now } : {}),
  });
  const overflow = fitResponse(
    results,
    (i) => records[i]!.data,
    stats,
    dependencies.responseLimitBytes ?? RESPONSE_LIMIT_BYTES,
  );
  if (overflow.length > 0) {
    await reingestRecords(
      dependencies.firehose,
      deliveryStreamName,
      overflow.map((i) => decodeBase64Strict(records[i]!.data)),
      dependencies.reingest,
    );
    for (const i of overflow) results[i] = { recordId: results[i]!.recordId, result: 'Dropped', data: '' };
  }
  return { response: { records: results }, stats, stream };
}
