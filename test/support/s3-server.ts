import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface S3Server {
  readonly endpoint: string;
  readonly client: S3Client;
  /** Object-created events the server emitted, with keys as stored (not URL-encoded). */
  readonly events: Array<{ bucket: string; key: string; eventName: string }>;
  /** Environment that points the AWS SDK (and so the handlers) at this server. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * An S3-compatible server on loopback (s3rver), so the real SDK calls run over HTTP: streaming
 * GetObject, PutObject, multipart uploads. Checksums are requested only when required, because
 * s3rver stores aws-chunked bodies verbatim otherwise.
 */
export async function startS3Server(buckets: readonly string[]): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'tributary-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  for (const bucket of buckets) await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const events: S3Server['events'] = [];
  (server as unknown as NodeJS.EventEmitter).on(
    'event',
    (event: {
      Records: Array<{ eventName: string; s3: { bucket: { name: string }; object: { key: string } } }>;
    }) => {
      for (const record of event.Records)
        events.push({
          bucket: record.s3.bucket.name,
          key: record.s3.object.key,
          eventName: record.eventName,
        });
    },
  );
  return {
    endpoint,
    client,
    events,
    env,
    async stop() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
