import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { JoinedLinesBuilder } from '../../firehose/joined-lines';
import { ACTIVE_PARTITION_EXCEEDED, ACTIVE_PARTITION_LIMIT } from '../../firehose/partition-keys';
import {
  type ConvertedPartition,
  type PartitionConverter,
  partitionConverter,
} from '../../firehose/record-conversion';
import type { ParquetCodec } from '../../parquet/parquet-writer';
import { FirehoseErrorType, LakeLayout } from '../../pipeline/lake-layout';
import type { StreamSpec } from '../../pipeline/pipeline';
import type { ObjectStore } from '../../storage/object-store';
import { errorMessage } from '../../util/errors';

export type InvokeTransform = (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;

export interface LocalDeliveryStreamOptions {
  readonly deliveryStreamName: string;
  readonly stream: StreamSpec;
  readonly store: ObjectStore;
  readonly lakeBucket: string;
  readonly rawBucket: string;
  readonly invokeTransform: InvokeTransform;
  /** Takes records the transform re-ingested into this stream since the last call. */
  readonly takeReingested: () => Promise<Buffer[]>;
  /** Flush once this many source bytes are buffered (Firehose's buffering hint). */
  readonly bufferBytes: number;
  /** Bytes per transform invocation (the processor's BufferSizeInMBs). */
  readonly invocationBytes: number;
  readonly codec: ParquetCodec;
  readonly region: string;
  readonly now: () => number;
  /** Runs Firehose's Parquet conversion of a partition; in this thread unless given. */
  readonly convert?: PartitionConverter;
}

export const LOCAL_STREAM_DEFAULTS = {
  bufferBytes: 64 * 1024 * 1024,
  invocationBytes: 1024 * 1024,
  codec: 'snappy' as ParquetCodec,
  region: 'local',
  now: Date.now,
};

const gzip = promisify(gzipCallback);

/**
 * The source backup's gzip level: the fastest. Level 6 (zlib's default) took 2.5x the CPU for
 * files a quarter smaller, on a machine whose two cores are busy transforming and converting.
 */
const BACKUP_GZIP_LEVEL = 1;

/** Buffers of transformed lines that may wait for the conversion thread (see writePartition). */
const CONVERSION_BACKLOG_BUFFERS = 2;

/** Firehose retries a failed transform invocation this many times before giving up on the batch. */
const TRANSFORM_RETRIES = 3;

export interface DeliveryStats {
  recordsIn: number;
  reingested: number;
  rowsWritten: number;
  processingFailed: number;
  conversionFailed: number;
  /** Records for a partition beyond the active partition limit, written to the error prefix. */
  activePartitionExceeded: number;
  parquetFiles: string[];
  errorFiles: string[];
  backupFiles: string[];
  /** Flattened columns the table does not declare: Parquet conversion leaves them out. */
  undeclaredColumns: Map<string, number>;
  /**
   * Rows dated outside the days the lake serves, which the transform filed under their arrival
   * time: counted as the rows written to an hour partition other than their event time's.
   */
  eventTimeOutOfRange: number;
  /** Failed records by reason, as their error records give it (the transform's own reasons are in its log). */
  failureReasons: Map<string, number>;
}

/** What a processing-failed error record's code means, for a person; other codes keep their message. */
const PROCESSING_FAILURE_REASONS: Readonly<Record<string, string>> = {
  'Lambda.ProcessingFailedStatus': 'the transform Lambda returned ProcessingFailed; its log says why',
  'Lambda.MissingRecordId': 'the transform Lambda did not return the record',
};

interface Partition {
  readonly dt: string;
  readonly hour: string;
  readonly lines: JoinedLinesBuilder;
}

/** What one delivery's transform results sort into. */
interface Collected {
  readonly partitions: Map<string, Partition>;
  readonly processingFailed: ProcessingFailure[];
  readonly exceeded: PartitionExceeded[];
}

interface ProcessingFailure {
  readonly record: FirehoseTransformationEventRecord;
  readonly code: string;
  readonly message: string;
}

/** An Ok record whose partition would have been one too many: Firehose keeps its transformed data. */
interface PartitionExceeded {
  readonly record: FirehoseTransformationEventRecord;
  readonly data: string;
}

interface Pending {
  readonly data: Buffer;
  readonly arrival: number;
}

function timestampParts(ms: number) {
  const iso = new Date(ms).toISOString();
  return {
    dt: iso.slice(0, 10),
    path: `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}`,
    stamp: `${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}`,
  };
}

/**
 * Kinesis Data Firehose in process: buffers records, invokes the transform Lambda in
 * processor-sized batches, converts Ok records to Parquet by the table's declared columns under
 * the same dynamic-partition prefixes, writes failures to the error prefix in Firehose's own
 * error-record format, backs up every source record, and feeds re-ingested records back in.
 */
export class LocalDeliveryStream {
  readonly stats: DeliveryStats = {
    recordsIn: 0,
    reingested: 0,
    rowsWritten: 0,
    processingFailed: 0,
    conversionFailed: 0,
    activePartitionExceeded: 0,
    parquetFiles: [],
    errorFiles: [],
    backupFiles: [],
    undeclaredColumns: new Map(),
    eventTimeOutOfRange: 0,
    failureReasons: new Map(),
  };
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private recordSequence = 0;
  private readonly convert: PartitionConverter;
  /** Conversions handed off and not yet finished, with the bytes of lines each holds. */
  private readonly converting: Array<{ done: Promise<void>; bytes: number }> = [];
  private convertingBytes = 0;

  constructor(private readonly options: LocalDeliveryStreamOptions) {
    this.convert = options.convert ?? partitionConverter(options.store);
  }

  async put(records: readonly Buffer[]): Promise<void> {
    const arrival = this.options.now();
    for (const data of records) {
      this.pending.push({ data, arrival });
      this.pendingBytes += data.length;
      this.stats.recordsIn++;
    }
    if (this.pendingBytes >= this.options.bufferBytes) await this.deliverBuffered();
  }

  /** Delivers everything buffered, including re-ingested records, and waits for its Parquet. */
  async flush(): Promise<void> {
    await this.deliverBuffered();
    while (this.converting.length > 0) await this.awaitOldestConversion();
  }

  private async awaitOldestConversion(): Promise<void> {
    const oldest = this.converting.shift()!;
    try {
      await oldest.done;
    } finally {
      this.convertingBytes -= oldest.bytes;
    }
  }

  /** Delivers the buffer; its conversion may still be running when this returns. */
  private async deliverBuffered(): Promise<void> {
    for (;;) {
      const reingested = await this.options.takeReingested();
      if (reingested.length > 0) {
        this.stats.reingested += reingested.length;
        const arrival = this.options.now();
        for (const data of reingested) this.pending.push({ data, arrival });
      }
      if (this.pending.length === 0) return;
      const batch = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      await this.deliver(batch);
    }
  }

  private async deliver(batch: Pending[]): Promise<void> {
    const time = timestampParts(this.options.now());
    // compressing the source copy runs on libuv's thread pool while this thread transforms
    const backup = this.backup(batch, time);
    backup.catch(() => undefined);
    const partitions = new Map<string, Partition>();
    const processingFailed: ProcessingFailure[] = [];
    const exceeded: PartitionExceeded[] = [];
    for (const chunk of this.invocationChunks(batch)) {
      const event = this.transformEvent(chunk);
      let response: FirehoseTransformationResult | undefined;
      let lastError: unknown;
      for (let attempt = 0; attempt <= TRANSFORM_RETRIES && !response; attempt++) {
        try {
          response = await this.options.invokeTransform(event);
        } catch (error) {
          lastError = error;
        }
      }
      if (!response) {
        const message = errorMessage(lastError);
        for (const record of event.records)
          processingFailed.push({ record, code: 'Lambda.FunctionError', message });
        continue;
      }
      this.collectResults(event, response, { partitions, processingFailed, exceeded });
    }
    await this.writeProcessingFailed(processingFailed, time);
    await this.writePartitionExceeded(exceeded, time);
    for (const [prefix, partition] of partitions) await this.writePartition(prefix, partition, time);
    await backup;
  }

  private *invocationChunks(batch: Pending[]): Generator<Pending[]> {
    let chunk: Pending[] = [];
    let bytes = 0;
    for (const record of batch) {
      if (chunk.length > 0 && bytes + record.data.length > this.options.invocationBytes) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(record);
      bytes += record.data.length;
    }
    if (chunk.length > 0) yield chunk;
  }

  private transformEvent(chunk: Pending[]): FirehoseTransformationEvent {
    return {
      invocationId: randomUUID(),
      deliveryStreamArn: `arn:aws:firehose:${this.options.region}:000000000000:deliverystream/${this.options.deliveryStreamName}`,
      region: this.options.region,
      records: chunk.map((record) => ({
        recordId: String(++this.recordSequence).padStart(20, '0'),
        approximateArrivalTimestamp: record.arrival,
        data: record.data.toString('base64'),
      })),
    };
  }

  /** Holds the transform to Firehose's contract: each recordId exactly once, known results only. */
  private collectResults(
    event: FirehoseTransformationEvent,
    response: FirehoseTransformationResult,
    collected: Collected,
  ): void {
    const results = response.records ?? [];
    const records = event.records;
    // the usual answer, every recordId once in the order sent, needs no bookkeeping per record
    if (results.length === records.length && results.every((r, i) => r.recordId === records[i]!.recordId)) {
      for (let i = 0; i < results.length; i++) this.collectResult(records[i]!, results[i]!, collected);
      return;
    }
    const byId = new Map(records.map((record) => [record.recordId, record]));
    const seen = new Set<string>();
    for (const result of results) {
      const record = byId.get(result.recordId);
      if (!record || seen.has(result.recordId)) continue;
      seen.add(result.recordId);
      this.collectResult(record, result, collected);
    }
    for (const record of records) {
      if (!seen.has(record.recordId)) {
        collected.processingFailed.push({
          record,
          code: 'Lambda.MissingRecordId',
          message: 'The Lambda response did not return this recordId',
        });
      }
    }
  }

  private collectResult(
    record: FirehoseTransformationEventRecord,
    result: FirehoseTransformationResultRecord,
    { partitions, processingFailed, exceeded }: Collected,
  ): void {
    if (result.result === 'Dropped') return;
    if (result.result !== 'Ok') {
      processingFailed.push({
        record,
        code: 'Lambda.ProcessingFailedStatus',
        message: 'ProcessingFailed status returned from Lambda',
      });
      return;
    }
    const dt = result.metadata?.partitionKeys?.dt ?? 'unknown';
    const hour = result.metadata?.partitionKeys?.hour ?? 'unknown';
    const prefix = LakeLayout.streamPartition(this.options.stream.name, dt, hour);
    let partition = partitions.get(prefix);
    if (!partition) {
      // one delivery is one buffering window: its partitions are all active until it is written
      if (partitions.size >= ACTIVE_PARTITION_LIMIT) {
        exceeded.push({ record, data: result.data ?? '' });
        return;
      }
      partition = { dt, hour, lines: new JoinedLinesBuilder() };
      partitions.set(prefix, partition);
    }
    partition.lines.appendBase64(result.data ?? '');
  }

  private objectName(time: { stamp: string }): string {
    return `${this.options.deliveryStreamName}-1-${time.stamp}-${randomUUID()}`;
  }

  private async backup(batch: Pending[], time: ReturnType<typeof timestampParts>): Promise<void> {
    // each record on a line of its own, copied once into the body
    let size = 0;
    for (const { data } of batch) size += data.length + (data.at(-1) === 0x0a ? 0 : 1);
    const body = Buffer.allocUnsafe(size);
    let at = 0;
    for (const { data } of batch) {
      at += data.copy(body, at);
      if (data.at(-1) !== 0x0a) body[at++] = 0x0a;
    }
    const key = `${LakeLayout.firehoseBackup(this.options.stream.name)}${time.path}/${this.objectName(time)}.gz`;
    await this.options.store.put(this.options.rawBucket, key, await gzip(body, { level: BACKUP_GZIP_LEVEL }));
    this.stats.backupFiles.push(key);
  }

  private async writeErrors(
    type: string,
    lines: string[],
    time: ReturnType<typeof timestampParts>,
  ): Promise<void> {
    if (lines.length === 0) return;
    const key = `${LakeLayout.firehoseErrors(this.options.stream.name)}${type}/dt=${time.dt}/${this.objectName(time)}`;
    await this.options.store.put(this.options.lakeBucket, key, `${lines.join('\n')}\n`);
    this.stats.errorFiles.push(key);
  }

  private countReason(reason: string): void {
    this.stats.failureReasons.set(reason, (this.stats.failureReasons.get(reason) ?? 0) + 1);
  }

  private async writeProcessingFailed(
    failed: ProcessingFailure[],
    time: ReturnType<typeof timestampParts>,
  ): Promise<void> {
    this.stats.processingFailed += failed.length;
    for (const { code, message } of failed) this.countReason(PROCESSING_FAILURE_REASONS[code] ?? message);
    const now = this.options.now();
    const lines = failed.map(({ record, code, message }) =>
      JSON.stringify({
        attemptsMade: 1,
        arrivalTimestamp: record.approximateArrivalTimestamp,
        errorCode: code,
        errorMessage: message,
        attemptEndingTimestamp: now,
        rawData: record.data,
        lambdaArn: `arn:aws:lambda:${this.options.region}:000000000000:function:${this.options.deliveryStreamName}-transform`,
      }),
    );
    await this.writeErrors(FirehoseErrorType.processingFailed, lines, time);
  }

  private async writePartitionExceeded(
    exceeded: PartitionExceeded[],
    time: ReturnType<typeof timestampParts>,
  ): Promise<void> {
    this.stats.activePartitionExceeded += exceeded.length;
    const now = this.options.now();
    const lines = exceeded.map(({ record, data }) =>
      JSON.stringify({
        attemptsMade: 1,
        arrivalTimestamp: record.approximateArrivalTimestamp,
        errorCode: ACTIVE_PARTITION_EXCEEDED,
        errorMessage: `The delivery stream already has ${ACTIVE_PARTITION_LIMIT} active partitions`,
        attemptEndingTimestamp: now,
        rawData: data,
      }),
    );
    await this.writeErrors(FirehoseErrorType.activePartitionExceeded, lines, time);
  }

  /**
   * Hands a partition to the converter. Up to two buffers' worth of lines may wait, so the
   * converter works through earlier deliveries while the transform runs the next (with one, each
   * thread idled while the other caught up on an uneven delivery); past that a slow converter
   * slows the producer, which bounds memory to about three buffers.
   */
  private async writePartition(
    prefix: string,
    partition: Partition,
    time: ReturnType<typeof timestampParts>,
  ): Promise<void> {
    const { eventTime } = this.options.stream;
    const lines = partition.lines.finish();
    // read before the converter may take the buffer over
    const bytes = lines.bytes.byteLength;
    const conversion = this.convert({
      columns: this.options.stream.columns,
      lines,
      ...(eventTime ? { filedUnder: { eventTime, dt: partition.dt, hour: partition.hour } } : {}),
      codec: this.options.codec,
      bucket: this.options.lakeBucket,
      key: `${prefix}${this.objectName(time)}.parquet`,
      now: this.options.now(),
    }).then((converted) => this.recordConversion(converted, time));
    conversion.catch(() => undefined);
    this.converting.push({ done: conversion, bytes });
    this.convertingBytes += bytes;
    while (
      this.converting.length > 1 &&
      this.convertingBytes > CONVERSION_BACKLOG_BUFFERS * this.options.bufferBytes
    )
      await this.awaitOldestConversion();
  }

  private async recordConversion(
    converted: ConvertedPartition,
    time: ReturnType<typeof timestampParts>,
  ): Promise<void> {
    if (converted.rows > 0) {
      this.stats.parquetFiles.push(converted.key);
      this.stats.rowsWritten += converted.rows;
    }
    for (const [column, count] of converted.undeclared) {
      this.stats.undeclaredColumns.set(column, (this.stats.undeclaredColumns.get(column) ?? 0) + count);
    }
    this.stats.conversionFailed += converted.errors.length;
    for (const error of converted.errors) {
      const { ErrorMessage } = JSON.parse(error) as { ErrorMessage?: string };
      this.countReason(ErrorMessage ?? 'format conversion failed');
    }
    this.stats.eventTimeOutOfRange += converted.filedOutsideEventTime;
    await this.writeErrors(FirehoseErrorType.formatConversionFailed, [...converted.errors], time);
  }
}
