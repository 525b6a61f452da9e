import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAthenaCsv } from '../../src/lib/loading/athena-csv';
import { DuckDb, sqlString } from '../../src/lib/standins/athena/duckdb';
import { invokeLocal, invokeLocalRun, PROJECT_ROOT } from '../support/serverless';

describe('sls invoke local', () => {
  it('exits non-zero, naming the problem, when a handler fails at initialisation', async () => {
    const run = await invokeLocalRun(
      'dynamodbStream',
      join(PROJECT_ROOT, 'events/dynamodb/users-stream.json'),
      {},
      100_000,
    );
    expect({ timedOut: run.timedOut, failed: run.code !== 0 }).toEqual({ timedOut: false, failed: true });
    expect(run.stdout + run.stderr).toContain('ConfigError: dynamodbStream environment is invalid');
  }, 120_000);

  it('reads a relative TRIBUTARY_LOCAL_ROOT from the project directory and names errors by their class', async () => {
    const relativeRoot = `.tributary-invoke-test-${process.pid}`;
    const root = join(PROJECT_ROOT, relativeRoot);
    try {
      const stream = await invokeLocal(
        'dynamodbStream',
        join(PROJECT_ROOT, 'events/dynamodb/users-stream.json'),
        { TRIBUTARY_LOCAL_ROOT: relativeRoot },
      );
      expect(stream.result).toEqual({ batchItemFailures: [] });
      expect(await readdir(join(root, 'tributary-local-raw/raw/dynamodb/users/dt=2026-11-20'))).toHaveLength(
        1,
      );
      // no query result under this root: the loader fails, and says which error it was
      const load = await invokeLocalRun('loader', join(PROJECT_ROOT, 'events/stepfunctions/loader.json'), {
        TRIBUTARY_LOCAL_ROOT: relativeRoot,
      });
      expect(load.code).not.toBe(0);
      expect(load.stdout).toMatch(/"errorType": "\w+Error"/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 180_000);

  it('runs firehoseTransform on the shipped sample event without AWS credentials', async () => {
    const { result } = await invokeLocal(
      'firehoseTransform',
      join(PROJECT_ROOT, 'events/firehose/clickstream-mixed.json'),
    );
    expect(result.records.map((r: { result: string }) => r.result)).toEqual([
      'Ok',
      'Ok',
      'ProcessingFailed',
      'ProcessingFailed',
      'ProcessingFailed',
    ]);
    const second = Buffer.from(result.records[1].data, 'base64').toString();
    expect(second).toContain('"order_id":9007199254740993');
    expect(result.records[1].metadata.partitionKeys).toEqual({ dt: '2026-11-20', hour: '01' });
  }, 60_000);

  it('runs dynamodbStream then s3Flatten on the shipped samples against the local stand-in', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tributary-invoke-'));
    try {
      const env = { TRIBUTARY_LOCAL_ROOT: root, TRIBUTARY_HASH_KEY: 'local-key' };
      const stream = await invokeLocal(
        'dynamodbStream',
        join(PROJECT_ROOT, 'events/dynamodb/users-stream.json'),
        env,
      );
      expect(stream.result).toEqual({ batchItemFailures: [] });
      await invokeLocal('s3Flatten', join(PROJECT_ROOT, 'events/s3/users-changes.json'), env);
      const duck = await DuckDb.open();
      try {
        const parquet = join(root, 'tributary-local-lake/lake/users_changes/dt=2026-11-20/*.parquet');
        const { rows } = await duck.query(
          `SELECT user_id, _op FROM read_parquet(${sqlString(parquet)}) ORDER BY _seq`,
        );
        expect(rows).toEqual([
          { user_id: 'u_000001', _op: 'INSERT' },
          { user_id: 'u_000002', _op: 'INSERT' },
          { user_id: 'u_000001', _op: 'MODIFY' },
          { user_id: 'u_000002', _op: 'REMOVE' },
        ]);
      } finally {
        duck.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 90_000);

  it('runs planRun on the shipped events: the plan of a day, then one transform of it, from pipeline.yml', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tributary-invoke-plan-'));
    try {
      const { result } = await invokeLocal(
        'planRun',
        join(PROJECT_ROOT, 'events/stepfunctions/plan-run.json'),
        {
          TRIBUTARY_LOCAL_ROOT: root,
        },
      );
      expect(result).toMatchObject({ runId: 'manual-2026-11-20', from: '2026-11-20', to: '2026-11-20' });
      expect(result.transformLevels.flat()).toEqual(['daily_event_counts', 'users_current']);
      expect(result.loads.map((l: { table: string }) => l.table)).toEqual(['daily_event_counts', 'users']);
      expect(result.loading).toEqual({ enabled: true });
      const planned = await invokeLocal(
        'planRun',
        join(PROJECT_ROOT, 'events/stepfunctions/plan-transform.json'),
        { TRIBUTARY_LOCAL_ROOT: root },
      );
      expect(planned.result.run).toMatchObject({ transform: 'daily_event_counts' });
      // a local root means the local stage's catalog and engine: `tributary query` reads tributary_local
      expect(planned.result.queries[0]).toMatchObject({
        WorkGroup: 'tributary-local-transforms',
        QueryExecutionContext: { Database: 'tributary_local' },
      });
      expect(planned.result.queries[0].QueryString).toContain('"tributary_local".');
      expect(result.loads[0].query).toMatchObject({ WorkGroup: 'tributary-local' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 180_000);

  it('runs the loader on the shipped event, reading a local query result into the embedded database', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tributary-invoke-loader-'));
    try {
      const id = '7f4b8a52-3c1e-4d2f-9a6b-0e5d4c3b2a10';
      const results = join(root, 'tributary-local-results');
      await mkdir(results, { recursive: true });
      await writeFile(
        join(results, `${id}.csv`),
        writeAthenaCsv(
          ['user_id', 'age'],
          [
            ['u_000001', '72'],
            ['u_000003', '31'],
          ],
        ),
      );
      await writeFile(
        join(results, `${id}.csv.metadata.json`),
        JSON.stringify([
          { name: 'user_id', type: 'varchar', precision: 0, scale: 0 },
          { name: 'age', type: 'bigint', precision: 19, scale: 0 },
        ]),
      );
      const { result } = await invokeLocal('loader', join(PROJECT_ROOT, 'events/stepfunctions/loader.json'), {
        TRIBUTARY_LOCAL_ROOT: root,
      });
      expect(result).toEqual({ table: 'users', mode: 'replace', rows: 2, created: true });
      const duck = await DuckDb.open(join(root, 'warehouse.duckdb'));
      try {
        const { rows } = await duck.query('SELECT user_id, age FROM users ORDER BY 1');
        expect(rows).toEqual([
          { user_id: 'u_000001', age: '72' },
          { user_id: 'u_000003', age: '31' },
        ]);
      } finally {
        duck.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});
