import type { ParquetCodec } from '../parquet/parquet-writer';
import type { Pipeline, StreamSpec } from '../pipeline/pipeline';
import { ConversionThread } from '../standins/firehose/conversion-thread';
import {
  type DeliveryStats,
  LOCAL_STREAM_DEFAULTS,
  LocalDeliveryStream,
  type LocalDeliveryStreamOptions,
} from '../standins/firehose/local-delivery-stream';
import { drainLocalInbox } from '../standins/firehose/local-firehose';
import type { LocalEnvironment } from './local-environment';
import type { LocalHandlers } from './local-handlers';

export interface StreamSource {
  readonly stream: string;
  readonly records: AsyncIterable<Buffer> | Iterable<Buffer>;
}

export interface IngestOptions {
  readonly codec?: ParquetCodec;
  /** Source bytes per local Firehose flush; smaller than AWS's 64 MB so a laptop sees files quickly. */
  readonly bufferBytes?: number;
  readonly onProgress?: (stream: string, stats: DeliveryStats) => void;
}

/** A stream's delivery stream on the local stage: the real transform Lambda, the local buckets. */
export function localDeliveryStream(
  environment: LocalEnvironment,
  stream: StreamSpec,
  handlers: Pick<LocalHandlers, 'firehoseTransform'>,
  options: Partial<Omit<LocalDeliveryStreamOptions, 'deliveryStreamName' | 'stream'>>,
): LocalDeliveryStream {
  const deliveryStreamName = `${environment.deliveryStreamPrefix}${stream.name}`;
  return new LocalDeliveryStream({
    ...LOCAL_STREAM_DEFAULTS,
    deliveryStreamName,
    stream,
    store: environment.store,
    lakeBucket: environment.lakeBucket,
    rawBucket: environment.rawBucket,
    invokeTransform: (event) => handlers.firehoseTransform(event),
    takeReingested: () => drainLocalInbox(environment.root, deliveryStreamName),
    ...options,
  });
}

/** Sends each source through its stream's local Firehose, exactly as producers would in AWS. */
export async function ingestStreams(
  environment: LocalEnvironment,
  pipeline: Pipeline,
  handlers: LocalHandlers,
  sources: readonly StreamSource[],
  options: IngestOptions = {},
): Promise<Map<string, DeliveryStats>> {
  const results = new Map<string, DeliveryStats>();
  const conversion = new ConversionThread(environment.root);
  try {
    for (const source of sources) {
      results.set(
        source.stream,
        await ingestSource(environment, pipeline, handlers, source, conversion, options),
      );
    }
  } finally {
    await conversion.close();
  }
  return results;
}

async function ingestSource(
  environment: LocalEnvironment,
  pipeline: Pipeline,
  handlers: LocalHandlers,
  source: StreamSource,
  conversion: ConversionThread,
  options: IngestOptions,
): Promise<DeliveryStats> {
  const stream = pipeline.streams.find((s) => s.name === source.stream);
  if (!stream) throw new Error(`No stream ${source.stream} in the pipeline description`);
  const delivery = localDeliveryStream(environment, stream, handlers, {
    bufferBytes: options.bufferBytes ?? 16 * 1024 * 1024,
    codec: options.codec ?? 'snappy',
    convert: conversion.convert,
  });
  let batch: Buffer[] = [];
  for await (const record of source.records) {
    batch.push(record);
    if (batch.length === 500) {
      await delivery.put(batch);
      batch = [];
      options.onProgress?.(stream.name, delivery.stats);
    }
  }
  await delivery.put(batch);
  await delivery.flush();
  options.onProgress?.(stream.name, delivery.stats);
  return delivery.stats;
}
