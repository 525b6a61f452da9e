import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { processFirehoseEvent } from '../../../../src/lib/firehose/process-event';
import { type PartitionConverter, partitionConverter } from '../../../../src/lib/firehose/record-conversion';
import { createStreamResolver } from '../../../../src/lib/firehose/stream-resolver';
import { replayBatches } from '../../../../src/lib/replay/replay';
import { listReplayFiles, readReplayBatches } from '../../../../src/lib/replay/replay-source';
import { DuckDb, sqlString } from '../../../../src/lib/standins/athena/duckdb';
import { ConversionThread } from '../../../../src/lib/standins/firehose/conversion-thread';
import {
  type InvokeTransform,
  LOCAL_STREAM_DEFAULTS,
  LocalDeliveryStream,
  type LocalDeliveryStreamOptions,
} from '../../../../src/lib/standins/firehose/local-delivery-stream';
import { drainLocalInbox, localFirehose } from '../../../../src/lib/standins/firehose/local-firehose';
import { LocalObjectStore } from '../../../../src/lib/standins/s3/local-object-store';
import { getBytes, listKeys } from '../../../../src/lib/storage/object-store';
import { testPipeline } from '../../../support/firehose';

const STREAM = 'tributary-test-clickstream';
let root: string;
let store: LocalObjectStore;
let duck: DuckDb;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-delivery-'));
  store = new LocalObjectStore(root);
});
beforeAll(async () => {
  duck = await DuckDb.open();
});
afterAll(() => duck.close());
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function realTransform(responseLimitBytes?: number): InvokeTransform {
  const dependencies = {
    resolveStream: createStreamResolver(testPipeline, 'tributary-test-', async () => 'key'),
    firehose: localFirehose(root),
    lakeStartDate: '2024-01-01',
    ...(responseLimitBytes ? { responseLimitBytes } : {}),
  };
  return async (event) => (await processFirehoseEvent(event, dependencies)).response;
}

function deliveryStream(
  invokeTransform: InvokeTransform,
  overrides: Partial<Pick<LocalDeliveryStreamOptions, 'store' | 'convert' | 'bufferBytes'>> = {},
) {
  return new LocalDeliveryStream({
    ...LOCAL_STREAM_DEFAULTS,
    deliveryStreamName: STREAM,
    stream: testPipeline.streams[0]!,
    store,
    lakeBucket: 'lake-bucket',
    rawBucket: 'raw-bucket',
    invokeTransform,
    takeReingested: () => drainLocalInbox(root, STREAM),
    now: () => Date.UTC(2026, 10, 21, 8, 30),
    ...overrides,
  });
}

/** A converter that holds every partition until released, counting what it was handed. */
function heldConverter() {
  const convert = partitionConverter(store);
  let release: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  let handed = 0;
  const converter: PartitionConverter = async (conversion) => {
    handed++;
    await opened;
    return convert(conversion);
  };
  return { converter, handed: () => handed, open: () => release() };
}

async function until(condition: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  return condition();
}

const events = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    Buffer.from(
      JSON.stringify({
        event_id: `e${i}`,
        event_time: `2026-11-20T${String(i % 24).padStart(2, '0')}:00:00Z`,
        user: { id: i },
      }),
    ),
  );

async function errorRecords(type: string): Promise<any[]> {
  const keys = await listKeys(store, 'lake-bucket', `errors/clickstream/${type}/`);
  const lines = await Promise.all(
    keys.map(async (key) => (await getBytes(store, 'lake-bucket', key)).toString().trim().split('\n')),
  );
  return lines.flat().map((line) => JSON.parse(line));
}

