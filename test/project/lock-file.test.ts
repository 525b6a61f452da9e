import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm ci` refuses a lock file that lacks any optional dependency a package declares, even one for
 * another platform (npm/cli#4828: a lock file rewritten with node_modules present keeps only this
 * machine's binaries). These checks hold the lock file to what `npm ci` needs on every machine.
 */

interface LockedPackage {
  readonly version?: string;
  readonly optional?: boolean;
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
  readonly libc?: readonly string[];
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

const ROOT = join(__dirname, '..', '..');
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Where Node would find `name` from the package at `path`: its own node_modules, then each parent's. */
function resolveLocked(path: string, name: string): string | undefined {
  let base = path;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (candidate in lock.packages) return candidate;
    if (base === '') return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent === -1 ? '' : base.slice(0, parent);
  }
}

const PLATFORMS = [
  { name: 'macOS arm64', os: 'darwin', cpu: 'arm64', libc: undefined },
  { name: 'macOS x64', os: 'darwin', cpu: 'x64', libc: undefined },
  { name: 'Linux x64 glibc', os: 'linux', cpu: 'x64', libc: 'glibc' },
  { name: 'Linux x64 musl', os: 'linux', cpu: 'x64', libc: 'musl' },
  { name: 'Linux arm64 glibc', os: 'linux', cpu: 'arm64', libc: 'glibc' },
  { name: 'Linux arm64 musl', os: 'linux', cpu: 'arm64', libc: 'musl' },
] as const;

const fits = (list: readonly string[] | undefined, value: string | undefined) =>
  list === undefined || value === undefined || list.includes(value);

/** The native packages whose binaries come as per-platform optional dependencies. */
const NATIVE = ['@biomejs/biome', '@duckdb/node-bindings', '@swc/core', 'esbuild'];

describe('package-lock.json', () => {
  it('locks every optional dependency of every locked package, for every platform', () => {
    const missing: string[] = [];
    for (const [path, locked] of Object.entries(lock.packages)) {
      for (const name of Object.keys(locked.optionalDependencies ?? {})) {
        if (resolveLocked(path, name) === undefined) missing.push(`${name} (for ${path || 'the project'})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it.each(PLATFORMS)('has one binary of each native package for $name', (platform) => {
    for (const native of NATIVE) {
      const path = resolveLocked('', native);
      expect(path).toBeDefined();
      const binaries = Object.keys(lock.packages[path as string]?.optionalDependencies ?? {})
        .map((name) => resolveLocked(path as string, name))
        .filter((binary): binary is string => binary !== undefined)
        .filter((binary) => {
          const locked = lock.packages[binary] as LockedPackage;
          return (
            fits(locked.os, platform.os) && fits(locked.cpu, platform.cpu) && fits(locked.libc, platform.libc)
          );
        });
      expect({ native, binaries: binaries.length }).toEqual({ native, binaries: 1 });
    }
  });

  it('locks what package.json asks for', () => {
    const wanted = { ...manifest.dependencies, ...manifest.devDependencies };
    const root = lock.packages[''] as LockedPackage & { devDependencies?: Record<string, string> };
    expect({ ...root.dependencies, ...root.devDependencies }).toEqual(wanted);
  });
});
