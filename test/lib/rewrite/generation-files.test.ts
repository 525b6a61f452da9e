import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeConsumedFile } from '../../../src/lib/rewrite/generation-files';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { killedAfter, StoreKilledError } from '../../../src/lib/storage/killed-store';
import { listKeys } from '../../../src/lib/storage/object-store';

const BUCKET = 'tributary-test-lake';
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-generation-files-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('writeConsumedFile', () => {
  it("fails with the store's error when the put is refused, however long the list, and writes nothing", async () => {
    const store = new LocalObjectStore(root);
    // more rows than the upload pipe buffers: a writer left writing into it would wait forever
    const consumed = Array.from(
      { length: 20_000 },
      (_, i) => `lake/clickstream/dt=2026-11-20/hour=00/delivery-${i}.parquet`,
    );
    const written = writeConsumedFile(killedAfter(store, 0), BUCKET, 'gen/consumed.parquet', consumed);
    const outcome = await Promise.race([
      written.then(
        () => 'written',
        (error: unknown) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still writing after 5 s'), 5_000)),
    ]);
    expect(outcome).toBeInstanceOf(StoreKilledError);
    expect(await listKeys(store, BUCKET, 'gen/')).toEqual([]);
  });
});
