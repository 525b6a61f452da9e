import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localEnvironment } from '../../../src/lib/local/local-environment';
import { createLocalRoot, LocalRootError, requireLocalLake } from '../../../src/lib/local/local-root';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tributary-local-root-'));
});
afterEach(() => rm(directory, { recursive: true, force: true }));

describe('createLocalRoot', () => {
  it('creates every missing directory of the root', async () => {
    const root = join(directory, 'a', 'b', 'c');
    await createLocalRoot(root);
    expect(existsSync(root)).toBe(true);
  });

  it('accepts a root that is already a directory', async () => {
    await expect(createLocalRoot(directory)).resolves.toBeUndefined();
  });

  it('refuses a root that is a file, or lies below one, naming the file', async () => {
    const file = join(directory, 'package.json');
    await writeFile(file, '{}');
    await expect(createLocalRoot(file)).rejects.toThrow(LocalRootError);
    await expect(createLocalRoot(file)).rejects.toThrow(`${file} is a file, not a directory`);
    await expect(createLocalRoot(join(file, 'lake'))).rejects.toThrow(`${file} is a file, not a directory`);
  });

  const withProc = existsSync('/proc/self') ? it : it.skip;
  withProc(
    'fails at once where the filesystem allows no directory (/proc), instead of spinning',
    async () => {
      const started = Date.now();
      await expect(createLocalRoot('/proc/tributary-nope/lake')).rejects.toThrow(
        'cannot create the local root /proc/tributary-nope/lake: cannot make /proc/tributary-nope',
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    },
  );
});

describe('requireLocalLake', () => {
  it('accepts a root that holds a local lake', async () => {
    const environment = localEnvironment(directory);
    await mkdir(join(directory, environment.lakeBucket));
    expect(() => requireLocalLake(environment)).not.toThrow();
  });

  it.each([
    ['an empty directory', (d: string) => d],
    ['a directory that does not exist', (d: string) => join(d, 'mistyped')],
    ['a file', (d: string) => join(d, 'package.json')],
  ])('refuses %s, saying how to make one, and creates nothing', async (_, rootOf) => {
    await writeFile(join(directory, 'package.json'), '{}');
    const root = rootOf(directory);
    const before = await readdir(directory);
    expect(() => requireLocalLake(localEnvironment(root))).toThrow(
      `no local lake at ${root}: run npm start (tributary run) first, or give --root or TRIBUTARY_LOCAL_ROOT`,
    );
    expect(await readdir(directory)).toEqual(before);
  });
});
