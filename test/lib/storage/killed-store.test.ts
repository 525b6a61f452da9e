import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { killedAfter, StoreKilledError } from '../../../src/lib/storage/killed-store';
import { getBytes, listKeys } from '../../../src/lib/storage/object-store';

const BUCKET = 'tributary-test-lake';
let root: string;
let store: LocalObjectStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-killed-'));
  store = new LocalObjectStore(root);
  await store.put(BUCKET, 'kept', 'before');
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('killedAfter', () => {
  it.each([0, 1, 2])(
    'lets %i puts and deletes through, then refuses every later one and changes nothing',
    async (n) => {
      const killed = killedAfter(store, n);
      const calls = [
        () => killed.put(BUCKET, 'a', 'a'),
        () => killed.delete(BUCKET, 'kept'),
        () => killed.put(BUCKET, 'b', 'b'),
      ];
      for (const [index, call] of calls.entries()) {
        if (index < n) await call();
        else await expect(call()).rejects.toEqual(new StoreKilledError(index + 1));
      }
      const expected = ['a', 'kept', 'b'].filter((key, index) => (key === 'kept' ? n < 2 : index < n));
      expect((await listKeys(store, BUCKET, '')).sort()).toEqual(expected.sort());
    },
  );

  it('still reads after it was killed, as another process would', async () => {
    const killed = killedAfter(store, 0);
    await expect(killed.put(BUCKET, 'a', 'a')).rejects.toBeInstanceOf(StoreKilledError);
    expect((await getBytes(killed, BUCKET, 'kept')).toString()).toBe('before');
    expect(await listKeys(killed, BUCKET, '')).toEqual(['kept']);
  });

  it('runs beforeMutation before each put or delete, numbered and with its key, the refused one included', async () => {
    const seen: string[] = [];
    const killed = killedAfter(store, 1, { beforeMutation: (call, key) => void seen.push(`${call} ${key}`) });
    await killed.put(BUCKET, 'a', 'a');
    await expect(killed.delete(BUCKET, 'a')).rejects.toThrow('killed before mutating call 2');
    await getBytes(killed, BUCKET, 'a');
    expect(seen).toEqual(['1 a', '2 a']);
  });

  it('never kills when given no count', async () => {
    const killed = killedAfter(store, undefined);
    for (let i = 0; i < 5; i++) await killed.put(BUCKET, `k${i}`, 'x');
    expect(await listKeys(store, BUCKET, 'k')).toHaveLength(6);
  });
});
