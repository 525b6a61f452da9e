import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { errorMessage } from '../util/errors';
import type { LocalEnvironment } from './local-environment';

/** A local root that cannot be used: named, with what is wrong with it. */
export class LocalRootError extends Error {
  override readonly name = 'LocalRootError';
}

/** The ancestors of `path` that do not exist yet, outermost first. */
async function missingDirectories(path: string): Promise<string[]> {
  const missing: string[] = [];
  let at = path;
  for (;;) {
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => {
      // a path through a file: the file shows itself as the ancestor that is not a directory
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw new LocalRootError(`cannot use the local root ${path}: ${errorMessage(error)}`);
    });
    if (found) {
      if (!found.isDirectory())
        throw new LocalRootError(`cannot use the local root ${path}: ${at} is a file, not a directory`);
      return missing;
    }
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) return missing;
    at = parent;
  }
}

/**
 * Makes the local root a directory, creating what is missing one directory at a time: Node's
 * recursive mkdir never returns where the filesystem will not hold a new directory (under /proc it
 * retries at full CPU for ever), and a root that is (or lies below) a file should say so.
 */
export async function createLocalRoot(root: string): Promise<void> {
  const absolute = resolve(root);
  for (const directory of await missingDirectories(absolute)) {
    try {
      await mkdir(directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new LocalRootError(
        `cannot create the local root ${absolute}: cannot make ${directory} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`,
      );
    }
  }
}

/**
 * For commands that read what a run left (query, check, athena, replay to the local stage): the
 * root must hold a local lake, so a mistyped root is refused instead of becoming an empty lake.
 */
export function requireLocalLake(environment: Pick<LocalEnvironment, 'root' | 'lakeBucket'>): void {
  if (existsSync(join(environment.root, environment.lakeBucket))) return;
  throw new LocalRootError(
    `no local lake at ${environment.root}: run npm start (tributary run) first, or give --root or TRIBUTARY_LOCAL_ROOT`,
  );
}
