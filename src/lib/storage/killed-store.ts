import type { ObjectStore } from './object-store';

/** What a store stopped by `killedAfter` throws: the process it stands for died there. */
export class StoreKilledError extends Error {
  override readonly name = 'StoreKilledError';
  constructor(readonly call: number) {
    super(`killed before mutating call ${call}`);
  }
}

export interface KillOptions {
  /**
   * Runs before each mutating call (numbered from 1, with the key it writes or deletes), before
   * it may be refused: a simulation lets virtual time pass there, so what happens beside a slow
   * step happens between its writes.
   */
  readonly beforeMutation?: (call: number, key: string) => Promise<void> | void;
}

/**
 * `store` as seen by a process killed after `mutations` writes or deletes: every later put or
 * delete throws StoreKilledError and changes nothing (reads go on, as a reader elsewhere would).
 * `undefined` never kills. Tests of rewrites and the simulation stop a rewrite anywhere with it.
 */
export function killedAfter(
  store: ObjectStore,
  mutations: number | undefined,
  options: KillOptions = {},
): ObjectStore {
  let calls = 0;
  const mutate = async (key: string) => {
    calls++;
    await options.beforeMutation?.(calls, key);
    if (mutations !== undefined && calls > mutations) throw new StoreKilledError(calls);
  };
  return {
    put: async (bucket, key, body, putOptions) => {
      await mutate(key);
      return store.put(bucket, key, body, putOptions);
    },
    delete: async (bucket, key) => {
      await mutate(key);
      return store.delete(bucket, key);
    },
    get: (bucket, key) => store.get(bucket, key),
    list: (bucket, prefix) => store.list(bucket, prefix),
  };
}
