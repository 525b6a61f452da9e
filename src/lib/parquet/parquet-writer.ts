import { once } from 'node:events';
import type { Writable } from 'node:stream';
import * as zlib from 'node:zlib';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ColumnSpec } from '../columns/column-types';
import type { ParquetValue } from './coerce';
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
 * memory stays bounded whatever the number of rows.
 */
export class ParquetRowWriter {
  private readonly writer: ParquetWriter;
  private readonly stream: Writable;
  private columns: ParquetValue[][];
  private buffered = 0;
  rows = 0;

  constructor(
    private readonly spec: readonly ColumnSpec[],
    sink: Writable,
    private readonly options: ParquetWriterOptions = PARQUET_DEFAULTS,
  ) {
    if (options.codec === 'zstd' && !zstdAvailable()) {
      throw new Error('zstd needs Node 22.15 or later (zlib.zstdCompressSync); use snappy on this Node');
    }
    this.stream = sink;
    this.writer = new ParquetWriter({
      writer: new StreamByteWriter(sink),
      schema: parquetSchema(spec),
      codec: options.codec === 'zstd' ? 'ZSTD' : 'SNAPPY',
      compressors:
        options.codec === 'zstd'
          ? {
              ZSTD: (input: Uint8Array) =>
                new Uint8Array(
                  zstdCompressSync!(input, { params: { [ZSTD_COMPRESSION_LEVEL_PARAMETER]: 3 } }),
                ),
            }
          : {},
      createdBy: 'tributary',
    });
    this.columns = spec.map(() => []);
  }

  async append(values: readonly ParquetValue[]): Promise<void> {
    for (let i = 0; i < values.length; i++) this.columns[i]!.push(values[i]!);
    this.buffered++;
    this.rows++;
    if (this.buffered >= this.options.rowGroupRows) await this.flushRowGroup();
  }

  private async flushRowGroup(): Promise<void> {
    if (this.buffered === 0) return;
    const columnData = this.spec.map((column, i) => ({ name: column.name, data: this.columns[i]! }));
    const rowGroupSize = this.buffered;
    this.columns = this.spec.map(() => []);
    this.buffered = 0;
    await this.writer.write({ columnData, rowGroupSize });
  }

  /** Writes the last row group and the footer, and waits until the sink has taken every byte. */
  async close(): Promise<void> {
    await this.flushRowGroup();
    const finished = once(this.stream, 'finish');
    this.writer.finish();
    await finished;
  }
}
