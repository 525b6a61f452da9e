import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getBytes, ObjectNotFoundError, type ObjectStore } from '../storage/object-store';

/** The current content of a pointer and the tag a conditional replace must name. */
export interface PointerVersion {
  readonly body: string;
  readonly etag: string;
  /** When it was written (S3's LastModified): the time of the flip it made. */
  readonly lastModified?: number | undefined;
}

/**
 * Reads and replaces one small object with compare-and-swap, as S3's conditional writes do:
 * `expected` undefined creates it only if absent (If-None-Match: *), otherwise it replaces only
 * the version read (If-Match: <ETag>). A loser gets PointerConflictError and nothing changes.
 */
export interface PointerStore {
  read(bucket: string, key: string): Promise<PointerVersion | undefined>;
  replace(bucket: string, key: string, body: string, expected: string | undefined): Promise<void>;
}

export class PointerConflictError extends Error {
  override readonly name = 'PointerConflictError';
  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`s3://${bucket}/${key} changed since it was read: another rewrite of this day flipped first`);
  }
}

/** S3's ETag of a single-part PUT is the MD5 of its bytes, quoted. */
function etagOf(body: string | Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/**
 * A pointer store over any object store (the local files, the simulation's store): the compare
 * and the write run under one lock per key, which is what S3 guarantees for conditional writes.
 * It serialises writers in this process only; one local run is one process.
 */
export function objectStorePointers(store: ObjectStore): PointerStore {
  const locks = new Map<string, Promise<unknown>>();
  const locked = async <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const before = locks.get(key) ?? Promise.resolve();
    const next = before.then(run, run);
    locks.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  };
  const read = async (bucket: string, key: string): Promise<PointerVersion | undefined> => {
    try {
      const bytes = await getBytes(store, bucket, key);
      let lastModified: number | undefined;
      for await (const object of store.list(bucket, key))
        if (object.key === key) lastModified = object.lastModified;
      return { body: bytes.toString('utf8'), etag: etagOf(bytes), lastModified };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
  };
  return {
    read,
    replace: (bucket, key, body, expected) =>
      locked(`${bucket}/${key}`, async () => {
        const current = await read(bucket, key);
        if (current?.etag !== expected) throw new PointerConflictError(bucket, key);
        await store.put(bucket, key, body, { contentType: 'text/plain' });
      }),
  };
}

/** The same contract on S3 itself, with If-None-Match / If-Match on PutObject. */
export function s3Pointers(client: S3Client, store: ObjectStore): PointerStore {
  return {
    async read(bucket, key) {
      return objectStorePointers(store).read(bucket, key);
    },
    async replace(bucket, key, body, expected) {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: 'text/plain',
            ...(expected === undefined ? { IfNoneMatch: '*' } : { IfMatch: expected }),
          }),
        );
      } catch (error) {
        // 412 when the condition fails; 409 when a concurrent conditional write to the key won
        const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
        if (status === 412 || status === 409) throw new PointerConflictError(bucket, key);
        throw error;
      }
    },
  };
}
