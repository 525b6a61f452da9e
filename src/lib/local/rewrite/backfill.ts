import { gunzipSync } from 'node:zlib';
import type { FirehoseTransformationEventRecord } from 'aws-lambda';
import { joinLines } from '../../firehose/joined-lines';
import { partitionConverter } from '../../firehose/record-conversion';
import { transformRecords } from '../../firehose/transform-batch';
import type { RecordFlattener } from '../../flattening/record-flattener';
import type { ParquetCodec } from '../../parquet/parquet-writer';
import { LakeLayout } from '../../pipeline/lake-layout';
import type { StreamSpec } from '../../pipeline/pipeline';
import type { PointerStore } from '../../rewrite/pointer-store';
import { type RewriteOutcome, rewriteDay } from '../../rewrite/rewrite-day';
import type { LocalObjectStore } from '../../standins/s3/local-object-store';
import { getBytes } from '../../storage/object-store';
import { compactionOptions, writeGeneration } from './compact';

export interface BackfillDependencies {
  readonly store: LocalObjectStore;
  readonly pointers: PointerStore;
  readonly lakeBucket: string;
  readonly rawBucket: string;
  readonly lakeStartDate: string;
  /** The stream's flattener as the Firehose transform builds it (its hash key included). */
  readonly flattener: RecordFlattener;
  readonly codec?: ParquetCodec;
  readonly now?: () => Date;
}

export interface DayBackfill {
  readonly outcome: RewriteOutcome;
  /** Source records of the day read back from the raw copies. */
  readonly records: number;
  /** Records Firehose's conversion refuses (they went to format-conversion-failed the first time too). */
  readonly conversionErrors: number;
}

export class BackfillError extends Error {
  override readonly name = 'BackfillError';
}

const ARRIVAL_PATH = /\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/[^/]+$/;
const DAY_MS = 86_400_000;

/**
 * Rebuilds days of a stream from its raw copies (every source record, filed by arrival hour),
 * through the Firehose transform and Firehose's conversion with the stream's columns as they are
 * declared now, so a column added to pipeline.yml gets its values for days written before it was
 * declared. Each record lands in the day the transform files it under, as it did when it
 * arrived: its event time, or its arrival time when that is missing or outside the lake, decided
 * with the clock of its arrival. Each day is then replaced with the atomic rewrite, one copy per
 * keys.
 *
 * Raw files are read from the day before the first day (a record may arrive before its event
 * time) up to now, so late events of those days are found wherever they arrived.
 */
export async function backfillStream(
  stream: StreamSpec,
  days: readonly string[],
  dependencies: BackfillDependencies,
): Promise<DayBackfill[]> {
  const wanted = new Set(days);
  const first = [...days].sort()[0];
  if (!first) return [];
  const from = Date.parse(`${first}T00:00:00Z`) - DAY_MS;
  const lines = new Map<string, Map<string, string[]>>();
  let recordId = 0;
  for await (const object of dependencies.store.list(
    dependencies.rawBucket,
    LakeLayout.firehoseBackup(stream.name),
  )) {
    const arrivalHour = ARRIVAL_PATH.exec(object.key);
    if (!arrivalHour) continue;
    const hourStart = Date.UTC(
      Number(arrivalHour[1]),
      Number(arrivalHour[2]) - 1,
      Number(arrivalHour[3]),
      Number(arrivalHour[4]),
    );
    if (hourStart < from) continue;
    const arrival = object.lastModified ?? hourStart;
    const raw = await getBytes(dependencies.store, dependencies.rawBucket, object.key);
    const body = object.key.endsWith('.gz') ? gunzipSync(raw) : raw;
    const records: FirehoseTransformationEventRecord[] = body
      .toString('utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => ({
        recordId: String(recordId++),
        approximateArrivalTimestamp: arrival,
        data: Buffer.from(`${line}\n`).toString('base64'),
      }));
    const { results } = transformRecords(records, dependencies.flattener, {
      lakeStartDate: dependencies.lakeStartDate,
      now: () => arrival,
    });
    for (const result of results) {
      const keys = result.metadata?.partitionKeys;
      if (result.result !== 'Ok' || !keys?.dt || !wanted.has(keys.dt)) continue;
      const day = lines.get(keys.dt) ?? new Map<string, string[]>();
      const hour = keys.hour ?? '00';
      day.set(hour, [...(day.get(hour) ?? []), Buffer.from(result.data ?? '', 'base64').toString('utf8')]);
      lines.set(keys.dt, day);
    }
  }
  const convert = partitionConverter(dependencies.store);
  const outcomes: DayBackfill[] = [];
  for (const dt of [...days].sort()) {
    const hours = lines.get(dt) ?? new Map<string, string[]>();
    let records = 0;
    let conversionErrors = 0;
    const outcome = await rewriteDay(
      { table: stream.name, dt, reason: 'backfill', force: true, changesContent: true },
      async (request) => {
        const staged = [];
        for (const [hour, hourLines] of [...hours].sort()) {
          records += hourLines.length;
          const key = `${request.prefix}staging/dt=${dt}/hour=${hour}/rows.parquet`;
          const converted = await convert({
            columns: stream.columns,
            lines: joinLines(hourLines.map((l) => l.replace(/\n$/, ''))),
            codec: dependencies.codec ?? 'snappy',
            bucket: dependencies.lakeBucket,
            key,
            now: (dependencies.now?.() ?? new Date()).getTime(),
            ...(stream.eventTime ? { filedUnder: { eventTime: stream.eventTime, dt, hour } } : {}),
          });
          conversionErrors += converted.errors.length;
          if (converted.rows > 0) staged.push({ key, size: 0 });
        }
        if (staged.length === 0) {
          throw new BackfillError(
            `No raw copy of a ${stream.name} record filed under dt=${dt}: nothing to rebuild the day from`,
          );
        }
        const built = await writeGeneration(
          dependencies.store,
          dependencies.lakeBucket,
          compactionOptions(stream),
          staged,
          request.prefix,
          request.consumed,
        );
        for (const { key } of staged) await dependencies.store.delete(dependencies.lakeBucket, key);
        return built;
      },
      dependencies,
    );
    outcomes.push({ outcome, records, conversionErrors });
  }
  return outcomes;
}
