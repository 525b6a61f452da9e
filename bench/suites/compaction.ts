import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinLines } from '../../src/lib/firehose/joined-lines';
import { partitionConverter } from '../../src/lib/firehose/record-conversion';
import { flattenerForStream } from '../../src/lib/firehose/stream-resolver';
import { transformRecords } from '../../src/lib/firehose/transform-batch';
import { localEnvironment } from '../../src/lib/local/local-environment';
import { digestDay } from '../../src/lib/local/rewrite/day-digest';
import { runLakeRewriteLocally } from '../../src/lib/local/rewrite/lake-rewrite-run';
import { bundledPipeline } from '../../src/lib/pipeline/bundled';
import { LakeLayout } from '../../src/lib/pipeline/lake-layout';
import { compactionOptions } from '../../src/lib/rewrite/compaction-policy';
import { readDayState, visibleFiles } from '../../src/lib/rewrite/day-state';
import { objectStorePointers } from '../../src/lib/rewrite/pointer-store';
import { CLICKSTREAM_DEFAULTS, clickstreamEventJson } from '../../src/lib/samples/clickstream';
import { DuckDb, sqlString } from '../../src/lib/standins/athena/duckdb';
import type { LocalObjectStore } from '../../src/lib/standins/s3/local-object-store';
import { median, printResults } from '../harness';

const DT = '2026-11-20';
/** A quiet stream: Firehose flushes every 5 minutes, so a day is 288 deliveries. */
const DELIVERIES = 288;
/** Events a day; `BENCH_COMPACTION_EVENTS` picks another number. */
const EVENTS = Number(process.env.BENCH_COMPACTION_EVENTS ?? 50_000);
/** One delivery in fifty is sent twice (a producer's retry). */
const RESENT_EVERY = 50;
const TYPICAL_QUERY =
  'SELECT event_type, count(*) AS events, sum(properties__value) AS revenue FROM day GROUP BY 1';

/**
 * Compaction of one day of clickstream as a quiet stream writes it: one Parquet file per delivery
 * and hour, compacted by the lake-rewrite state machine as deployed (its CTAS in the local
 * Athena). Before and after: files a query of the day opens, the bytes of the columns a typical
 * query reads (Athena bills bytes scanned: the column chunks it reads), and that query's time on
 * DuckDB. The row count and content checksum (one copy per key) must be equal.
 */
