import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkLocalRoot,
  LOCAL_ROOT_MARKER,
  LocalRootError,
  localEnvironment,
  markLocalRoot,
} from '../../../src/lib/local/local-environment';

let parent: string;
beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'tributary-root-'));
});
afterEach(() => rm(parent, { recursive: true, force: true }));

async function directory(name: string, entries: readonly string[]): Promise<string> {
  const root = join(parent, name);
  await mkdir(root, { recursive: true });
  for (const entry of entries) await writeFile(join(root, entry), 'x');
  return root;
}

describe('checkLocalRoot', () => {
  it.each([
    ['a directory that does not exist yet', () => Promise.resolve(join(parent, 'new', 'root'))],
    ['an empty directory', () => directory('empty', [])],
    ['a directory an earlier run marked', () => directory('marked', [LOCAL_ROOT_MARKER, 'notes.txt'])],
    [
      'a root from before the marker, holding only what a run writes',
      () => directory('older', ['tributary-local-lake', '_catalog', 'reports', 'warehouse.duckdb']),
    ],
  ])('accepts %s', async (_, makeRoot) => {
    await expect(checkLocalRoot(localEnvironment(await makeRoot()))).resolves.toBeUndefined();
  });

  it.each([
    ['the file system root', () => Promise.resolve('/')],
    ['a directory of other files', () => directory('home', ['thesis.tex', 'tributary-local-lake'])],
  ])('refuses %s, naming it and the files a run did not write', async (_, makeRoot) => {
    const root = await makeRoot();
    const failure = checkLocalRoot(localEnvironment(root));
    await expect(failure).rejects.toThrow(LocalRootError);
    await expect(failure).rejects.toThrow(`${root} is not a Tributary local root`);
    if (root !== '/')
      await expect(failure).rejects.toThrow('it holds thesis.tex, which a local run did not write');
  });

  it('accepts a root once it is marked, whatever else it holds', async () => {
    const root = await directory('marked-later', []);
    await markLocalRoot(localEnvironment(root));
    await writeFile(join(root, 'someone-elses.txt'), 'x');
    await expect(checkLocalRoot(localEnvironment(root))).resolves.toBeUndefined();
    expect((await readdir(root)).sort()).toEqual([LOCAL_ROOT_MARKER, 'someone-elses.txt']);
  });
});
