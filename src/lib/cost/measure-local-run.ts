import { createGunzip } from 'node:zlib';
import { DynamoLayout } from '../dynamodb/layout';
import { LakeLayout } from '../pipeline/lake-layout';
import type { Pipeline } from '../pipeline/pipeline';
import type { ObjectStore } from '../storage/object-store';
import { PROFILE_DEFAULTS, type StreamTraffic, type TableTraffic, type TrafficProfile } from './profile';

/**
 * A traffic profile measured from what a local run left in its buckets, as if every day were like
 * the run's day: the raw copies of what the streams were sent (records and bytes), the change
 * files and the export of each DynamoDB table (changes, their size, the table's size), and the
 * Parquet the lake holds for them (Parquet bytes per source byte). `tributary run` makes one day.
 */

export class NoLocalRunError extends Error {
  override readonly name = 'NoLocalRunError';
}

interface Counted {
  readonly lines: number;
  readonly bytes: number;
  readonly compressedBytes: number;
}

async function countGzipLines(
  store: ObjectStore,
  bucket: string,
  key: string,
  size: number,
): Promise<Counted> {
  let lines = 0;
  let bytes = 0;
  let last = 0x0a;
  const stream = (await store.get(bucket, key)).pipe(createGunzip());
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 0x0a) lines += 1;
    last = chunk.at(-1) ?? last;
  }
  if (bytes > 0 && last !== 0x0a) lines += 1;
  return { lines, bytes, compressedBytes: size };
}

async function countPrefix(
  store: ObjectStore,
  bucket: string,
  prefix: string,
  accept: (key: string) => boolean,
): Promise<Counted> {
  let total = { lines: 0, bytes: 0, compressedBytes: 0 };
  for await (const object of store.list(bucket, prefix)) {
    if (!accept(object.key)) continue;
    const counted = await countGzipLines(store, bucket, object.key, object.size);
    total = {
      lines: total.lines + counted.lines,
      bytes: total.bytes + counted.bytes,
      compressedBytes: total.compressedBytes + counted.compressedBytes,
    };
  }
  return total;
}

async function prefixBytes(
  store: ObjectStore,
  bucket: string,
  prefix: string,
  suffix: string,
): Promise<number> {
  let bytes = 0;
  for await (const object of store.list(bucket, prefix))
    if (object.key.endsWith(suffix)) bytes += object.size;
  return bytes;
}

/** Lines newline-joined or not: a line's share of the bytes, without its newline. */
const averageLine = (c: Counted) => (c.lines === 0 ? 0 : Math.round((c.bytes - c.lines) / c.lines));

export async function measureLocalRun(
  store: ObjectStore,
  buckets: { readonly lake: string; readonly raw: string },
  pipeline: Pipeline,
  options: { readonly historyDays?: number } = {},
): Promise<TrafficProfile> {
  const streams: Record<string, StreamTraffic> = {};
  const tables: Record<string, TableTraffic> = {};
  let sourceBytes = 0;
  let parquetBytes = 0;
  let gzipBytes = 0;
  for (const stream of pipeline.streams) {
    // the raw copy holds what was sent; its errors/ are Firehose's own error output
    const sent = await countPrefix(
      store,
      buckets.raw,
      LakeLayout.firehoseBackup(stream.name),
      (key) => !key.startsWith(`${LakeLayout.firehoseBackup(stream.name)}errors/`) && key.endsWith('.gz'),
    );
    if (sent.lines === 0) continue;
    streams[stream.name] = { eventsPerDay: sent.lines, averageEventBytes: averageLine(sent) };
    sourceBytes += sent.bytes;
    gzipBytes += sent.compressedBytes;
    parquetBytes += await prefixBytes(store, buckets.lake, LakeLayout.table(stream.name), '.parquet');
  }
  for (const table of pipeline.dynamodb) {
    const changes = await countPrefix(
      store,
      buckets.raw,
      `${DynamoLayout.rawPrefix}${table.name}/`,
      (key) => DynamoLayout.classify(key).kind === 'changes',
    );
    const exported = await countPrefix(
      store,
      buckets.raw,
      `${DynamoLayout.exportsPrefix}${table.name}/`,
      (key) => DynamoLayout.classify(key).kind === 'export',
    );
    if (changes.lines === 0 && exported.lines === 0) continue;
    tables[table.name] = {
      changesPerDay: changes.lines,
      averageChangeBytes: averageLine(changes) || PROFILE_DEFAULTS.averageChangeBytes,
      tableGB: exported.bytes / 1024 ** 3,
    };
    sourceBytes += changes.bytes;
    gzipBytes += changes.compressedBytes;
    parquetBytes += await prefixBytes(
      store,
      buckets.lake,
      LakeLayout.table(DynamoLayout.changesTable(table.name)),
      '.parquet',
    );
  }
  if (Object.keys(streams).length === 0 && Object.keys(tables).length === 0) {
    throw new NoLocalRunError(
      'no local run here: its raw bucket holds no stream copies or change files (run tributary run first, or give --root)',
    );
  }
  const ratio = (part: number, fallback: number) =>
    sourceBytes > 0 && part > 0 ? part / sourceBytes : fallback;
  return {
    streams,
    tables,
    historyDays: options.historyDays ?? PROFILE_DEFAULTS.historyDays,
    parquetRatio: ratio(parquetBytes, PROFILE_DEFAULTS.parquetRatio),
    gzipRatio: ratio(gzipBytes, PROFILE_DEFAULTS.gzipRatio),
    adhocQueriesPerDay: PROFILE_DEFAULTS.adhocQueriesPerDay,
    adhocScanMB: PROFILE_DEFAULTS.adhocScanMB,
  };
}
