import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { isBase64 } from '../dynamodb/attribute-value';
import { DynamoLayout } from '../dynamodb/layout';
import type { Pipeline } from '../pipeline/pipeline';
import type { SourceKindName } from '../sources/source-kind';
import { getBytes, type ObjectStore } from '../storage/object-store';

/** Records a Firehose stream could not deliver: its error output, decoded back to the source bytes. */
export interface FirehoseFailures {
  readonly kind: 'firehose';
  readonly file: string;
  readonly stream: string;
  readonly records: readonly Buffer[];
}

/** Lines the DynamoDB flattener quarantined, grouped by the raw object they came from. */
export interface QuarantinedLines {
  readonly kind: 'quarantine';
  readonly file: string;
  /** Raw bucket key of the object the lines came from. */
  readonly source: string;
  /** Each line exactly as quarantined, bytes and all. */
  readonly lines: readonly Buffer[];
}

/** Changes a DynamoDB stream's event source mapping parked in its S3 on-failure destination. */
export interface ParkedChanges {
  readonly kind: 'stream';
  readonly file: string;
  /** The stream records of the failed batch, in shard order, as Lambda sent them. */
  readonly records: readonly DynamoDBRecord[];
}

export type ReplayBatch = FirehoseFailures | QuarantinedLines | ParkedChanges;

/** One file of a replay source, local or in S3. */
export interface ReplayFile {
  readonly name: string;
  read(): Promise<Buffer>;
}

export class ReplaySourceError extends Error {
  override readonly name = 'ReplaySourceError';
}

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/?(.*)$/;

