import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoLayout } from '../../../../src/lib/dynamodb/layout';
import { LocalObjectStore } from '../../../../src/lib/standins/s3/local-object-store';
import { LocalS3Notifications } from '../../../../src/lib/standins/s3/local-s3-notifications';
import { decodeS3EventKey } from '../../../../src/lib/storage/s3-event-key';

let root: string;
let store: LocalObjectStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-notifications-'));
  store = new LocalObjectStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('LocalS3Notifications', () => {
  it('announces objects created under its filters since the last look, keys encoded as S3 does', async () => {
    await store.put('tributary-local-raw', 'raw/dynamodb/users/dt=2026-11-20/old-1-1.ndjson.gz', 'x');
    const notifications = await LocalS3Notifications.watch(
      store,
      'tributary-local-raw',
      DynamoLayout.flattenerNotifications,
    );
    expect(await notifications.take()).toBeUndefined();
    await store.put('tributary-local-raw', 'raw/dynamodb/users/dt=2026-11-20/new a+b-1-2.ndjson.gz', 'y');
    await store.put('tributary-local-raw', 'raw/dynamodb/users/dt=2026-11-20/notes.txt', 'z');
    await store.put(
      'tributary-local-raw',
      'exports/dynamodb/users/dt=2026-11-20/x/manifest-summary.json',
      '{}',
    );
    const event = await notifications.take();
    expect(event!.Records).toHaveLength(1);
    const record = event!.Records[0]!;
    expect(record).toMatchObject({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' });
    expect(record.s3.object.key).toBe('raw/dynamodb/users/dt%3D2026-11-20/new+a%2Bb-1-2.ndjson.gz');
    expect(decodeS3EventKey(record.s3.object.key)).toBe(
      'raw/dynamodb/users/dt=2026-11-20/new a+b-1-2.ndjson.gz',
    );
    expect(await notifications.take()).toBeUndefined();
  });
});
