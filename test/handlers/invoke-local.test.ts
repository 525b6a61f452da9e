import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDb, sqlString } from '../../src/lib/query/duckdb';
import { invokeLocal, PROJECT_ROOT } from '../support/serverless';

describe('sls invoke local', () => {
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
});
