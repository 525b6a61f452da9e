import { type ConfigReader, isPlainObject, readConfig } from '../config/reader';

/**
 * A stage's traffic, as `tributary cost` takes it: written by hand (samples/cost/*.yml) or
 * measured from a local run (measure-local-run.ts).
 */
export interface StreamTraffic {
  readonly eventsPerDay: number;
  /** Average size of one event as sent, in bytes. */
  readonly averageEventBytes: number;
}

export interface TableTraffic {
  readonly changesPerDay: number;
  /** Average size of one change as the stream Lambda writes it (a JSON line), in bytes. */
  readonly averageChangeBytes: number;
  /** The table's size as DynamoDB reports it: what a daily export bills. */
  readonly tableGB: number;
}

export interface TrafficProfile {
  readonly streams: Readonly<Record<string, StreamTraffic>>;
  readonly tables: Readonly<Record<string, TableTraffic>>;
  /** Days of data already in the buckets: storage of kept data grows with it. */
  readonly historyDays: number;
  /** Parquet bytes per byte of source JSON (measured from a local run, or assumed). */
  readonly parquetRatio: number;
  /** Gzip bytes per byte of source JSON, for the raw copies. */
  readonly gzipRatio: number;
  /** Ad hoc Athena queries per day (BI, analysts), and what each scans in MB. */
  readonly adhocQueriesPerDay: number;
  readonly adhocScanMB: number;
}

/** Defaults a profile may leave out; README "What it costs" says how each was chosen. */
export const PROFILE_DEFAULTS = {
  historyDays: 365,
  parquetRatio: 0.2,
  gzipRatio: 0.15,
  adhocQueriesPerDay: 0,
  adhocScanMB: 100,
  averageChangeBytes: 1000,
} as const;

function positive(reader: ConfigReader, fallback?: number, options: { integer?: boolean } = {}): number {
  if (!reader.present) {
    if (fallback === undefined) reader.problem('is required');
    return fallback ?? 0;
  }
  const value = reader.value;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (options.integer && !Number.isInteger(value))
  ) {
    reader.problem(
      `expected a ${options.integer ? 'whole ' : ''}number of at least 0, got ${JSON.stringify(value)}`,
    );
    return fallback ?? 0;
  }
  return value;
}

function entries<T>(reader: ConfigReader, read: (entry: ConfigReader) => T): Record<string, T> {
  if (!reader.present) return {};
  if (!isPlainObject(reader.value)) {
    reader.problem('expected a mapping of names to their traffic');
    return {};
  }
  return Object.fromEntries(Object.keys(reader.value).map((name) => [name, read(reader.field(name))]));
}

export function readTrafficProfile(document: unknown, source: string): TrafficProfile {
  return readConfig(source, document, (root) => {
    root.object([
      'streams',
      'tables',
      'historyDays',
      'parquetRatio',
      'gzipRatio',
      'adhocQueriesPerDay',
      'adhocScanMB',
    ]);
    return {
      streams: entries(root.field('streams'), (entry) => {
        entry.object(['eventsPerDay', 'averageEventBytes']);
        return {
          eventsPerDay: positive(entry.field('eventsPerDay'), undefined, { integer: true }),
          averageEventBytes: positive(entry.field('averageEventBytes')),
        };
      }),
      tables: entries(root.field('tables'), (entry) => {
        entry.object(['changesPerDay', 'averageChangeBytes', 'tableGB']);
        return {
          changesPerDay: positive(entry.field('changesPerDay'), undefined, { integer: true }),
          averageChangeBytes: positive(
            entry.field('averageChangeBytes'),
            PROFILE_DEFAULTS.averageChangeBytes,
          ),
          tableGB: positive(entry.field('tableGB')),
        };
      }),
      historyDays: positive(root.field('historyDays'), PROFILE_DEFAULTS.historyDays, { integer: true }),
      parquetRatio: positive(root.field('parquetRatio'), PROFILE_DEFAULTS.parquetRatio),
      gzipRatio: positive(root.field('gzipRatio'), PROFILE_DEFAULTS.gzipRatio),
      adhocQueriesPerDay: positive(root.field('adhocQueriesPerDay'), PROFILE_DEFAULTS.adhocQueriesPerDay),
      adhocScanMB: positive(root.field('adhocScanMB'), PROFILE_DEFAULTS.adhocScanMB),
    };
  });
}

/** A profile's streams and tables must be the pipeline's: a typo would otherwise cost nothing. */
export function profileProblems(
  profile: TrafficProfile,
  pipeline: { readonly streams: readonly { name: string }[]; readonly dynamodb: readonly { name: string }[] },
): string[] {
  const streams = pipeline.streams.map((s) => s.name);
  const tables = pipeline.dynamodb.map((t) => t.name);
  return [
    ...Object.keys(profile.streams)
      .filter((name) => !streams.includes(name))
      .map(
        (name) => `streams.${name}: pipeline.yml has no such stream (it has ${streams.join(', ') || 'none'})`,
      ),
    ...Object.keys(profile.tables)
      .filter((name) => !tables.includes(name))
      .map(
        (name) =>
          `tables.${name}: pipeline.yml has no such DynamoDB table (it has ${tables.join(', ') || 'none'})`,
      ),
  ];
}
