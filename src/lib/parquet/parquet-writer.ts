import { once } from 'node:events';
import type { Writable } from 'node:stream';
import * as zlib from 'node:zlib';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ColumnSpec } from '../columns/column-types';
import type { ParquetValue } from './coerce';
import { FlatColumn, type PageCompressor } from './flat-column';
import { parquetSchema } from './schema';

export type ParquetCodec = 'snappy' | 'zstd';

export interface ParquetWriterOptions {
  readonly codec: ParquetCodec;
  /** Rows buffered per row group: the writer's memory is about one row group. */
  readonly rowGroupRows: number;
}

export const PARQUET_DEFAULTS: ParquetWriterOptions = { codec: 'snappy', rowGroupRows: 50_000 };

/** zlib gained zstd in Node 22.15 (the Lambda nodejs22.x runtime); older Node writes snappy only. */
const zstdCompressSync = (zlib as { zstdCompressSync?: (input: Uint8Array, options?: object) => Buffer })
  .zstdCompressSync;
const ZSTD_COMPRESSION_LEVEL_PARAMETER = 100;

export function zstdAvailable(): boolean {
  return typeof zstdCompressSync === 'function';
}

/** Streams encoded bytes to a Node Writable instead of growing one buffer for the whole file. */
class StreamByteWriter extends ByteWriter {
  constructor(
    private readonly stream: Writable,
    private readonly chunkBytes = 1 << 20,
  ) {
    super(chunkBytes + 1024);
  }

  private push(): void {
    if (this.index === 0) return;
    this.stream.write(new Uint8Array(this.buffer.slice(0, this.index)));
    this.index = 0;
  }

  override ensure(size: number): void {
    if (this.index > this.chunkBytes) this.push();
    super.ensure(size);
  }

  async flush(): Promise<void> {
    this.push();
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }

  override finish(): void {
    this.push();
    this.stream.end();
  }
}

/**
 * Writes rows of declared columns as a Parquet file to a stream, one row group at a time, so
 * memory stays bounded whatever the number of rows. Each value is encoded into its column as it
 * is appended (see FlatColumn); hyparquet-writer writes the page headers and the footer.
 */
export class ParquetRowWriter {
  private readonly writer: ParquetWriter;
  private readonly bytes: StreamByteWriter;
  private readonly stream: Writable;
  private readonly columns: FlatColumn[];
  private readonly compress: PageCompressor;
  private buffered = 0;
  rows = 0;

  constructor(
    spec: readonly ColumnSpec[],
    sink: Writable,
    private readonly options: ParquetWriterOptions = PARQUET_DEFAULTS,
  ) {
    if (options.codec === 'zstd' && !zstdAvailable()) {
      throw new Error('zstd needs Node 22.15 or later (zlib.zstdCompressSync); use snappy on this Node');
    }
    this.stream = sink;
    this.bytes = new StreamByteWriter(sink);
    const schema = parquetSchema(spec);
    this.writer = new ParquetWriter({
      writer: this.bytes,
      schema,
      codec: options.codec === 'zstd' ? 'ZSTD' : 'SNAPPY',
      createdBy: 'tributary',
    });
    this.compress =
      options.codec === 'zstd'
        ? (input) =>
            new Uint8Array(zstdCompressSync!(input, { params: { [ZSTD_COMPRESSION_LEVEL_PARAMETER]: 3 } }))
        : this.writer.compressors.SNAPPY;
    const capacity = Math.min(options.rowGroupRows, 1 << 16);
    this.columns = spec.map((column, i) => new FlatColumn(column, schema[i + 1]!, capacity));
  }

  async append(values: readonly ParquetValue[]): Promise<void> {
    const columns = this.columns;
    for (let i = 0; i < columns.length; i++) columns[i]!.add(values[i]!);
    this.buffered++;
    this.rows++;
    if (this.buffered >= this.options.rowGroupRows) await this.flushRowGroup();
  }

  private async flushRowGroup(): Promise<void> {
    if (this.buffered === 0) return;
    const codec = this.writer.codec as 'SNAPPY' | 'ZSTD';
    const groupStart = this.bytes.offset;
    const chunks = this.columns.map((column) => column.write(this.bytes, codec, this.compress));
    let totalByteSize = 0n;
    for (const { chunk } of chunks) totalByteSize += chunk.meta_data?.total_uncompressed_size ?? 0n;
    const rows = BigInt(this.buffered);
    this.writer.row_groups.push({
      columns: chunks.map(({ chunk }) => chunk),
      total_byte_size: totalByteSize,
      num_rows: rows,
      total_compressed_size: BigInt(this.bytes.offset - groupStart),
    });
    this.writer.num_rows += rows;
    this.writer.pendingIndexes.push(...chunks);
    this.buffered = 0;
    await this.bytes.flush();
  }

  /** Writes the last row group and the footer, and waits until the sink has taken every byte. */
  async close(): Promise<void> {
    await this.flushRowGroup();
    const finished = once(this.stream, 'finish');
    this.writer.finish();
    await finished;
  }
}
