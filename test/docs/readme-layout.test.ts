import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/lib/util/project-paths';

/** The first word of each line of the README's "Project layout" block: `src/lib/query/`, `pipeline.yml`, … */
function layoutEntries(): string[] {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const block = /\n## Project layout\n+```\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no Project layout block');
  return block[1]!
    .split('\n')
    .map((line) => line.split(/\s+/)[0]!)
    .filter(Boolean);
}

/** Every directory git tracks a file in. */
function trackedDirectories(): string[] {
  const files = execFileSync('git', ['ls-files'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).split('\n');
  const directories = new Set<string>();
  for (const file of files) {
    const parts = file.split('/').slice(0, -1);
    for (let depth = 1; depth <= parts.length; depth++)
      directories.add(`${parts.slice(0, depth).join('/')}/`);
  }
  return [...directories].sort();
}

/**
 * The folders the layout must name: every top-level one, the ones inside each of those, and every
 * area of src/lib/. Not required: test/ folders that mirror a source folder of the same name
 * (test/lib/ mirrors src/lib/, test/scripts/ mirrors scripts/), and folders inside events/ (one per
 * AWS event source) and test/fixtures/.
 */
function requiredDirectories(directories: readonly string[]): string[] {
  const sourceFolders = new Set(directories);
  return directories.filter((directory) => {
    const parts = directory.split('/').slice(0, -1);
    if (parts.length === 1) return true;
    if (parts[0] === 'src' && parts[1] === 'lib') return parts.length <= 3;
    if (parts[0] === 'test') {
      const mirrored = parts.slice(1).join('/');
      return (
        parts.length === 2 && !sourceFolders.has(`src/${mirrored}/`) && !sourceFolders.has(`${mirrored}/`)
      );
    }
    if (parts[0] === 'events') return false;
    return parts.length === 2;
  });
}

/** A folder is named when the layout lists it, or a file or folder inside it (docs/aws-rules.md names docs/). */
const isNamed = (directory: string, entries: readonly string[]) =>
  entries.some((entry) => entry === directory || entry.startsWith(directory));

describe("the README's project layout", () => {
  const entries = layoutEntries();

  it('names every folder of the project, so a new or moved folder is caught here', () => {
    const required = requiredDirectories(trackedDirectories());
    expect(required).toEqual(expect.arrayContaining(['src/lib/query/', 'test/support/', 'bench/']));
    expect(required.filter((directory) => !isNamed(directory, entries))).toEqual([]);
  });

  it('names nothing that is not there', () => {
    const directories = new Set(trackedDirectories());
    const files = new Set(
      execFileSync('git', ['ls-files'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).split('\n'),
    );
    expect(
      entries.filter((entry) => !(entry.endsWith('/') ? directories.has(entry) : files.has(entry))),
    ).toEqual([]);
  });
});
