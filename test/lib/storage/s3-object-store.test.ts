import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { getBytes, listKeys, ObjectNotFoundError } from '../../../src/lib/storage/object-store';
import { S3ObjectStore } from '../../../src/lib/storage/s3-object-store';
import { type S3Server, startS3Server } from '../../support/s3-server';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server(['store-bucket']);
});
afterAll(async () => {
  await s3.stop();
});

describe('S3ObjectStore over HTTP', () => {
  it('puts, lists, streams back and deletes objects with odd keys', async () => {
    const store = new S3ObjectStore(s3.client);
    const key = 'raw/dynamodb/users/dt=2026-11-20/a b+c/日本.ndjson.gz';
    await store.put('store-bucket', key, 'hello');
    expect(await listKeys(store, 'store-bucket', 'raw/')).toEqual([key]);
    expect((await getBytes(store, 'store-bucket', key)).toString()).toBe('hello');
    await store.delete('store-bucket', key);
    await expect(store.get('store-bucket', key)).rejects.toThrow(ObjectNotFoundError);
  });

  it('uploads a stream of unknown length in multipart parts', async () => {
    const store = new S3ObjectStore(s3.client, 5 * 1024 * 1024);
    const body = randomBytes(11 * 1024 * 1024);
    const chunks = Array.from({ length: 11 }, (_, i) =>
      body.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024),
    );
    await store.put('store-bucket', 'big/object.bin', Readable.from(chunks));
    expect((await getBytes(store, 'store-bucket', 'big/object.bin')).equals(body)).toBe(true);
    expect(s3.events.filter((e) => e.key === 'big/object.bin').map((e) => e.eventName)).toContain(
      'ObjectCreated:Post',
    );
  });
});
