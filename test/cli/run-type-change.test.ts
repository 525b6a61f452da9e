import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { createLocalRoot } from '../../src/lib/local/local-root';
import { DuckDb } from '../../src/lib/standins/athena/duckdb';
import { captureIo } from '../support/cli';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-type-change-'));
  await createLocalRoot(root);
  // a day of clickstream written when user__id was declared string: the shipped pipeline.yml says bigint
  const partition = join(root, 'tributary-local-lake', 'lake', 'clickstream', 'dt=2026-11-19', 'hour=00');
  await mkdir(partition, { recursive: true });
  const duck = await DuckDb.open();
  try {
    await duck.run(
      `COPY (SELECT 'e1' AS event_id, 'u-7' AS user__id) TO '${join(partition, 'part-0.parquet')}' (FORMAT parquet)`,
    );
  } finally {
    duck.close();
  }
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('tributary run when pipeline.yml changes a type the lake holds', () => {
  it('refuses before writing anything, naming the column, the file, the reason and the way out', async () => {
    const io = captureIo();
    expect(await main(['run', '--root', root], io)).toBe(1);
    const err = io.err();
    expect(err).toContain('SchemaChangeRefusedError');
    expect(err).toMatch(
      /clickstream\.user__id: the lake holds string \(tributary-local-lake\/lake\/clickstream\/dt=2026-11-19\/hour=00\/part-0\.parquet\), pipeline\.yml now says bigint/,
    );
    expect(err).toContain('What to do:');
    expect(existsSync(join(root, 'tributary-local-raw', 'firehose'))).toBe(false);
  }, 60_000);
});
