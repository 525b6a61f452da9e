import { RecordFlattener } from '../flattening/record-flattener';
import { flattenOptionsFor, type Pipeline, type StreamSpec } from '../pipeline/pipeline';

export interface StreamTransformer {
  readonly stream: StreamSpec;
  readonly deliveryStreamName: string;
  readonly flattener: RecordFlattener;
}

export class UnknownStreamError extends Error {
  override readonly name = 'UnknownStreamError';
}

export function flattenerForStream(stream: StreamSpec, hashKey: string | undefined): RecordFlattener {
  return new RecordFlattener(flattenOptionsFor(stream, hashKey));
}

/**
 * Finds the pipeline stream behind a delivery stream (`<prefix><stream name>`) and builds its
 * flattener once per container; the hash key is fetched only for streams that hash something.
 */
export function createStreamResolver(
  pipeline: Pipeline,
  deliveryStreamPrefix: string,
  hashKey: () => Promise<string | undefined>,
): (deliveryStreamName: string) => Promise<StreamTransformer> {
  const cache = new Map<string, Promise<StreamTransformer>>();
  return (deliveryStreamName) => {
    let transformer = cache.get(deliveryStreamName);
    if (!transformer) {
      transformer = build(deliveryStreamName);
      cache.set(deliveryStreamName, transformer);
      transformer.catch(() => cache.delete(deliveryStreamName));
    }
    return transformer;
  };

  async function build(deliveryStreamName: string): Promise<StreamTransformer> {
    const name = deliveryStreamName.startsWith(deliveryStreamPrefix)
      ? deliveryStreamName.slice(deliveryStreamPrefix.length)
      : undefined;
    const stream = pipeline.streams.find((s) => s.name === name);
    if (!stream) {
      throw new UnknownStreamError(
        `Delivery stream ${deliveryStreamName} is not in the pipeline (expected ${deliveryStreamPrefix}<${pipeline.streams.map((s) => s.name).join('|')}>)`,
      );
    }
    const key = stream.flatten.hash.length > 0 ? await hashKey() : undefined;
    return { stream, deliveryStreamName, flattener: flattenerForStream(stream, key) };
  }
}
