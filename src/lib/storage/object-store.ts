import { PassThrough, type Readable } from 'node:stream';

export interface ObjectSummary {
  readonly key: string;
  readonly size: number;
  /** When the object was last written (milliseconds), where the store knows it. */
  readonly lastModified?: number;
}

export type ObjectBody = Uint8Array | string | Readable;

/**
 * The object storage the lake needs, so the same code runs against S3 and against local files.
 * Keys are plain (already decoded) S3 keys.
 */
export interface ObjectStore {
  put(bucket: string, key: string, body: ObjectBody, options?: PutOptions): Promise<void>;
  /** Streams an object; throws ObjectNotFoundError when there is none. */
  get(bucket: string, key: string): Promise<Readable>;
  list(bucket: string, prefix: string): AsyncIterable<ObjectSummary>;
  delete(bucket: string, key: string): Promise<void>;
}

export interface PutOptions {
  readonly contentType?: string;
  readonly contentEncoding?: string;
}

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`No object s3://${bucket}/${key}`);
  }
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

export async function getBytes(store: ObjectStore, bucket: string, key: string): Promise<Buffer> {
  return readAll(await store.get(bucket, key));
}

export async function listKeys(store: ObjectStore, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(bucket, prefix)) keys.push(object.key);
  return keys;
}

/**
 * A pipe from a writer to `ObjectStore.put`. When a failure destroys it before the upload has
 * attached, its 'error' would have no listener and crash the process; the upload reports it.
 */
export function uploadPipe(): PassThrough {
  const stream = new PassThrough();
  stream.on('error', () => undefined);
  return stream;
}
