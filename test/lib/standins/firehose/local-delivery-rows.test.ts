import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processFirehoseEvent } from '../../../../src/lib/firehose/process-event';
import { createStreamResolver } from '../../../../src/lib/firehose/stream-resolver';
import { bundledPipeline } from '../../../../src/lib/pipeline/bundled';
import { CLICKSTREAM_DEFAULTS, clickstreamEventJson } from '../../../../src/lib/samples/clickstream';
import { DuckDb, sqlString } from '../../../../src/lib/standins/athena/duckdb';
import { ConversionThread } from '../../../../src/lib/standins/firehose/conversion-thread';
import {
  LOCAL_STREAM_DEFAULTS,
  LocalDeliveryStream,
} from '../../../../src/lib/standins/firehose/local-delivery-stream';
import { drainLocalInbox, localFirehose } from '../../../../src/lib/standins/firehose/local-firehose';
import { LocalObjectStore } from '../../../../src/lib/standins/s3/local-object-store';
import { diffRows } from '../../../support/row-diff';

const EVENTS = 5_000;
const NOW = Date.UTC(2026, 10, 21, 8, 30);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-delivery-rows-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/**
 * The generated events through a LocalDeliveryStream into `root/<name>`, delivered with the given
 * buffer and transform invocation sizes; the delivery's stats.
 */
async function deliver(name: string, sizes: { bufferBytes: number; invocationBytes: number }) {
  const pipeline = bundledPipeline();
  const stream = pipeline.streams.find((s) => s.name === 'clickstream')!;
  const directory = join(root, name);
  const dependencies = {
    resolveStream: createStreamResolver(pipeline, 'tributary-rows-', async () => 'key'),
    firehose: localFirehose(directory),
    lakeStartDate: '2024-01-01',
    now: () => NOW,
  };
  const thread = new ConversionThread(directory);
  try {
    const delivery = new LocalDeliveryStream({
      ...LOCAL_STREAM_DEFAULTS,
      ...sizes,
      deliveryStreamName: 'tributary-rows-clickstream',
      stream,
      store: new LocalObjectStore(directory),
      lakeBucket: 'lake-bucket',
      rawBucket: 'raw-bucket',
      invokeTransform: async (event) => (await processFirehoseEvent(event, dependencies)).response,
      takeReingested: () => drainLocalInbox(directory, 'tributary-rows-clickstream'),
      now: () => NOW,
      convert: thread.convert,
    });
    const options = { ...CLICKSTREAM_DEFAULTS, eventsPerDay: 20_000 };
    for (let i = 0; i < EVENTS; i += 500) {
      await delivery.put(
        Array.from({ length: 500 }, (_, j) => Buffer.from(clickstreamEventJson(i + j, options))),
      );
    }
    await delivery.flush();
    return delivery.stats;
  } finally {
    await thread.close();
  }
}

const lakeFiles = (name: string) => sqlString(join(root, name, 'lake-bucket/lake/clickstream/*/*/*.parquet'));

/** Every row of the lake, every column as DuckDB's text for it, with the partition it was filed under. */
async function lakeRows(duck: DuckDb, name: string) {
  const { rows } = await duck.query(
    `SELECT COLUMNS(*)::VARCHAR FROM (
       SELECT * EXCLUDE (filename), regexp_extract(filename, '(dt=[^/]+/hour=[^/]+)/', 1) AS partition
       FROM read_parquet(${lakeFiles(name)}, filename = true))`,
  );
  return rows;
}

describe('LocalDeliveryStream on generated clickstream events', () => {
  it('lands the same rows, with the same Parquet types and statistics, however it buffers and batches them', async () => {
    // the reference: one buffer per partition and large transform invocations
    const reference = await deliver('reference', {
      bufferBytes: 64 * 1024 * 1024,
      invocationBytes: 4 * 1024 * 1024,
    });
    // several deliveries and invocations, hour partitions across each
    const split = await deliver('split', { bufferBytes: 1024 * 1024, invocationBytes: 256 * 1024 });
    for (const stats of [reference, split]) {
      expect(stats).toMatchObject({ rowsWritten: EVENTS, conversionFailed: 0, processingFailed: 0 });
    }
    const files = lakeFiles('split');
    const duck = await DuckDb.open();
    try {
      const expected = await lakeRows(duck, 'reference');
      expect(expected).toHaveLength(EVENTS);
      expect(diffRows(expected, await lakeRows(duck, 'split'), ['event_id'])).toEqual([]);
      const schema = await duck.query(
        `SELECT DISTINCT name, type, converted_type::VARCHAR AS converted, logical_type::VARCHAR AS logical
         FROM parquet_schema(${files}) WHERE name <> 'duckdb_schema' ORDER BY name`,
      );
      expect(
        schema.rows.map((c) => `${c.name} ${c.type} ${c.converted ?? ''} ${c.logical ?? ''}`.trim()),
      ).toMatchSnapshot();
      const { rows: chunks } = await duck.query(
        `SELECT count(*)::INTEGER AS chunks, count(stats_null_count)::INTEGER AS with_stats,
                count(DISTINCT (file_name, row_group_id))::INTEGER AS row_groups
         FROM parquet_metadata(${files})`,
      );
      expect(chunks[0]!.with_stats).toBe(chunks[0]!.chunks);
      expect(chunks[0]!.row_groups).toBeGreaterThan(5);
    } finally {
      duck.close();
    }
  }, 180_000);
});
