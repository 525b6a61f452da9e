import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDb } from '../../../../src/lib/standins/athena/duckdb';

let root: string;
let served: string;
let duck: DuckDb;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-duckdb-sandbox-'));
  served = join(root, 'lake');
  await mkdir(served, { recursive: true });
  await writeFile(join(root, 'outside.csv'), 'secret\nhunter2\n');
  const writer = await DuckDb.open();
  await writer.run(`COPY (SELECT 42 AS answer) TO '${join(served, 'inside.parquet')}' (FORMAT parquet)`);
  await writer.run(`COPY (SELECT 'leak' AS s) TO '${join(root, 'outside.parquet')}' (FORMAT parquet)`);
  writer.close();
  duck = await DuckDb.open(':memory:', { onlyDirectories: [served] });
});

afterAll(async () => {
  duck.close();
  await rm(root, { recursive: true, force: true });
});

describe('DuckDb limited to some directories', () => {
  it('reads and writes files under them', async () => {
    expect(
      (await duck.query(`SELECT answer FROM read_parquet('${join(served, 'inside.parquet')}')`)).rows,
    ).toEqual([{ answer: 42 }]);
    await duck.run(`COPY (SELECT 1 AS n) TO '${join(served, 'written.csv')}'`);
  });

  it.each([
    ['a CSV outside them', () => `SELECT * FROM read_csv('${join(root, 'outside.csv')}')`],
    ['/etc/passwd', () => `SELECT * FROM read_csv('/etc/passwd')`],
    ['a file as text', () => `SELECT * FROM read_text('/etc/hostname')`],
    ['a glob outside them', () => `SELECT * FROM glob('${root}/*')`],
    ['Parquet outside them', () => `SELECT * FROM read_parquet('${join(root, 'outside.parquet')}')`],
    ['a path that climbs out with ../', () => `SELECT * FROM read_parquet('${served}/../outside.parquet')`],
    ['a copy to a file outside them', () => `COPY (SELECT 1) TO '${join(root, 'copied.csv')}'`],
    ['an attached database', () => `ATTACH '${join(root, 'other.duckdb')}' AS other`],
    ['an extension install', () => 'INSTALL httpfs'],
    ['an extension load', () => 'LOAD httpfs'],
    ['external access switched back on', () => 'SET enable_external_access = true'],
    ['the lock taken off', () => 'SET lock_configuration = false'],
  ])('refuses %s', async (_what, sql) => {
    await expect(duck.run(sql())).rejects.toThrow(
      /file system operations are disabled|configuration has been locked|external extensions is disabled/,
    );
  });
});
