import type { FirehosePort } from '../../../src/lib/firehose/firehose-port';
import { processFirehoseEvent } from '../../../src/lib/firehose/process-event';
import { createStreamResolver, UnknownStreamError } from '../../../src/lib/firehose/stream-resolver';
import { decodeData, firehoseEvent, TEST_PREFIX, testPipeline } from '../../support/firehose';

function memoryFirehose(rejectFirst = 0) {
  const accepted: string[] = [];
  let rejections = rejectFirst;
  const port: FirehosePort = {
    async putRecordBatch(_stream, records) {
      const failed: Array<{ index: number; errorCode: string }> = [];
      records.forEach((record, index) => {
        if (rejections > 0) {
          rejections--;
          failed.push({ index, errorCode: 'ServiceUnavailableException' });
        } else {
          accepted.push(Buffer.from(record).toString());
        }
      });
      return { failed };
    },
  };
  return { port, accepted };
}

const LAKE_START = '2024-01-01';
const resolver = (hashKey = async () => 'k' as string | undefined) =>
  createStreamResolver(testPipeline, TEST_PREFIX, hashKey);
const events = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ event_id: `e${i}`, payload: 'x'.repeat(500) }));

describe('processFirehoseEvent', () => {
  it('re-ingests what does not fit and reports it Dropped only after Firehose took it', async () => {
    const payloads = events(20);
    const { port, accepted } = memoryFirehose(3);
    const outcome = await processFirehoseEvent(firehoseEvent(payloads), {
      resolveStream: resolver(),
      lakeStartDate: LAKE_START,
      firehose: port,
      responseLimitBytes: 8_000,
      reingest: { wait: async () => undefined },
    });
    const records = outcome.response.records;
    const dropped = records.flatMap((r, i) => (r.result === 'Dropped' ? [i] : []));
    expect(dropped.length).toBeGreaterThan(0);
    expect(accepted.sort()).toEqual(dropped.map((i) => payloads[i]!).sort());
    expect(
      records.filter((r) => r.result === 'Ok').map((r) => JSON.parse(decodeData(r.data)).event_id),
    ).toEqual(payloads.filter((_, i) => !dropped.includes(i)).map((p) => JSON.parse(p).event_id));
    expect(JSON.stringify(outcome.response).length).toBeLessThanOrEqual(8_000);
    expect(outcome.stats).toMatchObject({ reingested: dropped.length, ok: 20 - dropped.length });
  });

  it('fails the invocation, and drops nothing, when re-ingestion keeps failing', async () => {
    const { port } = memoryFirehose(Number.POSITIVE_INFINITY);
    await expect(
      processFirehoseEvent(firehoseEvent(events(20)), {
        resolveStream: resolver(),
        lakeStartDate: LAKE_START,
        firehose: port,
        responseLimitBytes: 8_000,
        reingest: { wait: async () => undefined, maxAttempts: 2 },
      }),
    ).rejects.toThrow('still rejected');
  });

  it('rejects a delivery stream that is not in the pipeline', async () => {
    const event = firehoseEvent(['{}'], 'unknown');
    await expect(
      processFirehoseEvent(event, {
        resolveStream: resolver(),
        lakeStartDate: LAKE_START,
        firehose: memoryFirehose().port,
      }),
    ).rejects.toThrow(UnknownStreamError);
  });

  it('hashes configured columns with the key from the secret source', async () => {
    const outcome = await processFirehoseEvent(
      firehoseEvent(['{"id":"1","email":"a@example.com"}'], 'private'),
      {
        resolveStream: resolver(async () => 'secret-key'),
        lakeStartDate: LAKE_START,
        firehose: memoryFirehose().port,
      },
    );
    const row = JSON.parse(decodeData(outcome.response.records[0]!.data));
    expect(row.email).toMatch(/^[0-9a-f]{64}$/);
    expect(row.email).not.toContain('example');
  });
});
