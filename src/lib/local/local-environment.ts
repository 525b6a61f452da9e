import { resolve } from 'node:path';
import { LocalObjectStore } from '../storage/local-object-store';

/** Names a deployed stage would use, for the stage called `local` on this machine. */
export interface LocalEnvironment {
  readonly root: string;
  readonly stage: string;
  readonly deliveryStreamPrefix: string;
  readonly lakeBucket: string;
  readonly rawBucket: string;
  readonly store: LocalObjectStore;
}

export const DEFAULT_LOCAL_ROOT = '.tributary';
/** Used only on this machine when TRIBUTARY_HASH_KEY is unset; deployed stages read Secrets Manager. */
export const LOCAL_DEVELOPMENT_HASH_KEY = 'tributary-local-development-key';

export function localEnvironment(
  root = process.env.TRIBUTARY_LOCAL_ROOT || DEFAULT_LOCAL_ROOT,
): LocalEnvironment {
  const absolute = resolve(root);
  return {
    root: absolute,
    stage: 'local',
    deliveryStreamPrefix: 'tributary-local-',
    lakeBucket: 'tributary-local-lake',
    rawBucket: 'tributary-local-raw',
    store: new LocalObjectStore(absolute),
  };
}

/** The hash key for privacy rules on this machine: TRIBUTARY_HASH_KEY, else the development key. */
export function localHashKey(env: NodeJS.ProcessEnv = process.env): { key: string; development: boolean } {
  return env.TRIBUTARY_HASH_KEY
    ? { key: env.TRIBUTARY_HASH_KEY, development: false }
    : { key: LOCAL_DEVELOPMENT_HASH_KEY, development: true };
}
