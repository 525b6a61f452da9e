import { join } from 'node:path';
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
});
