import type { ChangeRecord } from './change-record';

const STREAM_LABEL_CHARACTERS = /[^0-9A-Za-z]/g;
/** Any file name without a slash that is not hidden (Athena skips names starting with `_` or `.`). */
const FILE_NAME = '([^/_.][^/]{0,199})';
const TABLE = '([a-z][a-z0-9_]{0,47})';
const DAY = String.raw`(\d{4}-\d{2}-\d{2})`;
const CHANGE_FILE = new RegExp(String.raw`^raw/dynamodb/${TABLE}/dt=${DAY}/${FILE_NAME}\.ndjson\.gz$`);
const EXPORT_DATA_FILE = new RegExp(
  String.raw`^exports/dynamodb/${TABLE}/dt=${DAY}/exported_at=(\d{8}T\d{6}Z)/AWSDynamoDB/([A-Za-z0-9-]{1,64})/data/${FILE_NAME}\.json\.gz$`,
);

const QUARANTINE_SUFFIX = '.quarantine.ndjson';
const QUARANTINE_FILE = new RegExp(
  String.raw`^(raw|exports)/dynamodb/${TABLE}/dt=${DAY}/(?:.*/)?_[^/]+\.quarantine\.ndjson$`,
);

/** What an object in the raw bucket is, judged only by its key. */
export type RawObject =
  | { readonly kind: 'changes'; readonly table: string; readonly dt: string; readonly name: string }
  | {
      readonly kind: 'export';
      readonly table: string;
      readonly dt: string;
      /** `20261121T000000Z`: the point in time the export shows. */
      readonly exportedAt: string;
      readonly exportId: string;
      readonly name: string;
    }
  | { readonly kind: 'other' };

/** Where DynamoDB data lives: raw change files, exports, and the lake tables made from them. */
export const DynamoLayout = {
  rawPrefix: 'raw/dynamodb/',
  exportsPrefix: 'exports/dynamodb/',
  quarantineSuffix: QUARANTINE_SUFFIX,
  /** The raw bucket's notifications to the flattener: change files and export data files. */
  flattenerNotifications: [
    { prefix: 'raw/dynamodb/', suffix: '.ndjson.gz' },
    { prefix: 'exports/dynamodb/', suffix: '.json.gz' },
  ],

  /**
   * `raw/dynamodb/<table>/dt=<day of the first change>/<stream>-<firstSeq>-<lastSeq>.ndjson.gz`,
   * or of `dayMs` when given (a change made before the lake's first day is filed on that day).
   * Lambda's DynamoDB events name no shard; sequence numbers are unique within a stream, so the
   * stream's label stands in that place and keeps files of a re-created stream apart.
   */
  changeFile(
    table: string,
    streamLabel: string,
    changes: readonly ChangeRecord[],
    dayMs = changes[0]!.approximateCreationTime * 1000,
  ): string {
    const first = changes[0]!;
    const last = changes.at(-1)!;
    const dt = new Date(dayMs).toISOString().slice(0, 10);
    const stream = streamLabel.replace(STREAM_LABEL_CHARACTERS, '');
    return `raw/dynamodb/${table}/dt=${dt}/${stream}-${first.sequenceNumber}-${last.sequenceNumber}.ndjson.gz`;
  },

  /** Where a point-in-time export is written; DynamoDB adds `AWSDynamoDB/<export id>/...` below it. */
  exportPrefix(table: string, dt: string, exportedAt: string): string {
    return `exports/dynamodb/${table}/dt=${dt}/exported_at=${exportedAt}/`;
  },

  changesTable: (table: string) => `${table}_changes`,
  snapshotTable: (table: string) => `${table}_snapshot`,

  /** Recognises change files and export data files; anything else (manifests, markers) is `other`. */
  classify(key: string): RawObject {
    const change = CHANGE_FILE.exec(key);
    if (change) return { kind: 'changes', table: change[1]!, dt: change[2]!, name: change[3]! };
    const data = EXPORT_DATA_FILE.exec(key);
    if (data) {
      return {
        kind: 'export',
        table: data[1]!,
        dt: data[2]!,
        exportedAt: data[3]!,
        exportId: data[4]!,
        name: data[5]!,
      };
    }
    return { kind: 'other' };
  },

  /** The Parquet object a raw object becomes; the same input always gives the same key. */
  outputKey(source: Exclude<RawObject, { kind: 'other' }>): string {
    return source.kind === 'changes'
      ? `lake/${source.table}_changes/dt=${source.dt}/${source.name}.parquet`
      : `lake/${source.table}_snapshot/dt=${source.dt}/${source.exportId}-${source.name}.parquet`;
  },

  /**
   * Where a replay puts fixed lines of raw object `source`: beside it under a new name, so the
   * flattener (notified by S3) reads them as new input. Undefined when the result would not be a
   * raw object the flattener accepts (a name already at the length limit).
   */
  replayKey(source: string, stamp: string): string | undefined {
    if (DynamoLayout.classify(source).kind === 'other') return undefined;
    const slash = source.lastIndexOf('/');
    const key = `${source.slice(0, slash + 1)}replay-${stamp}-${source.slice(slash + 1)}`;
    return DynamoLayout.classify(key).kind === 'other' ? undefined : key;
  },

  /**
   * Bad lines, beside the raw object they came from and in its bucket: a quarantined line is raw
   * data (the clear text privacy rules would hash or drop), so it shares the raw copy's prefix, and
   * with it its retention and its read fence, never the lake's. The leading underscore and the
   * suffix keep it from notifying the flattener.
   */
  quarantineKey(source: Exclude<RawObject, { kind: 'other' }>): string {
    const directory =
      source.kind === 'changes'
        ? `raw/dynamodb/${source.table}/dt=${source.dt}/`
        : `${DynamoLayout.exportPrefix(source.table, source.dt, source.exportedAt)}AWSDynamoDB/${source.exportId}/data/`;
    return `${directory}_${source.name}${QUARANTINE_SUFFIX}`;
  },

  /** The lake table whose lines a quarantine file holds, judged by its key; undefined for other keys. */
  quarantinedLakeTable(key: string): string | undefined {
    const match = QUARANTINE_FILE.exec(key);
    if (!match) return undefined;
    return match[1] === 'raw' ? DynamoLayout.changesTable(match[2]!) : DynamoLayout.snapshotTable(match[2]!);
  },
} as const;

/** `20261121T000000Z` → epoch milliseconds. */
export function exportedAtMillis(exportedAt: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(exportedAt)!;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
