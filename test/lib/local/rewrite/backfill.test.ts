import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseColumnType } from '../../../../src/lib/columns/column-types';
import { joinLines } from '../../../../src/lib/firehose/joined-lines';
import { partitionConverter } from '../../../../src/lib/firehose/record-conversion';
import { flattenerForStream } from '../../../../src/lib/firehose/stream-resolver';
import { transformRecords } from '../../../../src/lib/firehose/transform-batch';
import { backfillStream } from '../../../../src/lib/local/rewrite/backfill';
import { LakeLayout } from '../../../../src/lib/pipeline/lake-layout';
import type { StreamSpec } from '../../../../src/lib/pipeline/pipeline';
import { readDayState, rewrittenContentAt, visibleFiles } from '../../../../src/lib/rewrite/day-state';
import { objectStorePointers } from '../../../../src/lib/rewrite/pointer-store';
import { DuckDb, sqlString } from '../../../../src/lib/standins/athena/duckdb';
import { LocalObjectStore } from '../../../../src/lib/standins/s3/local-object-store';
import { killedAfter } from '../../../../src/lib/storage/killed-store';
import type { ObjectStore } from '../../../../src/lib/storage/object-store';

const LAKE = 'tributary-test-lake';
const RAW = 'tributary-test-raw';
const DAYS = ['2026-11-18', '2026-11-19', '2026-11-20'];

const column = (name: string, type: string) => ({ name, type: parseColumnType(type) });
/** The stream as deployed while producers already sent `campaign`: the lake dropped it. */
const BEFORE: StreamSpec = {
  name: 'clicks',
  description: 'test stream',
  eventTime: 'event_time',
  keys: ['event_id'],
  flatten: { maxDepth: 10, drop: [], hash: [] },
  columns: [column('event_id', 'string'), column('event_time', 'timestamp'), column('n', 'bigint')],
  expect: undefined,
};
/** ...and once `campaign__name` is declared. */
const AFTER: StreamSpec = { ...BEFORE, columns: [...BEFORE.columns, column('campaign__name', 'string')] };

let root: string;
let store: LocalObjectStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-backfill-'));
  store = new LocalObjectStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const record = (id: string, eventTime: string, n: number) =>
  JSON.stringify({ event_id: id, event_time: eventTime, n, campaign: { name: `spring-${id}` } });

/**
 * One Firehose delivery: the source records to the raw copy under their arrival hour, and the
 * transformed rows, with the columns declared at the time, to the lake.
 */
async function deliver(arrival: string, records: string[], name: string): Promise<void> {
  const at = Date.parse(arrival);
  const path = arrival.slice(0, 13).replace(/[-T]/g, '/');
  await store.put(
    RAW,
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
      bucket: LAKE,
      key: `${prefix}${name}.parquet`,
      now: at,
    });
  }
}

async function producersSentCampaignForThreeDays(): Promise<void> {
  await deliver(
    '2026-11-18T09:05:00Z',
    [record('a', '2026-11-18T09:00:00Z', 1), record('b', '2026-11-18T09:01:00Z', 2)],
    'd1',
  );
  await deliver('2026-11-19T14:05:00Z', [record('c', '2026-11-19T14:00:00Z', 3)], 'd2');
  // a phone offline since the 18th, and a producer's retry of c
  await deliver(
    '2026-11-20T07:05:00Z',
    [
      record('late', '2026-11-18T23:30:00Z', 4),
      record('c', '2026-11-19T14:00:00Z', 3),
      record('d', '2026-11-20T07:00:00Z', 5),
    ],
    'd3',
  );
}

async function readDays(target: ObjectStore = store): Promise<string[]> {
  const pointers = objectStorePointers(target);
  const duck = await DuckDb.open();
  try {
    const rows: string[] = [];
    for (const dt of DAYS) {
      const visible = visibleFiles(await readDayState(store, pointers, LAKE, 'clicks', dt));
      const list = (keys: string[]) => keys.map((k) => sqlString(store.pathFor(LAKE, k))).join(', ');
      const parts = [
        ...(visible.live.length
          ? [`SELECT * FROM read_parquet([${list(visible.live)}], union_by_name = true)`]
          : []),
        ...(visible.compacted.length
          ? [`SELECT * FROM read_parquet([${list(visible.compacted)}], union_by_name = true)`]
          : []),
      ];
      if (parts.length === 0) continue;
      const result = await duck.query(
        `SELECT * FROM (${parts.join(' UNION ALL BY NAME ')}) ORDER BY event_id`,
      );
      for (const r of result.rows) rows.push(`${dt} ${r.event_id} ${r.n} ${r.campaign__name ?? '-'}`);
    }
    return rows;
  } finally {
    duck.close();
  }
}

const dependencies = () => ({
  store,
  pointers: objectStorePointers(store),
  lakeBucket: LAKE,
  rawBucket: RAW,
  lakeStartDate: '2026-01-01',
  flattener: flattenerForStream(AFTER, undefined),
});

describe('backfillStream', () => {
  it('fills a newly declared column for the days its values were sent, late events in their own day, one copy per key', async () => {
    await producersSentCampaignForThreeDays();
    expect(await readDays()).toEqual([
      '2026-11-18 a 1 -',
      '2026-11-18 b 2 -',
      '2026-11-18 late 4 -',
      '2026-11-19 c 3 -',
      '2026-11-19 c 3 -',
      '2026-11-20 d 5 -',
    ]);
    const outcomes = await backfillStream(AFTER, DAYS, dependencies());
    expect(
      outcomes.map((o) => [o.outcome.dt, o.outcome.status, o.records, o.outcome.duplicatesDropped]),
    ).toEqual([
      ['2026-11-18', 'rewritten', 3, 0],
      ['2026-11-19', 'rewritten', 2, 1],
      ['2026-11-20', 'rewritten', 1, 0],
    ]);
    expect(await readDays()).toEqual([
      '2026-11-18 a 1 spring-a',
      '2026-11-18 b 2 spring-b',
      '2026-11-18 late 4 spring-late',
      '2026-11-19 c 3 spring-c',
      '2026-11-20 d 5 spring-d',
    ]);
    // the transforms that read these days compute them again on the next run
    const changed = await rewrittenContentAt(store, objectStorePointers(store), LAKE, 'clicks', '2026-11-18');
    expect(Date.parse(changed ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('leaves readers on the old days when killed before a flip, and converges when run again', async () => {
    await producersSentCampaignForThreeDays();
    const before = await readDays();
    // the staged rows and the summary are written, then the process dies before the flip
    const killing = killedAfter(store, 0);
    await expect(
      backfillStream(AFTER, DAYS, { ...dependencies(), pointers: objectStorePointers(killing) }),
    ).rejects.toThrow(/killed/);
    expect(await readDays()).toEqual(before);
    await backfillStream(AFTER, DAYS, dependencies());
    await backfillStream(AFTER, DAYS, dependencies());
    expect(await readDays()).toEqual([
      '2026-11-18 a 1 spring-a',
      '2026-11-18 b 2 spring-b',
      '2026-11-18 late 4 spring-late',
      '2026-11-19 c 3 spring-c',
      '2026-11-20 d 5 spring-d',
    ]);
  });
});
