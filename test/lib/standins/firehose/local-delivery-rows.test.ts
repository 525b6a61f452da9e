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

const EVENTS = 5_000;
/**
 * The lake's rows for the generated events below, as the local Firehose wrote them before it was
 * made faster (main at 1303ba3): every value of every declared column, ordered, hashed by DuckDB.
 * A change to how the local pipeline moves records must leave it as it is.
 */
const ROWS_DIGEST = '00b4e2ef62b295aa7d0c559bac7cb5df';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-delivery-rows-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('LocalDeliveryStream on generated clickstream events', () => {
  it('lands the same rows, with the same Parquet types and statistics, as the reference implementation', async () => {
    const pipeline = bundledPipeline();
    const stream = pipeline.streams.find((s) => s.name === 'clickstream')!;
    const dependencies = {
      resolveStream: createStreamResolver(pipeline, 'tributary-rows-', async () => 'key'),
      firehose: localFirehose(root),
      lakeStartDate: '2024-01-01',
      now: () => Date.UTC(2026, 10, 21, 8, 30),
    };
    const thread = new ConversionThread(root);
    const store = new LocalObjectStore(root);
    try {
      const delivery = new LocalDeliveryStream({
        ...LOCAL_STREAM_DEFAULTS,
        deliveryStreamName: 'tributary-rows-clickstream',
        stream,
        store,
        lakeBucket: 'lake-bucket',
        rawBucket: 'raw-bucket',
        invokeTransform: async (event) => (await processFirehoseEvent(event, dependencies)).response,
        takeReingested: () => drainLocalInbox(root, 'tributary-rows-clickstream'),
        // several deliveries and invocations, hour partitions across each
        bufferBytes: 1024 * 1024,
        invocationBytes: 256 * 1024,
        now: () => Date.UTC(2026, 10, 21, 8, 30),
        convert: thread.convert,
      });
      const options = { ...CLICKSTREAM_DEFAULTS, eventsPerDay: 20_000 };
      for (let i = 0; i < EVENTS; i += 500) {
        await delivery.put(
          Array.from({ length: 500 }, (_, j) => Buffer.from(clickstreamEventJson(i + j, options))),
        );
      }
      await delivery.flush();
      expect(delivery.stats).toMatchObject({ rowsWritten: EVENTS, conversionFailed: 0, processingFailed: 0 });
    } finally {
      await thread.close();
    }
    const files = sqlString(join(root, 'lake-bucket/lake/clickstream/*/*/*.parquet'));
    const duck = await DuckDb.open();
    try {
      const { rows } = await duck.query(
        `SELECT count(*)::VARCHAR AS n,
                md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)) AS digest
         FROM (SELECT * EXCLUDE (filename), regexp_extract(filename, '(dt=[^/]+/hour=[^/]+)/', 1) AS partition
               FROM read_parquet(${files}, filename = true)) t`,
      );
      expect(rows).toEqual([{ n: String(EVENTS), digest: ROWS_DIGEST }]);
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
  });
});
