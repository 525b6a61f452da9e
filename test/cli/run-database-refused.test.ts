import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../support/cli';
import { describeWithDatabase } from '../support/databases';

describeWithDatabase('mysql', 'tributary run loading into a database that does not exist', (url) => {
  // the handlers read their environment once per process, as in Lambda
  const saved = process.env.TRIBUTARY_MYSQL_URL;
  const wrong = new URL(url);
  wrong.pathname = '/tributary_missing_db_run';
  let root: string;
  let io: ReturnType<typeof captureIo>;
  let exitCode: number;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tributary-run-refused-'));
    process.env.TRIBUTARY_MYSQL_URL = wrong.toString();
    io = captureIo();
    exitCode = await main(['run', '--root', root], io);
  }, 180_000);
  afterAll(async () => {
    if (saved === undefined) delete process.env.TRIBUTARY_MYSQL_URL;
    else process.env.TRIBUTARY_MYSQL_URL = saved;
    await rm(root, { recursive: true, force: true });
  });

  it('fails at once without retrying, naming the database and what to fix, and exits 1', () => {
    expect(exitCode).toBe(1);
    expect(io.err()).not.toMatch(/step Load into database \(\w+\): retried/);
    expect(io.out()).toContain('failed step: Load into database');
    expect(io.out()).toContain(
      `DatabaseConfigurationError: The database mysql://${wrong.username}@${wrong.host}/tributary_missing_db_run (tls disable) refused the connection: the database tributary_missing_db_run does not exist. To fix: create it`,
    );
  });

  it('names the error once in the alert', () => {
    const alert = io
      .out()
      .split('\n')
      .find((line) => line.startsWith('  alert: '));
    expect(alert?.match(/DatabaseConfigurationError/g)).toHaveLength(1);
  });

  it('shows the whole database URL in the report', async () => {
    const [report] = await readdir(join(root, 'reports'));
    const html = await readFile(join(root, 'reports', report!), 'utf8');
    // the lineage's captions: wrapped at separators, never cut in the middle of the host or port
    const captions = [...html.matchAll(/<text [^>]*>(?:<title>[^<]*<\/title>)?([^<]*)<\/text>/g)].map(
      (match) => match[1]!,
    );
    expect(captions.join('\n')).toContain(
      `mysql://${wrong.username}@${wrong.host}/\ntributary_missing_db_run (tls disable)`,
    );
    expect(captions.filter((caption) => /mysql:|tls/.test(caption) && caption.includes('…'))).toEqual([]);
  });
});
