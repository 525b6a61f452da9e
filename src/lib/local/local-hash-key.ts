/**
 * The hash key of the local stage. Its own module, free of storage and DuckDB imports, so commands
 * that only flatten (`tributary flatten`, `tributary schema`) start without loading either.
 */

/** The key `hash` rules use locally when TRIBUTARY_HASH_KEY is unset; never a deployed stage's. */
export const LOCAL_DEVELOPMENT_HASH_KEY = 'tributary-local-development-key';

/** The hash key for privacy rules on this machine: TRIBUTARY_HASH_KEY, else the development key. */
export function localHashKey(env: NodeJS.ProcessEnv = process.env): { key: string; development: boolean } {
  return env.TRIBUTARY_HASH_KEY
    ? { key: env.TRIBUTARY_HASH_KEY, development: false }
    : { key: LOCAL_DEVELOPMENT_HASH_KEY, development: true };
}
