import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DuckDb } from '../../src/lib/standins/athena/duckdb';
import { offlineEnv, PROJECT_ROOT, withServerlessLock } from '../support/serverless';

const START = '<!-- invoke-local:start -->';
const END = '<!-- invoke-local:end -->';

/** The shell commands between the markers in README.md, exactly as a newcomer reads them. */
function documentedSequence(): { source: string; commands: string[] } {
  const source = 'README.md';
  const text = readFileSync(join(PROJECT_ROOT, source), 'utf8');
  const start = text.indexOf(START);
  if (start < 0) throw new Error(`${source} has no ${START} marker`);
  const end = text.indexOf(END, start);
  if (end < 0) throw new Error(`${source} opens ${START} but never closes it with ${END}`);
  const fenced = /```sh\n([\s\S]*?)```/.exec(text.slice(start + START.length, end));
  if (!fenced) throw new Error(`${source}: no \`\`\`sh block between the invoke-local markers`);
  const commands = fenced[1]!
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return { source, commands };
}

interface Ran {
  readonly command: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one documented line through the shell, exactly as written, in the project's directory. */
function runLine(command: string): Promise<Ran> {
  return new Promise((done) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { cwd: PROJECT_ROOT, env: offlineEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ command, code, stdout, stderr });
      },
    );
  });
}

/** The last JSON document a command printed (sls invoke local prints the handler's result last). */
function lastJson(stdout: string): unknown {
  const start = stdout.lastIndexOf('\n{') + 1;
  return JSON.parse(stdout.slice(start));
}

const sequence = documentedSequence();
const roots = [
  ...new Set(
    sequence.commands.flatMap((c) =>
      [...c.matchAll(/(?:TRIBUTARY_LOCAL_ROOT=|--root )(\S+)/g)].map((m) => resolve(PROJECT_ROOT, m[1]!)),
    ),
  ),
];

describe(`the sls invoke local sequence in ${sequence.source}`, () => {
  afterAll(async () => {
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  it('runs as written and carries users from the DynamoDB stream into the warehouse', async () => {
    // one local root, inside the project (the commands name it relative to the project directory)
    expect(roots).toHaveLength(1);
    const root = roots[0]!;
    expect(root.startsWith(`${PROJECT_ROOT}/`)).toBe(true);
    const ran: Ran[] = [];
    for (const command of sequence.commands) {
      const result = /\bsls\b/.test(command)
        ? await withServerlessLock(() => runLine(command))
        : await runLine(command);
      if (result.code !== 0) {
        throw new Error(`${command}\nexited ${result.code}\n${result.stdout}\n${result.stderr}`);
      }
      ran.push(result);
    }
    // every event `tributary athena` prints is the saved event the next function is invoked with
    const bridges = ran.filter((r) => /\btributary athena\b/.test(r.command));
    expect(bridges.length).toBeGreaterThanOrEqual(2);
    for (const bridge of bridges) {
      const next = ran.slice(ran.indexOf(bridge) + 1).find((r) => /\bsls invoke local\b/.test(r.command));
      const eventFile = / -p (\S+)/.exec(next?.command ?? '')?.[1];
      expect(eventFile).toBeDefined();
      expect(JSON.parse(readFileSync(join(PROJECT_ROOT, eventFile!), 'utf8'))).toEqual(
        JSON.parse(bridge.stdout),
      );
    }
    const loader = ran.find((r) => / -f loader\b/.test(r.command));
    expect(lastJson(loader!.stdout)).toEqual({ table: 'users', mode: 'replace', rows: 1, created: true });
    // the stream's changes: u_000001 inserted then updated, u_000002 inserted then deleted; the
    // email went through pipeline.yml's hash rule on the way
    const duck = await DuckDb.open(join(root, 'warehouse.duckdb'));
    try {
      const { rows } = await duck.query('SELECT user_id, email FROM users ORDER BY user_id');
      expect(rows).toEqual([{ user_id: 'u_000001', email: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    } finally {
      duck.close();
    }
  }, 900_000);
});
