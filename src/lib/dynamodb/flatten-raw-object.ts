import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { type PassThrough, pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ValueConversionError } from '../parquet/coerce';
import { type ParquetCodec, ParquetRowWriter } from '../parquet/parquet-writer';
import type { DynamoTableSpec, Pipeline } from '../pipeline/pipeline';
import { MAX_LINE_BYTES, readLines } from '../storage/lines';
import { type ObjectStore, uploadPipe } from '../storage/object-store';
import { decodeS3EventKey } from '../storage/s3-event-key';
import { AttributeValueError } from './attribute-value';
import { ChangeRecordError } from './change-record';
import { DynamoLayout, exportedAtMillis, type RawObject } from './layout';
import { DynamoRowBuilder } from './row-builder';

export interface FlattenRawObjectDependencies {
  readonly store: ObjectStore;
  readonly lakeBucket: string;
  readonly pipeline: Pipeline;
  /** Resolved only for tables that hash columns. */
  readonly hashKey: () => Promise<string | undefined>;
  readonly codec?: ParquetCodec;
  readonly rowGroupRows?: number;
}

export interface QuarantinedLine {
  /** The raw object the line came from, so a replay can send the fixed line back the same way. */
  readonly source: string;
  readonly line: number;
  readonly reason: string;
  /** The line exactly as it was (without its newline); empty when it was too long to keep. */
  readonly raw: string;
  /** Instead of `raw`, for a line that is not valid UTF-8: its bytes, base64, so none is altered. */
  readonly rawBase64?: string;
}

/** A whole raw object could not be flattened (unreadable, not gzip, truncated); names it. */
export class RawObjectError extends Error {
  override readonly name = 'RawObjectError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    cause: unknown,
  ) {
    super(
      `Cannot flatten s3://${bucket}/${key}: ${cause instanceof Error ? cause.message : String(cause)}; the object stays where it is, to be processed again`,
      { cause },
    );
  }
}

/** The line as a quarantine entry keeps it: text when it is UTF-8, else its bytes in base64. */
function rawLine(line: Buffer): Pick<QuarantinedLine, 'raw' | 'rawBase64'> {
  return isUtf8(line) ? { raw: line.toString('utf8') } : { raw: '', rawBase64: line.toString('base64') };
}

export type FlattenRawObjectOutcome =
  | { readonly status: 'skipped'; readonly key: string; readonly reason: string }
  | {
      readonly status: 'flattened';
      readonly key: string;
      readonly table: string;
      readonly outputKey: string;
      readonly rows: number;
      readonly quarantined: number;
      readonly quarantineKey: string | undefined;
      readonly undeclaredColumns: ReadonlyMap<string, number>;
    };

/** Streams quarantined lines to their object as they come, so a file of garbage stays bounded too. */
class QuarantineSink {
  count = 0;
  private body: PassThrough | undefined;
  private upload: Promise<void> | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly key: string,
    private readonly sourceKey: string,
  ) {}

  async add(line: Omit<QuarantinedLine, 'source'>): Promise<void> {
    if (!this.body) {
      this.body = uploadPipe();
      this.upload = this.store.put(this.bucket, this.key, this.body, { contentType: 'application/x-ndjson' });
    }
    this.count++;
    const entry: QuarantinedLine = { source: this.sourceKey, ...line };
    if (!this.body.write(`${JSON.stringify(entry)}\n`)) await once(this.body, 'drain');
  }

  async close(): Promise<void> {
    this.body?.end();
    await this.upload;
  }

  async abort(error: Error): Promise<void> {
    this.body?.destroy(error);
    await this.upload;
  }
}

/**
 * Decompressed bytes per chunk: zlib inflates on a libuv thread, and larger chunks mean fewer
 * round trips and fewer lines split across chunks (the default is 16 KiB).
 */
const GUNZIP_CHUNK_BYTES = 256 * 1024;

/**
 * The decompressed bytes. A zero-byte object is an empty file (DynamoDB exports can write one),
 * not a gzip error. Errors of either stream reach the line iterator, which rethrows them.
 */
