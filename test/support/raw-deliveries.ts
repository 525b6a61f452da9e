import { gzipSync } from 'node:zlib';
import { parseColumnType } from '../../src/lib/columns/column-types';
import { joinLines } from '../../src/lib/firehose/joined-lines';
import { partitionConverter } from '../../src/lib/firehose/record-conversion';
import { flattenerForStream } from '../../src/lib/firehose/stream-resolver';
import { transformRecords } from '../../src/lib/firehose/transform-batch';
import { LakeLayout } from '../../src/lib/pipeline/lake-layout';
import type { StreamSpec } from '../../src/lib/pipeline/pipeline';
import type { ObjectStore } from '../../src/lib/storage/object-store';

/**
 * A stream whose producers started sending a field before pipeline.yml declared it: deliveries
 * write every source record to the raw copy and the declared columns to the lake, as Firehose does.
 */
const column = (name: string, type: string) => ({ name, type: parseColumnType(type) });
/** The stream as deployed while producers already sent `campaign`: the lake dropped it. */
export const BEFORE: StreamSpec = {
  name: 'clicks',
  description: 'test stream',
  eventTime: 'event_time',
  keys: ['event_id'],
  flatten: { maxDepth: 10, drop: [], hash: [] },
  columns: [column('event_id', 'string'), column('event_time', 'timestamp'), column('n', 'bigint')],
  expect: undefined,
};
/** ...and once `campaign__name` is declared. */
export const AFTER: StreamSpec = {
  ...BEFORE,
  columns: [...BEFORE.columns, column('campaign__name', 'string')],
};

export const record = (id: string, eventTime: string, n: number) =>
  JSON.stringify({ event_id: id, event_time: eventTime, n, campaign: { name: `spring-${id}` } });

/**
 * One Firehose delivery: the source records to the raw copy under their arrival hour, and the
 * transformed rows, with the columns declared at the time, to the lake.
 */
export async function deliver(
  store: ObjectStore,
  buckets: { readonly lake: string; readonly raw: string },
  arrival: string,
  records: string[],
  name: string,
): Promise<void> {
  const at = Date.parse(arrival);
  const path = arrival.slice(0, 13).replace(/[-T]/g, '/');
  await store.put(
    buckets.raw,
    `${LakeLayout.firehoseBackup('clicks')}${path}/${name}.gz`,
    gzipSync(`${records.join('\n')}\n`),
  );
  const { results } = transformRecords(
    records.map((data, i) => ({
      recordId: String(i),
      approximateArrivalTimestamp: at,
      data: Buffer.from(data).toString('base64'),
    })),
    flattenerForStream(BEFORE, undefined),
    { lakeStartDate: '2026-01-01', now: () => at },
  );
  const byHour = new Map<string, string[]>();
  for (const r of results) {
    const { dt, hour } = r.metadata!.partitionKeys!;
    const prefix = LakeLayout.streamPartition('clicks', dt!, hour!);
    byHour.set(prefix, [...(byHour.get(prefix) ?? []), Buffer.from(r.data!, 'base64').toString('utf8')]);
  }
  for (const [prefix, lines] of byHour) {
    await partitionConverter(store)({
      columns: BEFORE.columns,
      lines: joinLines(lines),
      codec: 'snappy',
      bucket: buckets.lake,
      key: `${prefix}${name}.parquet`,
      now: at,
    });
  }
}

/** Three days of clicks with a `campaign` nobody declared: a late event, and a producer's retry of c. */
export async function producersSentCampaignForThreeDays(
  store: ObjectStore,
  buckets: { readonly lake: string; readonly raw: string },
): Promise<void> {
  await deliver(
    store,
    buckets,
    '2026-11-18T09:05:00Z',
    [record('a', '2026-11-18T09:00:00Z', 1), record('b', '2026-11-18T09:01:00Z', 2)],
    'd1',
  );
  await deliver(store, buckets, '2026-11-19T14:05:00Z', [record('c', '2026-11-19T14:00:00Z', 3)], 'd2');
  // a phone offline since the 18th, and a producer's retry of c
  await deliver(
    store,
    buckets,
    '2026-11-20T07:05:00Z',
    [
      record('late', '2026-11-18T23:30:00Z', 4),
      record('c', '2026-11-19T14:00:00Z', 3),
      record('d', '2026-11-20T07:00:00Z', 5),
    ],
    'd3',
  );
}
