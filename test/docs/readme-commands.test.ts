import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { PROJECT_ROOT } from '../../src/lib/util/project-paths';
import { captureIo } from '../support/cli';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const scripts = Object.keys(JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts);

/** The first cell of every row of the README's command table, as written (`\|` is a literal bar). */
function commandCells(): string[] {
  const section = readme.slice(
    readme.indexOf('\n## Command line\n'),
    readme.indexOf('\n## Deploying a stage\n'),
  );
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .split(/(?<!\\)\|/)[1]!
        .trim()
        .replaceAll('\\|', '|'),
    );
}

/** `schema infer --table T <files…>` → the words before the first option or placeholder, and every `--option`. */
function parseCell(cell: string): { words: string[]; options: string[] } {
  const usage = /^`([^`]*)`/.exec(cell)![1]!;
  const words: string[] = [];
  for (const word of usage.split(' ')) {
    if (!/^[a-z]+$/.test(word)) break;
    words.push(word);
  }
  return { words, options: [...new Set(usage.match(/--[a-z][a-z-]*/g) ?? [])] };
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.out() + io.err() };
}

describe("the README's command table", () => {
  const rows = commandCells();
  const commandRows = rows.map(parseCell).filter((row) => row.words.length > 0);

  it('has a row for every command, and every row names one', async () => {
    const { out } = await cli(['--help']);
    const listed = [...out.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThan(5);
    expect([...new Set(commandRows.map((row) => row.words[0]))].sort()).toEqual([...listed].sort());
    expect(commandRows.length + 1).toBe(rows.length); // the one other row: --version, --help
  });

  it.each(commandRows.map((row) => [row.words.join(' '), row] as const))(
    '%s: the command, subcommand and every option exist',
    async (_, { words, options }) => {
      const [command, ...subcommands] = words;
      const { code, out } = await cli([command!, '--help']);
      expect(code).toBe(0);
      const help = new Set(out.match(/--[a-z][a-z-]*|\b[a-z]+\b/g));
      expect(subcommands.filter((word) => !help.has(word))).toEqual([]);
      expect(options.filter((option) => !help.has(option))).toEqual([]);
    },
    60_000,
  );

  it('--version and --help work as the last row says', async () => {
    const last = rows.at(-1)!;
    expect(last).toMatch(/^`--version`, `--help`/);
    expect(await cli(['--version'])).toEqual({
      code: 0,
      out: expect.stringMatching(/^tributary \d+\.\d+\.\d+\n$/),
    });
    expect((await cli(['--help'])).code).toBe(0);
  });
});

describe("the README's npm commands", () => {
  it.each([...new Set(readme.match(/npm (?:run [a-z:-]+|start|test)\b/g))])(
    '%s is a package.json script',
    (command) => {
      expect(scripts).toContain(command.replace(/^npm (run )?/, ''));
    },
  );
});
