import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { install } from '@sinonjs/fake-timers';
import fc from 'fast-check';
import {
  decodeKeySegment,
  encodeKeySegment,
  LocalObjectStore,
  UnsafeObjectPathError,
} from '../../../../src/lib/standins/s3/local-object-store';
import { getBytes, listKeys, ObjectNotFoundError } from '../../../../src/lib/storage/object-store';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-store-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('LocalObjectStore', () => {
  it.each([
    ['raw/dynamodb/users/dt=2026-11-20/a b+c/日本.ndjson.gz'],
    ['../../etc/passwd'],
    ['a//b'],
    ['folder/'],
    ['./x'],
    ['100%25 done'],
    ['%T-looks-temporary'],
  ])('stores %j under its bucket and lists it back exactly', async (key) => {
    const store = new LocalObjectStore(root);
    await store.put('lake-bucket', key, 'body');
    expect(relative(join(root, 'lake-bucket'), store.pathFor('lake-bucket', key))).not.toMatch(/^\.\./);
    expect(await listKeys(store, 'lake-bucket', '')).toEqual([key]);
    // every prefix of the key, ending inside a segment or at a slash, finds it
    for (let end = 0; end <= key.length; end++)
      expect(await listKeys(store, 'lake-bucket', key.slice(0, end))).toEqual([key]);
    expect((await getBytes(store, 'lake-bucket', key)).toString()).toBe('body');
  });

  it('lists by prefix in S3 (UTF-8 byte) order', async () => {
    const store = new LocalObjectStore(root);
    for (const key of ['b/2', 'a/1', 'b/10', 'é']) await store.put('lake-bucket', key, key);
    expect(await listKeys(store, 'lake-bucket', 'b/')).toEqual(['b/10', 'b/2']);
    expect(await listKeys(store, 'lake-bucket', 'b/1')).toEqual(['b/10']);
    expect(await listKeys(store, 'lake-bucket', 'c/')).toEqual([]);
    expect(await listKeys(store, 'lake-bucket', '')).toEqual(['a/1', 'b/10', 'b/2', 'é']);
  });

  it('stamps LastModified with the clock of the write, so a simulated clock moves it too', async () => {
    const store = new LocalObjectStore(root);
    const at = Date.UTC(2026, 9, 1, 1, 30);
    const clock = install({ now: at, toFake: ['Date'] });
    try {
      await store.put('lake-bucket', 'late/file', 'body');
    } finally {
      clock.uninstall();
    }
    const [object] = await collect(store.list('lake-bucket', 'late/'));
    expect(object?.lastModified).toBe(at);
  });

  it('reports a missing object as ObjectNotFoundError', async () => {
    await expect(new LocalObjectStore(root).get('lake-bucket', 'nope')).rejects.toThrow(ObjectNotFoundError);
  });

  it.each([['../up'], ['UPPER'], ['a'], ['with/slash']])('rejects the bucket name %j', (bucket) => {
    expect(() => new LocalObjectStore(root).pathFor(bucket, 'k')).toThrow(UnsafeObjectPathError);
  });

  it('maps key segments to file names one to one', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('.', '%', 'E', 'T', '2', '5', 'a', '\0') }),
        (segment) => {
          const encoded = encodeKeySegment(segment);
          expect(decodeKeySegment(encoded)).toBe(segment);
          expect(['', '.', '..']).not.toContain(encoded);
          expect(encoded).not.toMatch(/\0/);
          expect(encoded.startsWith('%T')).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
