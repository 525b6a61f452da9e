import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');

/**
 * The layers of the local side of the code, lowest first. A file may import its own layer and the
 * ones below it, never one above: the stand-ins play AWS services and know nothing of the handlers
 * they serve or the run that wires both, the run knows nothing of its report, the simulation
 * drives the run, and the command line sits on top.
 * Folders not named here (the pipeline's logic, src/infra) sit below every one of these.
 */
const LAYERS: ReadonlyArray<{ readonly name: string; readonly folders: readonly string[] }> = [
  { name: 'stand-ins', folders: ['lib/standins'] },
  { name: 'Lambda handlers', folders: ['handlers'] },
  { name: 'local run', folders: ['lib/local'] },
  { name: 'run report', folders: ['lib/run-report'] },
  { name: 'simulation', folders: ['lib/simulation'] },
  { name: 'command line', folders: ['cli'] },
];

/**
 * Imports from below into a layer, each with its reason. The object store setting is the one
 * switch between S3 and its stand-in, which every handler reads through the configuration.
 */
const ALLOWED: ReadonlyArray<readonly [from: string, to: string]> = [
  ['lib/config/storage.ts', 'lib/standins/s3/local-object-store'],
];

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The layer a path under src/ belongs to: its index in LAYERS, or -1 below them all. */
function layerOf(path: string): number {
  return LAYERS.findIndex((layer) =>
    layer.folders.some((folder) => path === folder || path.startsWith(`${folder}/`)),
  );
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
}

const imports = sourceFiles(SRC).flatMap((file) =>
  relativeImports(file).map((specifier) => ({
    from: relative(SRC, file),
    to: relative(SRC, resolve(dirname(file), specifier)),
  })),
);

describe('import layering', () => {
  it('finds the imports it checks', () => {
    expect(imports.some((i) => i.from.startsWith('lib/local/') && i.to.startsWith('lib/standins/'))).toBe(
      true,
    );
  });

  it('never imports a higher layer from a lower one', () => {
    const upward = imports
      .filter(({ from, to }) => !to.startsWith('..') && layerOf(to) > layerOf(from))
      .filter(({ from, to }) => !ALLOWED.some(([f, t]) => f === from && t === to))
      .map(({ from, to }) => `${from} → ${to} (${LAYERS[layerOf(to)]!.name})`);
    expect(upward).toEqual([]);
  });
});
