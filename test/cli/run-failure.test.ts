import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../support/cli';

// the handlers read their environment once per process, as in Lambda: this file's runs load into
// a database that is not there
const saved = process.env.TRIBUTARY_MYSQL_URL;
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-run-failure-'));
  process.env.TRIBUTARY_MYSQL_URL = 'mysql://root@127.0.0.1:1/test';
});
afterAll(async () => {
  if (saved === undefined) delete process.env.TRIBUTARY_MYSQL_URL;
  else process.env.TRIBUTARY_MYSQL_URL = saved;
  await rm(root, { recursive: true, force: true });
});

describe('tributary run when the database is unreachable', () => {
  it('retries the load, then notifies the failure with the failed step, and exits 1', async () => {
    const io = captureIo();
    expect(await main(['run', '--root', root], io)).toBe(1);
    const out = io.out();
    expect(out).toMatch(/Daily pipeline local-2026-11-20-\d+: FAILED/);
    expect(out).toContain(
      'alert: Execution arn:aws:states:local:000000000000:execution:tributary:local-2026-11-20-',
    );
    expect(out).toContain(
      'failed at step "Load tables": DatabaseUnavailableError: Cannot connect to the database',
    );
    // transforms still ran and were published before the loads failed
    expect(out).toContain('published daily_event_counts: 1 day, 1 file');
    expect(io.err()).toMatch(/step Load into database \(\w+\): retried/);

    const alerts = await readdir(join(root, '_notifications'));
    expect(alerts).toHaveLength(1);
    const alert = JSON.parse(await readFile(join(root, '_notifications', alerts[0]!), 'utf8'));
    expect(alert.Subject).toBe('Tributary pipeline failed');

    const [report] = await readdir(join(root, 'reports'));
    const html = await readFile(join(root, 'reports', report!), 'utf8');
    expect(html).toContain('data-state="Load into database" data-outcome="failed"');
    // the alert was sent once; the report draws the failure path a run took as the failure it reports
    expect(html).toContain('data-state="Notify failure" data-outcome="failed" data-runs="1"');
    expect(html).toContain('data-state="Pipeline failed" data-outcome="failed"');
  }, 120_000);
});