export async function run(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'tributary-bench-compaction-'));
  try {
    const pipeline = bundledPipeline();
    const environment = localEnvironment(root, pipeline.database);
    const { store, lakeBucket } = environment;
    const stream = pipeline.streams.find((s) => s.name === 'clickstream')!;
    await writeDay(store, lakeBucket, stream);
    const pointers = objectStorePointers(store);
    const digest = () => digestDay(store, pointers, lakeBucket, stream.name, DT, compactionOptions(stream));
    const digestBefore = await digest();
    const before = await measureQuery(store, lakeBucket, pointers);
    const started = process.hrtime.bigint();
    const rewrite = await runLakeRewriteLocally(environment, pipeline, { date: DT, stream: stream.name });
    const rewriteSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (rewrite.execution.status !== 'SUCCEEDED')
      throw new Error(
        `The lake rewrite of ${stream.name} dt=${DT} failed: ${rewrite.execution.error?.name}: ${rewrite.execution.error?.cause}`,
      );
    const digestAfter = await digest();
    const after = await measureQuery(store, lakeBucket, pointers);
    const summary = (await readDayState(store, pointers, lakeBucket, stream.name, DT)).current?.summary;
    const same =
      digestBefore.checksum === digestAfter.checksum && digestBefore.distinctRows === digestAfter.rows;
    printResults(`Compaction (one day, ${EVENTS.toLocaleString('en')} events in ${DELIVERIES} deliveries)`, [
      {
        metric: 'files a query of the day opens',
        value: String(after.files),
        baseline: String(before.files),
        ratio: ratio(after.files, before.files),
      },
      {
        metric: 'bytes of the columns the typical query reads',
        value: mb(after.columnBytes),
        baseline: mb(before.columnBytes),
        ratio: ratio(after.columnBytes, before.columnBytes),
      },
      {
        metric: 'bytes of the files opened',
        value: mb(after.fileBytes),
        baseline: mb(before.fileBytes),
        ratio: ratio(after.fileBytes, before.fileBytes),
      },
      {
        metric: 'typical query on DuckDB (median of 7)',
        value: `${(after.seconds * 1000).toFixed(0)} ms`,
        baseline: `${(before.seconds * 1000).toFixed(0)} ms`,
        ratio: ratio(after.seconds, before.seconds),
      },
      {
        metric: 'rows (every copy) / copies dropped',
        value: `${digestAfter.rows} / ${summary?.duplicatesDropped ?? 0}`,
        baseline: `${digestBefore.rows}`,
      },
      {
        metric: 'lake rewrite (state machine, CTAS in the local Athena)',
        value: `${rewriteSeconds.toFixed(1)} s`,
      },
      { metric: 'content checksum, one copy per key', value: same ? 'equal' : 'DIFFERENT', met: same },
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(3)}x`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

async function writeDay(
  store: LocalObjectStore,
  lakeBucket: string,
  stream: ReturnType<typeof bundledPipeline>['streams'][number],
) {
  const options = { ...CLICKSTREAM_DEFAULTS, eventsPerDay: EVENTS };
  const flattener = flattenerForStream(stream, undefined);
  const convert = partitionConverter(store);
  const perDelivery = Math.ceil(EVENTS / DELIVERIES);
  for (let d = 0; d < DELIVERIES; d++) {
    const first = d * perDelivery;
    const indexes = Array.from({ length: Math.min(perDelivery, EVENTS - first) }, (_, i) => first + i);
    const copies = d % RESENT_EVERY === 0 ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const at = Date.parse(`${DT}T00:00:00Z`) + (d + 1) * 300_000;
      const { results } = transformRecords(
        indexes.map((i) => ({
          recordId: String(i),
          approximateArrivalTimestamp: at,
          data: Buffer.from(clickstreamEventJson(i, options)).toString('base64'),
        })),
        flattener,
        { lakeStartDate: '2026-01-01', now: () => at },
      );
      const byHour = new Map<string, string[]>();
      for (const r of results) {
        const { dt, hour } = r.metadata!.partitionKeys!;
        const prefix = LakeLayout.streamPartition(stream.name, dt!, hour!);
        byHour.set(prefix, [...(byHour.get(prefix) ?? []), Buffer.from(r.data!, 'base64').toString('utf8')]);
      }
      for (const [prefix, lines] of byHour) {
        await convert({
          columns: stream.columns,
          lines: joinLines(lines),
          codec: 'snappy',
          bucket: lakeBucket,
          key: `${prefix}delivery-${d}-${copy}.parquet`,
          now: at,
        });
      }
    }
  }
}

async function measureQuery(
  store: LocalObjectStore,
  lakeBucket: string,
  pointers: ReturnType<typeof objectStorePointers>,
) {
  const visible = visibleFiles(await readDayState(store, pointers, lakeBucket, 'clickstream', DT));
  const keys = [...visible.live, ...visible.compacted];
  const duck = await DuckDb.open();
  try {
    const paths = keys.map((k) => sqlString(store.pathFor(lakeBucket, k))).join(', ');
    await duck.run(`CREATE VIEW day AS SELECT * FROM read_parquet([${paths}], union_by_name = true)`);
    const meta = await duck.query(
      `SELECT coalesce(sum(total_compressed_size), 0) AS bytes FROM parquet_metadata([${paths}]) ` +
        `WHERE path_in_schema IN ('event_type', 'properties__value')`,
    );
    let fileBytes = 0;
    for await (const object of store.list(lakeBucket, 'lake/clickstream/'))
      if (keys.includes(object.key)) fileBytes += object.size;
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = process.hrtime.bigint();
      await duck.query(TYPICAL_QUERY);
      times.push(Number(process.hrtime.bigint() - started) / 1e9);
    }
    return {
      files: keys.length,
      columnBytes: Number(meta.rows[0]?.bytes ?? 0),
      fileBytes,
      seconds: median(times),
    };
  } finally {
    duck.close();
  }
}
