import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../support/cli';

// pipeline.yml whose first transform reads a table by a mistyped name instead of {{table:…}}
jest.mock('../../src/lib/pipeline/bundled', () =>
  jest.requireActual('../support/bundled-pipeline').bundledPipelineWith((shipped: Record<string, any>) => ({
    ...shipped,
    transforms: shipped.transforms.map((t: Record<string, unknown>) =>
      t.name === 'daily_event_counts'
        ? { ...t, sqlText: 'SELECT event_type, dt FROM clickstreams WHERE dt BETWEEN {{from}} AND {{to}}' }
        : t,
    ),
  })),
);

let root: string;
let io: ReturnType<typeof captureIo>;
let exitCode: number;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-missing-table-'));
  io = captureIo();
  exitCode = await main(['run', '--root', root], io);
}, 180_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('tributary run when a transform reads a table that does not exist', () => {
  it('names the table and the tables there are, not what the engine guesses', () => {
    expect(exitCode).toBe(1);
    const out = io.out();
    expect(out).toContain('  failed step: Run CTAS (daily_event_counts)');
    expect(out).toMatch(
      /alert: .*AthenaQueryFailedError: Table clickstreams does not exist in the local lake \(tables: [^)]*\bclickstream\b[^)]*\)/,
    );
    expect(out).not.toContain('Did you mean');
    expect(out).not.toMatch(/tables: [^)]*__run_/);
  });
});
