import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  type ObjectBody,
  ObjectNotFoundError,
  type ObjectStore,
  type ObjectSummary,
  type PutOptions,
} from './object-store';

/** Parts of 8 MiB keep a multipart upload's memory small and allow objects up to about 80 GB. */
const PART_SIZE = 8 * 1024 * 1024;

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    /** Bytes per multipart part (S3's minimum is 5 MiB). */
    private readonly partSize = PART_SIZE,
  ) {}

  async put(bucket: string, key: string, body: ObjectBody, options: PutOptions = {}): Promise<void> {
    const common = {
      Bucket: bucket,
      Key: key,
      ContentType: options.contentType,
      ContentEncoding: options.contentEncoding,
    };
    if (body instanceof Readable) {
      // streamed bodies have no known length: multipart upload, one part in memory at a time
      await new Upload({
        client: this.client,
        params: { ...common, Body: body },
        partSize: this.partSize,
        queueSize: 2,
      }).done();
      return;
    }
    await this.client.send(new PutObjectCommand({ ...common, Body: body }));
  }

  async get(bucket: string, key: string): Promise<Readable> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return response.Body as Readable;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') {
        throw new ObjectNotFoundError(bucket, key);
      }
      throw error;
    }
  }

  async *list(bucket: string, prefix: string): AsyncIterable<ObjectSummary> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? [])
        yield { key: object.Key!, size: object.Size ?? 0, lastModified: object.LastModified?.getTime() };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(bucket: string, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
}