async function* gunzipped(compressed: Readable): AsyncGenerator<Buffer> {
  const chunks = compressed[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await chunks.next();
  if (first.done) return;
  async function* all(): AsyncGenerator<Buffer> {
    yield first.value;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  const output = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  pipeline(Readable.from(all()), output, () => undefined);
  yield* output as AsyncIterable<Buffer>;
}

/** Errors that condemn one line, not the file: the line goes to quarantine with its reason. */
function isLineError(error: unknown): error is Error {
  return (
    error instanceof ChangeRecordError ||
    error instanceof AttributeValueError ||
    error instanceof ValueConversionError ||
    error instanceof SyntaxError
  );
}

function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}

/**
 * Flattens one raw object (a change file or an export data file) into one Parquet object in the
 * lake, streaming: the input is read line by line and the output uploaded row group by row group,
 * so memory stays bounded whatever the object's size. The output key is derived from the input
 * key, so processing the same object again replaces its own output.
 */
export async function flattenRawObject(
  bucket: string,
  key: string,
  dependencies: FlattenRawObjectDependencies,
): Promise<FlattenRawObjectOutcome> {
  const source = DynamoLayout.classify(key);
  if (source.kind === 'other')
    return { status: 'skipped', key, reason: 'not a change file or export data file' };
  const table = dependencies.pipeline.dynamodb.find((t) => t.name === source.table);
  if (!table)
    return { status: 'skipped', key, reason: `table ${source.table} is not in the pipeline description` };

  const builder = new DynamoRowBuilder(
    table,
    table.flatten.hash.length > 0 ? await dependencies.hashKey() : undefined,
  );
  let compressed: Readable;
  try {
    compressed = await dependencies.store.get(bucket, key);
  } catch (error) {
    throw new RawObjectError(bucket, key, error);
  }
  const input = Readable.from(gunzipped(compressed));
  const outputKey = DynamoLayout.outputKey(source);
  const body = uploadPipe();
  const upload = dependencies.store.put(dependencies.lakeBucket, outputKey, body, {
    contentType: 'application/vnd.apache.parquet',
  });
  const writer = new ParquetRowWriter(builder.columns, body, {
    codec: dependencies.codec ?? 'snappy',
    rowGroupRows: dependencies.rowGroupRows ?? 20_000,
  });
  const quarantineKey = DynamoLayout.quarantineKey(source);
  // quarantined lines are raw data: they stay in the raw object's bucket, beside it
  const quarantine = new QuarantineSink(dependencies.store, bucket, quarantineKey, key);
  try {
    await writeRows(input, source, table, builder, writer, quarantine);
    // the quarantine is complete before the output appears: whoever sees the output (the snapshot
    // check) also sees the lines that are missing from it
    await quarantine.close();
    await writer.close();
    await upload;
  } catch (error) {
    body.destroy(error as Error);
    await Promise.allSettled([upload, quarantine.abort(error as Error)]);
    throw error instanceof RawObjectError ? error : new RawObjectError(bucket, key, error);
  }
  // a fixed and re-processed file must not leave the old quarantine behind
  if (quarantine.count === 0) await dependencies.store.delete(bucket, quarantineKey);
  return {
    status: 'flattened',
    key,
    table: table.name,
    outputKey,
    rows: writer.rows,
    quarantined: quarantine.count,
    quarantineKey: quarantine.count > 0 ? quarantineKey : undefined,
    undeclaredColumns: builder.undeclared,
  };
}

async function writeRows(
  input: Readable,
  source: Exclude<RawObject, { kind: 'other' }>,
  table: DynamoTableSpec,
  builder: DynamoRowBuilder,
  writer: ParquetRowWriter,
  quarantine: QuarantineSink,
): Promise<void> {
  const exportedAt = source.kind === 'export' ? exportedAtMillis(source.exportedAt) : 0;
  for await (const { number: lineNumber, bytes: line, length } of readLines(input)) {
    if (line === undefined) {
      await quarantine.add({
        line: lineNumber,
        reason: `${table.name}: line of ${length} bytes is longer than ${MAX_LINE_BYTES}`,
        raw: '',
      });
      continue;
    }
    if (isBlank(line)) continue;
    let row: ReturnType<DynamoRowBuilder['fromChangeLine']>;
    try {
      row =
        source.kind === 'changes' ? builder.fromChangeLine(line) : builder.fromExportLine(line, exportedAt);
    } catch (error) {
      if (!isLineError(error)) throw error;
      await quarantine.add({ line: lineNumber, reason: `${table.name}: ${error.message}`, ...rawLine(line) });
      continue;
    }
    await writer.append(row);
  }
}

export interface S3EventRecordLike {
  readonly eventName: string;
  readonly s3: { readonly bucket: { readonly name: string }; readonly object: { readonly key: string } };
}

/**
 * Every ObjectCreated record of an S3 event, in order. Keys arrive URL-encoded and are decoded
 * first. Any error reading or writing S3 is thrown: the invocation is retried, then parked.
 */
export async function flattenS3Records(
  records: readonly S3EventRecordLike[],
  dependencies: FlattenRawObjectDependencies,
): Promise<FlattenRawObjectOutcome[]> {
  const outcomes: FlattenRawObjectOutcome[] = [];
  for (const record of records) {
    const key = decodeS3EventKey(record.s3.object.key);
    if (!record.eventName.startsWith('ObjectCreated:')) {
      outcomes.push({ status: 'skipped', key, reason: `${record.eventName} needs no flattening` });
      continue;
    }
    outcomes.push(await flattenRawObject(record.s3.bucket.name, key, dependencies));
  }
  return outcomes;
}
