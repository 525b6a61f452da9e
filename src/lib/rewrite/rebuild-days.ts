import { gunzipSync } from 'node:zlib';
import type { FirehoseTransformationEventRecord } from 'aws-lambda';
import { joinLines } from '../firehose/joined-lines';
import { partitionConverter } from '../firehose/record-conversion';
import { transformRecords } from '../firehose/transform-batch';
import type { RecordFlattener } from '../flattening/record-flattener';
import type { ParquetCodec } from '../parquet/parquet-writer';
import { LakeLayout } from '../pipeline/lake-layout';
import type { StreamSpec } from '../pipeline/pipeline';
import { getBytes, type ObjectStore } from '../storage/object-store';
import { writeConsumedFile } from './generation-files';
import { generationDataPrefix } from './lake-sql';
import { CONSUMED_FILE } from './layout';
import type { PointerStore } from './pointer-store';
import { type RewriteOutcome, rewriteDay } from './rewrite-day';

export interface RebuildDependencies {
  readonly store: ObjectStore;
  readonly pointers: PointerStore;
  readonly lakeBucket: string;
  readonly rawBucket: string;
  readonly lakeStartDate: string;
  /** The stream's flattener as the Firehose transform builds it (its hash key included). */
  readonly flattener: RecordFlattener;
  readonly codec?: ParquetCodec;
  readonly now?: () => Date;
}

export interface DayRebuild {
  readonly dt: string;
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

/** The days from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/**
 * Rebuilds days of a stream from its raw copies (every source record, filed by arrival hour),
 * through the Firehose transform and Firehose's conversion with the stream's columns as they are
 * declared now, so a column added to pipeline.yml gets its values for days written before it was
 * declared. Each record lands in the day the transform files it under, as it did when it
 * arrived: its event time, or its arrival time when that is missing or outside the lake, decided
 * with the clock of its arrival.
 *
 * Each day becomes a new generation that consumes every live file of the day, with one file per
 * hour (the hour as a column), switched in with the atomic rewrite. Copies are kept: the
 * compaction round that follows (in the lake-rewrite state machine, locally and in AWS) keeps one
 * per keys. No query engine is needed, so it runs in a Lambda against S3 as on this machine.
 *
 * Raw files are read from the day before the first day (a record may arrive before its event
 * time) up to now, so late events of those days are found wherever they arrived.
 */
export async function rebuildDays(
  stream: StreamSpec,
  days: readonly string[],
  dependencies: RebuildDependencies,
): Promise<DayRebuild[]> {
  const { store, lakeBucket } = dependencies;
  const wanted = new Set(days);
  const first = [...days].sort()[0];
  if (!first) return [];
  const lines = await readRawLines(stream, wanted, Date.parse(`${first}T00:00:00Z`) - DAY_MS, dependencies);
  const convert = partitionConverter(store);
  const rebuilt: DayRebuild[] = [];
  for (const dt of [...days].sort()) {
    const hours = lines.get(dt) ?? new Map<string, string[]>();
    let records = 0;
    let conversionErrors = 0;
    const outcome = await rewriteDay(
      { table: stream.name, dt, reason: 'backfill', force: true, changesContent: true },
      async (request) => {
        const generation = /gen=([^/]+)\/$/.exec(request.prefix)![1]!;
        const data = generationDataPrefix(stream.name, dt, generation);
        const files: string[] = [];
        let rows = 0;
        for (const [hour, hourLines] of [...hours].sort()) {
          records += hourLines.length;
          const converted = await convert({
            columns: stream.columns,
            lines: joinLines(hourLines.map((l) => l.replace(/\n$/, ''))),
            codec: dependencies.codec ?? 'snappy',
            bucket: lakeBucket,
            key: `${data}part-${hour}.parquet`,
            now: (dependencies.now?.() ?? new Date()).getTime(),
            constantColumns: { hour },
            ...(stream.eventTime ? { filedUnder: { eventTime: stream.eventTime, dt, hour } } : {}),
          });
          conversionErrors += converted.errors.length;
          rows += converted.rows;
          if (converted.rows > 0) files.push(converted.key);
        }
        if (files.length === 0) {
          throw new BackfillError(
            `No raw copy of a ${stream.name} record filed under dt=${dt}: nothing to rebuild the day from. ` +
              `Raw copies are kept rawRetentionDays; pick days they still cover.`,
          );
        }
        const consumedKey = `${request.prefix}${CONSUMED_FILE}`;
        await writeConsumedFile(store, lakeBucket, consumedKey, request.consumed);
        return { files, consumedKey, rowsIn: rows, rowsOut: rows };
      },
      dependencies,
    );
    rebuilt.push({ dt, outcome, records, conversionErrors });
  }
  return rebuilt;
}

/** The transform's Ok lines of the wanted days, by day and hour, from raw files that arrived since `fromMs`. */
async function readRawLines(
  stream: StreamSpec,
  wanted: ReadonlySet<string>,
  fromMs: number,
  dependencies: RebuildDependencies,
): Promise<Map<string, Map<string, string[]>>> {
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
    if (hourStart < fromMs) continue;
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
      lines.set(keys.dt, day);
      const hour = keys.hour ?? '00';
      const hourLines = day.get(hour) ?? [];
      day.set(hour, hourLines);
      hourLines.push(Buffer.from(result.data ?? '', 'base64').toString('utf8'));
    }
  }
  return lines;
}
