import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { zstdAvailable } from '../../src/lib/parquet/parquet-writer';
import { captureIo } from '../support/cli';

/** A local root holding an earlier run's data, to check that a refused run leaves it alone. */
async function rootWithEarlierRun(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'tributary-validate-'));
  await mkdir(join(root, 'tributary-local-lake', 'lake'), { recursive: true });
  await writeFile(join(root, 'tributary-local-lake', 'lake', 'earlier.parquet'), 'earlier run');
  return root;
}

describe('tributary run checks everything before it touches the local root', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('refuses both database URLs at once and keeps the earlier data', async () => {
    const root = await rootWithEarlierRun();
    try {
      process.env.TRIBUTARY_MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';
      process.env.TRIBUTARY_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
      const io = captureIo();
      expect(await main(['run', '--root', root], io)).toBe(1);
      expect(io.err()).toContain('set TRIBUTARY_MYSQL_URL or TRIBUTARY_POSTGRES_URL, not both');
      expect(await readdir(join(root, 'tributary-local-lake', 'lake'))).toEqual(['earlier.parquet']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it.each([
    ['a day the calendar does not have', '2026-11-31', 'got 2026-11-31: not a day of the calendar'],
    ['a day after today', '2999-01-01', '2999-01-01 is after today'],
    ['a day before the lake starts', '1999-01-01', '1999-01-01 is before lakeStartDate'],
  ])(
    'refuses --date with %s before ingesting anything, and keeps the earlier data',
    async (_, date, says) => {
      const root = await rootWithEarlierRun();
      try {
        const io = captureIo();
        expect(await main(['run', '--root', root, '--date', date], io)).toBe(2);
        expect(io.err()).toContain(says);
        expect(io.out()).not.toContain('Tributary local run');
        expect(await readdir(join(root, 'tributary-local-lake', 'lake'))).toEqual(['earlier.parquet']);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  );

  it('refuses a root that is a file, naming it, before anything else', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tributary-validate-file-'));
    try {
      const file = join(directory, 'package.json');
      await writeFile(file, '{}');
      const io = captureIo();
      expect(await main(['run', '--root', file], io)).toBe(1);
      expect(io.err()).toContain(`cannot use the local root ${file}: ${file} is a file, not a directory`);
      expect(io.err()).not.toContain('ENOTDIR');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  const withProc = existsSync('/proc/self') ? it : it.skip;
  withProc(
    'fails at once for a root the filesystem cannot hold (/proc), instead of spinning',
    async () => {
      const io = captureIo();
      expect(await main(['run', '--root', '/proc/tributary-nope'], io)).toBe(1);
      expect(io.err()).toContain('cannot create the local root /proc/tributary-nope');
    },
    10_000,
  );

  // `--root /` is refused by the same check (test/lib/local/local-environment.test.ts); running it
  // here would write into / wherever the check is missing
  it('refuses a directory of other files as its root, naming it and what to do, and writes nothing there', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tributary-foreign-'));
    await writeFile(join(root, 'thesis.tex'), 'years of work');
    await mkdir(join(root, 'photos'));
    const before = await readdir(root);
    try {
      const io = captureIo();
      expect(await main(['run', '--root', root], io)).toBe(2);
      expect(io.err()).toContain(`${root} is not a Tributary local root`);
      expect(io.err()).toContain(
        'a directory that does not exist yet, an empty one, or one an earlier run used',
      );
      expect(await readdir(root)).toEqual(before);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  const withoutZstd = zstdAvailable() ? it.skip : it;
  withoutZstd('refuses --codec zstd on a Node without zstd, naming the version it needs', async () => {
    const root = await rootWithEarlierRun();
    try {
      const io = captureIo();
      expect(await main(['run', '--root', root, '--codec', 'zstd'], io)).toBe(2);
      expect(io.err()).toContain('--codec zstd needs Node 22.15 or later');
      expect(await readdir(join(root, 'tributary-local-lake', 'lake'))).toEqual(['earlier.parquet']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
