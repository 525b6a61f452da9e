import type { FirehosePort } from '../../../src/lib/firehose/firehose-port';
import { chunkForPutRecordBatch, ReingestError, reingestRecords } from '../../../src/lib/firehose/reingest';

const noWait = { wait: async () => undefined };

function recordingFirehose(behaviour: (call: number, records: readonly Uint8Array[]) => number[] | Error) {
  const calls: string[][] = [];
  const port: FirehosePort = {
    async putRecordBatch(_stream, records) {
      calls.push(records.map((r) => Buffer.from(r).toString()));
      const outcome = behaviour(calls.length, records);
      if (outcome instanceof Error) throw outcome;
      return { failed: outcome.map((index) => ({ index, errorCode: 'ServiceUnavailableException' })) };
    },
  };
  return { port, calls };
}

const records = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`r${i}`));

describe('reingestRecords', () => {
  it('retries only the records Firehose rejected', async () => {
    const { port, calls } = recordingFirehose((call) => (call === 1 ? [1, 3] : []));
    await reingestRecords(port, 'stream', records(4), noWait);
    expect(calls).toEqual([
      ['r0', 'r1', 'r2', 'r3'],
      ['r1', 'r3'],
    ]);
  });

  it('retries a call that throws', async () => {
    const { port, calls } = recordingFirehose((call) => (call === 1 ? new Error('socket hang up') : []));
    await reingestRecords(port, 'stream', records(2), noWait);
    expect(calls).toHaveLength(2);
  });

  it('throws after the last attempt so the invocation fails and nothing is reported Dropped', async () => {
    const { port, calls } = recordingFirehose(() => [0]);
    const attempt = reingestRecords(port, 'stream', records(2), { ...noWait, maxAttempts: 3 });
    await expect(attempt).rejects.toThrow(ReingestError);
    await expect(reingestRecords(port, 'stream', records(2), { ...noWait, maxAttempts: 3 })).rejects.toThrow(
      '1 records were still rejected by stream after 3 attempts (ServiceUnavailableException)',
    );
    expect(calls.length).toBe(6);
  });

  it('backs off exponentially between attempts', async () => {
    const waits: number[] = [];
    const { port } = recordingFirehose((call) => (call < 4 ? [0] : []));
    await reingestRecords(port, 'stream', records(1), {
      baseDelayMs: 100,
      wait: async (ms) => waits.push(ms),
    });
    expect(waits).toHaveLength(3);
    waits.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(50 * 2 ** i);
      expect(ms).toBeLessThanOrEqual(100 * 2 ** i);
    });
  });
});

describe('chunkForPutRecordBatch', () => {
  it('keeps each call within 500 records', () => {
    expect(chunkForPutRecordBatch(records(1201)).map((c) => c.length)).toEqual([500, 500, 201]);
  });

  it('keeps each call within 4 MiB', () => {
    const big = Array.from({ length: 9 }, () => new Uint8Array(1000 * 1024));
    expect(chunkForPutRecordBatch(big).map((c) => c.length)).toEqual([4, 4, 1]);
  });
});
