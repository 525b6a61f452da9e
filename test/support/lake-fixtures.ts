import { gzipSync } from 'node:zlib';
import type { DynamoDBRecord } from 'aws-lambda';
import { timestampMillis } from '../../src/lib/columns/time';
import { flattenRawObject } from '../../src/lib/dynamodb/flatten-raw-object';
import { writeStreamBatch } from '../../src/lib/dynamodb/stream-batch';
import { flattenerForStream } from '../../src/lib/firehose/stream-resolver';
import { RowCoercer } from '../../src/lib/parquet/coerce';
import { parseFlatLine } from '../../src/lib/parquet/flat-line';
import { ParquetRowWriter } from '../../src/lib/parquet/parquet-writer';
import { LakeLayout } from '../../src/lib/pipeline/lake-layout';
import type { Pipeline } from '../../src/lib/pipeline/pipeline';
import { userItem, userStreamRecord } from '../../src/lib/samples/users';
import type { LocalObjectStore } from '../../src/lib/standins/s3/local-object-store';
import { uploadPipe } from '../../src/lib/storage/object-store';

/** Writes clickstream events into the lake as the Firehose path would: flattened, typed, by dt/hour. */
export async function writeClickstream(
  store: LocalObjectStore,
  bucket: string,
  pipeline: Pipeline,
  events: readonly string[],
  /** The object name in each hour's folder: one per delivery, as Firehose names one per buffer. */
  fileName = 'fixture.parquet',
) {
  const stream = pipeline.streams.find((s) => s.name === 'clickstream')!;
  const flattener = flattenerForStream(stream, undefined);
  const coercer = new RowCoercer(stream.columns);
  const partitions = new Map<string, unknown[][]>();
  for (const event of events) {
    const line = flattener.flattenText(event);
    const record = parseFlatLine(line.buffer.toString('utf8', line.start, line.end));
    const iso = new Date(timestampMillis(line.eventTime)!).toISOString();
    const prefix = LakeLayout.streamPartition('clickstream', iso.slice(0, 10), iso.slice(11, 13));
    partitions.set(prefix, [...(partitions.get(prefix) ?? []), coercer.coerce(record)]);
  }
  for (const [prefix, rows] of partitions) {
    const body = uploadPipe();
    const upload = store.put(bucket, `${prefix}${fileName}`, body);
    const writer = new ParquetRowWriter(stream.columns, body);
    for (const row of rows) await writer.append(row as never);
    await writer.close();
    await upload;
  }
}

const STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:123456789012:table/tributary-local-users/stream/2026-11-01T00:00:00.000';

/**
 * Users through the DynamoDB path: an export of users 1-4 taken at the end of 2026-11-19, then
 * changes on 2026-11-20 (user 2 modified, user 3 deleted, user 5 inserted).
 */
export async function writeUsers(
  store: LocalObjectStore,
  rawBucket: string,
  lakeBucket: string,
  pipeline: Pipeline,
) {
  const exportKey =
    'exports/dynamodb/users/dt=2026-11-19/exported_at=20261120T000000Z/AWSDynamoDB/01700000000000-fixture/data/part.json.gz';
  await store.put(
    rawBucket,
    exportKey,
    gzipSync([1, 2, 3, 4].map((i) => JSON.stringify({ Item: userItem(i, 0) })).join('\n')),
  );
  const at = (i: number) => ({
    sequence: 7000n + BigInt(i),
    time: Date.UTC(2026, 10, 20, 8) + i * 1000,
    streamArn: STREAM_ARN,
  });
  const records = [
    userStreamRecord(2, 1, at(0)),
    userStreamRecord(3, 1, { ...at(1), remove: true }),
    userStreamRecord(5, 0, at(2)),
    // user 4 changes twice; the later change's approximate creation time is two seconds earlier
    userStreamRecord(4, 1, at(6)),
    userStreamRecord(4, 2, { ...at(7), time: at(4).time }),
  ] as unknown as DynamoDBRecord[];
  const written = await writeStreamBatch(records, {
    store,
    rawBucket,
    tables: new Map([['tributary-local-users', 'users']]),
    lakeStartDate: '2024-01-01',
  });
  const dependencies = { store, lakeBucket, pipeline, hashKey: async () => 'fixture-key' };
  await flattenRawObject(rawBucket, exportKey, dependencies);
  await flattenRawObject(rawBucket, written.key!, dependencies);
}