describe('LocalDeliveryStream', () => {
  it('lands every record once, as Parquet under its dynamic partition, with a source backup', async () => {
    const delivery = deliveryStream(realTransform());
    await delivery.put(events(48));
    await delivery.flush();
    const keys = await listKeys(store, 'lake-bucket', 'lake/clickstream/');
    expect(keys).toHaveLength(24);
    expect(keys[0]).toMatch(
      /^lake\/clickstream\/dt=2026-11-20\/hour=00\/tributary-test-clickstream-1-2026-11-21-08-30-00-[0-9a-f-]{36}\.parquet$/,
    );
    const { rows } = await duck.query(
      `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, min(user__id) AS low, max(user__id) AS high
       FROM read_parquet(${sqlString(join(root, 'lake-bucket/lake/clickstream/*/*/*.parquet'))})`,
    );
    expect(rows[0]).toEqual({ n: '48', ids: '48', low: '0', high: '47' });
    const [backup] = await listKeys(store, 'raw-bucket', 'firehose/clickstream/2026/11/21/08/');
    expect(
      gunzipSync(await getBytes(store, 'raw-bucket', backup!))
        .toString()
        .trim()
        .split('\n'),
    ).toHaveLength(48);
  });

  it('delivers re-ingested records in a later round, none lost and none twice', async () => {
    const delivery = deliveryStream(realTransform(9_000));
    await delivery.put(events(60));
    await delivery.flush();
    expect(delivery.stats.reingested).toBeGreaterThan(0);
    const { rows } = await duck.query(
      `SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM read_parquet(${sqlString(join(root, 'lake-bucket/lake/clickstream/*/*/*.parquet'))})`,
    );
    expect(rows[0]).toEqual({ n: '60', ids: '60' });
  });

  it('writes records the transform failed to processing-failed, in Firehose error-record form', async () => {
    const delivery = deliveryStream(realTransform());
    await delivery.put([Buffer.from('{"event_id":'), ...events(2)]);
    await delivery.flush();
    const [failure] = await errorRecords('processing-failed');
    expect(failure).toMatchObject({
      errorCode: 'Lambda.ProcessingFailedStatus',
      rawData: Buffer.from('{"event_id":').toString('base64'),
      attemptsMade: 1,
    });
    expect(delivery.stats).toMatchObject({ processingFailed: 1, rowsWritten: 2 });
  });

  it('sends a whole batch to processing-failed when the transform keeps throwing', async () => {
    let calls = 0;
    const delivery = deliveryStream(async () => {
      calls++;
      throw new Error('boom');
    });
    await delivery.put(events(3));
    await delivery.flush();
    expect(calls).toBe(4);
    const failures = await errorRecords('processing-failed');
    expect(failures.map((f) => f.errorCode)).toEqual([
      'Lambda.FunctionError',
      'Lambda.FunctionError',
      'Lambda.FunctionError',
    ]);
    expect(failures[0].errorMessage).toBe('boom');
  });

  it('treats a recordId missing from the response as failed, never as delivered', async () => {
    const delivery = deliveryStream(async (event: FirehoseTransformationEvent) => ({
      records: event.records.slice(1).map((r) => ({
        recordId: r.recordId,
        result: 'Ok' as const,
        data: r.data,
        metadata: { partitionKeys: { dt: '2026-11-20', hour: '00' } },
      })),
    }));
    await delivery.put(events(2));
    await delivery.flush();
    expect((await errorRecords('processing-failed')).map((f) => f.errorCode)).toEqual([
      'Lambda.MissingRecordId',
    ]);
  });

  it('lands the first 500 active partitions of a delivery and writes the rest to activePartitionExceeded', async () => {
    // 600 events, each in an hour of its own: a backlog spanning 25 days
    const start = Date.UTC(2026, 9, 27, 0);
    const hourly = Array.from({ length: 600 }, (_, i) =>
      Buffer.from(
        JSON.stringify({ event_id: `h${i}`, event_time: new Date(start + i * 3_600_000).toISOString() }),
      ),
    );
    const delivery = deliveryStream(realTransform());
    await delivery.put(hourly);
    await delivery.flush();
    const partitions = new Set(
      (await listKeys(store, 'lake-bucket', 'lake/clickstream/')).map((key) =>
        key.split('/').slice(2, 4).join('/'),
      ),
    );
    expect(partitions.size).toBe(500);
    const exceeded = await errorRecords('activePartitionExceeded');
    expect(exceeded).toHaveLength(100);
    expect(new Set(exceeded.map((record) => record.errorCode))).toEqual(new Set(['activePartitionExceeded']));
    expect(delivery.stats).toMatchObject({ rowsWritten: 500, activePartitionExceeded: 100 });
  }, 120_000);

  it('brings records over the active partition limit into the lake exactly once by replay', async () => {
    const start = Date.UTC(2026, 9, 27, 0);
    const hourly = Array.from({ length: 600 }, (_, i) =>
      Buffer.from(
        JSON.stringify({ event_id: `h${i}`, event_time: new Date(start + i * 3_600_000).toISOString() }),
      ),
    );
    const delivery = deliveryStream(realTransform());
    await delivery.put(hourly);
    await delivery.flush();
    expect(delivery.stats.activePartitionExceeded).toBe(100);

    const files = await listReplayFiles(join(root, 'lake-bucket/errors/clickstream'), () => store);
    const batches = await readReplayBatches(files, testPipeline, {
      onProblem: (file, line, problem) => {
        throw new Error(`${file}:${line}: ${problem}`);
      },
    });
    const replays: Array<{ records: number; exceeded: number }> = [];
    const outcome = await replayBatches(batches, testPipeline, {
      async sendToStream(_stream, records) {
        const again = deliveryStream(realTransform());
        await again.put([...records]);
        await again.flush();
        replays.push({ records: records.length, exceeded: again.stats.activePartitionExceeded });
      },
      putRawObject: async () => undefined,
      sendToStreamFunction: async () => undefined,
    });
    expect(outcome.records).toBe(100);
    expect(replays).toEqual([{ records: 100, exceeded: 0 }]);
    const { rows } = await duck.query(
      `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, count(DISTINCT dt || hour) AS hours
       FROM read_parquet(${sqlString(join(root, 'lake-bucket/lake/clickstream/*/*/*.parquet'))}, hive_partitioning = true)`,
    );
    expect(rows[0]).toEqual({ n: '600', ids: '600', hours: '600' });
  }, 120_000);

  it('writes rows that do not fit the declared types to format-conversion-failed', async () => {
    const delivery = deliveryStream(realTransform());
    await delivery.put([Buffer.from('{"event_id":"bad","user":{"id":"seven"}}'), ...events(1)]);
    await delivery.flush();
    const [failure] = await errorRecords('format-conversion-failed');
    expect(failure.ErrorMessage).toBe('Column user__id: cannot store "seven" as bigint');
    expect(Buffer.from(failure.rawData, 'base64').toString()).toBe('{"event_id":"bad","user__id":"seven"}\n');
    expect(delivery.stats).toMatchObject({ conversionFailed: 1, rowsWritten: 1 });
  });

  it('counts each failure reason, as the error records give it, for the summary to say why', async () => {
    const delivery = deliveryStream(realTransform());
    await delivery.put([
      Buffer.from('{"event_id":"a","user":{"id":"seven"}}'),
      Buffer.from('{"event_id":"b","user":{"id":"seven"}}'),
      Buffer.from('{"event_id":'),
      ...events(1),
    ]);
    await delivery.flush();
    expect([...delivery.stats.failureReasons]).toEqual([
      ['the transform Lambda returned ProcessingFailed; its log says why', 1],
      ['Column user__id: cannot store "seven" as bigint', 2],
    ]);
  });

  it('reads timestamps as Firehose does: up to 9 fraction digits shown to the millisecond, epoch micro- and nanoseconds refused', async () => {
    const delivery = deliveryStream(realTransform());
    await delivery.put([
      Buffer.from('{"event_id":"nanos","event_time":"2026-11-20T09:15:02.123456789Z"}'),
      Buffer.from('{"event_id":"ten","event_time":"2026-11-20T09:15:02.1234567891Z"}'),
      Buffer.from('{"event_id":"micros","event_time":1795165200123456}'),
    ]);
    await delivery.flush();
    const { rows } = await duck.query(
      `SELECT event_id, CAST(event_time AS VARCHAR) AS at
       FROM read_parquet(${sqlString(join(root, 'lake-bucket/lake/clickstream/*/*/*.parquet'))})`,
    );
    expect(rows).toEqual([{ event_id: 'nanos', at: '2026-11-20 09:15:02.123' }]);
    const failures = await errorRecords('format-conversion-failed');
    expect(
      failures.map((f) => JSON.parse(Buffer.from(f.rawData, 'base64').toString()).event_id).sort(),
    ).toEqual(['micros', 'ten']);
    for (const failure of failures) expect(failure.ErrorMessage).toContain('Column event_time');
  });

  it('keeps transforming while up to one buffer of partitions waits for the converter', async () => {
    const held = heldConverter();
    const delivery = deliveryStream(realTransform(), { convert: held.converter });
    await delivery.put(events(48));
    const flushed = delivery.flush();
    // all 24 hour partitions of the delivery are handed over before any conversion finishes
    expect(await until(() => held.handed() === 24)).toBe(true);
    held.open();
    await flushed;
    expect(delivery.stats.rowsWritten).toBe(48);
  });

  it('makes the producer wait once more than a buffer of lines waits for the converter', async () => {
    const held = heldConverter();
    const delivery = deliveryStream(realTransform(), { convert: held.converter, bufferBytes: 1_000 });
    const delivered = delivery.put(events(48)).then(() => delivery.flush());
    expect(await until(() => held.handed() >= 2)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // a partition holds ~300 bytes of lines: the producer stops before handing all 24 over
    expect(held.handed()).toBeLessThan(24);
    held.open();
    await delivered;
    expect(delivery.stats.rowsWritten).toBe(48);
  });

  it('lands the same rows with the conversion thread as converting in this thread', async () => {
    const manyDeliveries = { bufferBytes: 4_096 };
    const putInBatches = async (delivery: LocalDeliveryStream) => {
      const all = events(400);
      for (let i = 0; i < all.length; i += 20) await delivery.put(all.slice(i, i + 20));
    };
    const inThread = deliveryStream(realTransform(), manyDeliveries);
    await putInBatches(inThread);
    await inThread.flush();
    const threadRoot = await mkdtemp(join(tmpdir(), 'tributary-delivery-thread-'));
    const thread = new ConversionThread(threadRoot);
    try {
      const threaded = deliveryStream(realTransform(), {
        ...manyDeliveries,
        store: new LocalObjectStore(threadRoot),
        convert: thread.convert,
      });
      await putInBatches(threaded);
      await threaded.flush();
      expect(threaded.stats.parquetFiles.length).toBeGreaterThan(24);
      const rows = async (at: string) =>
        (
          await duck.query(
            `SELECT * EXCLUDE (filename), regexp_extract(filename, '(dt=[^/]+/hour=[^/]+)/', 1) AS partition
             FROM read_parquet(${sqlString(join(at, 'lake-bucket/lake/clickstream/*/*/*.parquet'))}, filename = true)
             ORDER BY ALL`,
          )
        ).rows;
      const expected = await rows(root);
      expect(expected).toHaveLength(400);
      expect(await rows(threadRoot)).toEqual(expected);
    } finally {
      await thread.close();
      await rm(threadRoot, { recursive: true, force: true });
    }
  });
});
