/**
 * Runs `load` once and shares its promise, as for a secret read at cold start; a failed load is
 * forgotten, so the next invocation tries again instead of failing forever in this container.
 */
export function onceAsync<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