/** Every file under a local path (a file or a directory), or under an `s3://bucket/prefix`. */
export async function listReplayFiles(location: string, s3: () => ObjectStore): Promise<ReplayFile[]> {
  const uri = S3_URI.exec(location);
  if (uri) {
    const [, bucket, prefix] = uri as unknown as [string, string, string];
    const store = s3();
    const files: ReplayFile[] = [];
    for await (const object of store.list(bucket, prefix)) {
      files.push({ name: `s3://${bucket}/${object.key}`, read: () => getBytes(store, bucket, object.key) });
    }
    return files;
  }
  if (location.startsWith('s3://')) throw new ReplaySourceError(`Not an S3 location: ${location}`);
  const info = await stat(location).catch(() => undefined);
  if (!info) throw new ReplaySourceError(`No such file or directory: ${location}`);
  if (info.isFile()) return [{ name: location, read: () => readFile(location) }];
  const entries = await readdir(location, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('%T'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
    .map((path) => ({ name: path, read: () => readFile(path) }));
}

/** The stream whose error prefix (`errors/<stream>/`) a file lies under. */
function streamOf(file: string, pipeline: Pipeline): string | undefined {
  const match = /(?:^|\/)errors\/([a-z][a-z0-9_]{0,47})\//.exec(file);
  return match && pipeline.streams.some((s) => s.name === match[1]) ? match[1] : undefined;
}

/** The stream whose raw backup prefix (`firehose/<stream>/` of the raw bucket) a file lies under. */
function backupStreamOf(file: string, pipeline: Pipeline): string | undefined {
  if (/(?:^|\/)errors\//.test(file)) return undefined;
  const match = /(?:^|\/)firehose\/([a-z][a-z0-9_]{0,47})\//.exec(file);
  return match && pipeline.streams.some((s) => s.name === match[1]) ? match[1] : undefined;
}

/** Unreadable lines of one file named one by one; the rest are counted in one problem. */
const NAMED_LINES = 5;

export interface ReadReplayOptions {
  /** The stream Firehose error records belong to, when their path does not say. */
  readonly stream?: string | undefined;
  /** Lines that are not replayable, reported by file and line number. */
  readonly onProblem: (file: string, line: number, problem: string) => void;
}

const RAW_DYNAMODB = /(?:^|\/)(?:raw|exports)\/dynamodb\//;

/**
 * Reads DynamoDB stream on-failure records (`aws/lambda/...`: the parked batch's records), Firehose
 * error output (`processing-failed/`, `format-conversion-failed/`, `activePartitionExceeded/`:
 * JSON lines with
 * the record as base64 `rawData`) and DynamoDB quarantine files (`*.quarantine.ndjson`: JSON lines
 * with the `raw` line and its `source` object) into what a replay sends.
 */
export async function readReplayBatches(
  files: readonly ReplayFile[],
  pipeline: Pipeline,
  options: ReadReplayOptions,
): Promise<ReplayBatch[]> {
  const batches: ReplayBatch[] = [];
  for (const file of files) {
    // a lake directory holds good data
    if (file.name.endsWith('.parquet')) continue;
    batches.push(...(await readerOf(file.name).read(file, pipeline, options)));
  }
  return batches;
}

/** How replay reads the failure stores of one kind of source. */
export interface ReplayReader {
  /** Whether a file belongs to this kind's failure stores (or lies beside them, to be passed over). */
  claims(file: string): boolean;
  /** The file's batches; its problems go to `options.onProblem`. */
  read(file: ReplayFile, pipeline: Pipeline, options: ReadReplayOptions): Promise<ReplayBatch[]>;
}

/** Each kind's failure stores: a new kind in SourceSpecs fails to compile here until it has one. */
export type ReplayReaders = { readonly [K in SourceKindName]: ReplayReader };

export const REPLAY_READERS: ReplayReaders = {
  stream: {
    // Firehose error output may be copied anywhere (--stream names its stream): every file no
    // other kind claims is read as such
    claims: () => true,
    read: readFirehoseErrors,
  },
  dynamodb: {
    claims: (file) =>
      file.endsWith(DynamoLayout.quarantineSuffix) || RAW_DYNAMODB.test(file) || ON_FAILURE.test(file),
    async read(file, _pipeline, options) {
      const quarantine = file.name.endsWith(DynamoLayout.quarantineSuffix);
      // a raw directory holds the change and export files quarantine files sit beside
      if (!quarantine && RAW_DYNAMODB.test(file.name)) return [];
      const text = (await file.read()).toString('utf8');
      if (ON_FAILURE.test(file.name)) {
        const parked = readOnFailureRecord(file.name, text, options);
        return parked ? [parked] : [];
      }
      return readQuarantine(file.name, text.split('\n'), options);
    },
  },
};

/** The kind whose failure stores a file belongs to: the stream kind reads whatever no other claims. */
function readerOf(file: string): ReplayReader {
  const kinds = (Object.keys(REPLAY_READERS) as SourceKindName[]).filter((kind) => kind !== 'stream');
  const kind = kinds.find((k) => REPLAY_READERS[k].claims(file));
  return REPLAY_READERS[kind ?? 'stream'];
}

const ON_FAILURE = /(?:^|\/)aws\/lambda\//;

/** Firehose error output: JSON lines, each with the record as base64 `rawData`. */
async function readFirehoseErrors(
  file: ReplayFile,
  pipeline: Pipeline,
  options: ReadReplayOptions,
): Promise<ReplayBatch[]> {
  const lines = (await file.read()).toString('utf8').split('\n');
  const backedUp = backupStreamOf(file.name, pipeline);
  if (backedUp && options.stream === undefined) {
    options.onProblem(
      file.name,
      0,
      `a raw backup of ${backedUp} (firehose/${backedUp}/): its records are already in the lake, so sending them again would store each twice. To fill columns added since back from the raw copies, run tributary backfill --stream ${backedUp} --from <the first day to rebuild>`,
    );
    return [];
  }
  const stream = options.stream ?? streamOf(file.name, pipeline);
  if (!stream) {
    options.onProblem(
      file.name,
      0,
      `not under errors/<stream>/ of a pipeline stream (${pipeline.streams.map((s) => s.name).join(', ')}); name the stream with --stream`,
    );
    return [];
  }
  const hashed = pipeline.streams.find((s) => s.name === stream)?.flatten.hash ?? [];
  const transformed = /(?:^|\/)(format-conversion-failed|activePartitionExceeded)\//.exec(file.name)?.[1];
  if (transformed && hashed.length > 0) {
    // Firehose keeps the record the transform returned: its hash rules have already been applied
    options.onProblem(
      file.name,
      0,
      `${transformed} records of ${stream} hold values its hash rules (${hashed.join(', ')}) already hashed; sending them through the stream would hash them twice. Load them from this file by hand`,
    );
    return [];
  }
  const records: Buffer[] = [];
  const unreadable: number[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const rawData = parseObject(line)?.rawData;
    if (typeof rawData !== 'string' || !isBase64(rawData)) {
      unreadable.push(index + 1);
      if (unreadable.length <= NAMED_LINES) {
        options.onProblem(file.name, index + 1, 'not a Firehose error record (no base64 rawData)');
      }
      return;
    }
    records.push(Buffer.from(rawData, 'base64'));
  });
  if (unreadable.length > NAMED_LINES) {
    const rest = unreadable.slice(NAMED_LINES);
    options.onProblem(
      file.name,
      0,
      `${rest.length} more lines like these (lines ${rest[0]} to ${rest.at(-1)}) were not replayed either`,
    );
  }
  return records.length > 0 ? [{ kind: 'firehose', file: file.name, stream, records }] : [];
}

/**
 * An event source mapping's S3 on-failure record: one JSON document whose `DDBStreamBatchInfo`
 * says which batch failed and whose `payload` holds the invocation's event, its `Records` included.
 */
function readOnFailureRecord(
  file: string,
  text: string,
  options: ReadReplayOptions,
): ParkedChanges | undefined {
  const document = parseObject(text);
  if (!document || typeof document.DDBStreamBatchInfo !== 'object') {
    options.onProblem(file, 0, 'not a DynamoDB stream on-failure record (no DDBStreamBatchInfo)');
    return undefined;
  }
  const payload = typeof document.payload === 'string' ? parseObject(document.payload) : document.payload;
  const records = (payload as { Records?: unknown } | undefined)?.Records;
  if (!Array.isArray(records) || records.length === 0) {
    options.onProblem(
      file,
      0,
      'the on-failure record holds no payload Records (only an S3 destination keeps them)',
    );
    return undefined;
  }
  return { kind: 'stream', file, records: records as DynamoDBRecord[] };
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function readQuarantine(
  file: string,
  lines: readonly string[],
  options: ReadReplayOptions,
): QuarantinedLines[] {
  const bySource = new Map<string, Buffer[]>();
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const entry = parseObject(line);
    const source = entry?.source;
    const rawBase64 = entry?.rawBase64;
    if (typeof entry?.raw !== 'string' || typeof source !== 'string') {
      options.onProblem(file, index + 1, 'not a quarantined line (needs raw and source)');
    } else if (rawBase64 !== undefined && (typeof rawBase64 !== 'string' || !isBase64(rawBase64))) {
      options.onProblem(file, index + 1, 'rawBase64 is not base64');
    } else if (entry.raw === '' && rawBase64 === undefined) {
      options.onProblem(
        file,
        index + 1,
        `the quarantined line was too long to keep (${String(entry.reason)})`,
      );
    } else if (DynamoLayout.classify(source).kind === 'other') {
      options.onProblem(
        file,
        index + 1,
        `source ${JSON.stringify(source)} is not a change file or export data file`,
      );
    } else {
      const raw = bySource.get(source) ?? [];
      raw.push(typeof rawBase64 === 'string' ? Buffer.from(rawBase64, 'base64') : Buffer.from(entry.raw));
      bySource.set(source, raw);
    }
  });
  return [...bySource].map(([source, raw]) => ({ kind: 'quarantine', file, source, lines: raw }));
}
