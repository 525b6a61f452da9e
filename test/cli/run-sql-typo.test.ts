import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../support/cli';

// pipeline.yml whose first transform has a typo in its SQL, as a person editing it would leave it
jest.mock('../../src/lib/pipeline/bundled', () =>
  jest.requireActual('../support/bundled-pipeline').bundledPipelineWith((shipped: Record<string, any>) => ({
    ...shipped,
    transforms: shipped.transforms.map((t: Record<string, unknown>) =>
      t.name === 'daily_event_counts'
        ? {
            ...t,
            sqlText: 'SELEC event_type, dt FROM {{table:clickstream}} WHERE dt BETWEEN {{from}} AND {{to}}',
          }
        : t,
    ),
  })),
);

let root: string;
let io: ReturnType<typeof captureIo>;
let exitCode: number;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-sql-typo-'));
  io = captureIo();
  exitCode = await main(['run', '--root', root], io);
}, 180_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('tributary run when a transform has a typo in its SQL', () => {
  it('ends with the summary, not a crash, and exits 1', () => {
    expect(exitCode).toBe(1);
    expect(io.err()).not.toContain('tributary run:');
    expect(io.out()).toMatch(/Daily pipeline local-2026-11-20-\d+: FAILED/);
    expect(io.out()).toContain('Lake tables');
  });

  it('names the innermost failed step and its transform, then what the alert says', () => {
    const out = io.out();
    expect(out).toContain('  failed step: Run CTAS (daily_event_counts)');
    expect(out).toMatch(/ {2}alert: Execution \S+ failed at step "Run transforms": Error: Parser Error/);
  });

  it('prints the error once in the summary and once in the progress', () => {
    expect(io.out().match(/Parser Error: syntax error at or near "[^"]+"/g)).toHaveLength(1);
    expect(io.err().match(/Parser Error: syntax error at or near "[^"]+"/g)).toHaveLength(1);
    expect(io.err()).toContain('step Run transforms: failed (');
  });

  it('leaves the table the transform never created out of the lake tables', () => {
    expect(io.out()).toMatch(/^ {2}clickstream\s+\d+/m);
    expect(io.out()).not.toMatch(/^ {2}daily_event_counts\s/m);
  });

  it('writes the run report, with the failed step', async () => {
    const [report] = await readdir(join(root, 'reports'));
    const html = await readFile(join(root, 'reports', report!), 'utf8');
    expect(html).toContain('<span class="pill FAILED">FAILED</span>');
    expect(html).toContain('Failed step: <code>Run CTAS</code> (daily_event_counts)');
    expect(html).toContain('data-state="Run CTAS" data-outcome="failed"');
  });
});
