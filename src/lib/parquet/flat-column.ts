import type { ColumnChunk, OffsetIndex, SchemaElement } from 'hyparquet';
import type { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import type { ColumnSpec } from '../columns/column-types';
import type { ParquetValue } from './coerce';

/** Compresses one page's value bytes with the file's codec; the result is read before the next call. */
export type PageCompressor = (input: Uint8Array) => Uint8Array;

/** What the file footer needs of a written column chunk: the chunk and, past one page, its offset index. */
export interface WrittenChunk {
  readonly chunk: ColumnChunk;
  readonly offsetIndex?: OffsetIndex;
}

/** Page size target in PLAIN value bytes, as hyparquet-writer and parquet-mr use: 1 MiB. */
const PAGE_BYTES = 1 << 20;
/** After this many values, a column whose values are nearly all distinct stops building a dictionary. */
const DICTIONARY_SAMPLE = 1000;
/** Sampled distinct bytes above this share of all bytes: the dictionary would not pay for itself. */
const DICTIONARY_REJECTION_RATIO = 0.9;

type Physical = 'BYTE_ARRAY' | 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'FIXED_LEN_BYTE_ARRAY';
type DictionaryKey = string | number | bigint;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/** A growable byte buffer reused from row group to row group. */
class Bytes {
  buffer = Buffer.allocUnsafe(1 << 16);
  length = 0;

  reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  view(start = 0, end = this.length): Uint8Array {
    return this.buffer.subarray(start, end);
  }
}

/**
 * One flat, OPTIONAL column of a row group, encoded as values arrive instead of kept as JS values
 * until the row group is full: strings become UTF-8 bytes at once, numbers go to typed arrays,
 * so a row's values die young. At flush it writes what hyparquet-writer writes for the same
 * values: data page v2, definition levels RLE, a dictionary when it at least halves the bytes,
 * PLAIN otherwise (RLE for booleans), min/max/null statistics, an offset index past one page.
 */
export class FlatColumn {
  readonly element: SchemaElement;
  private readonly physical: Physical;
  private readonly fixedLength: number;
  /** 1 for a value, 0 for null, per row. */
  private levels: Uint8Array;
  private rows = 0;
  /** Non-null values, PLAIN-encoded for byte arrays and decimals. */
  private readonly plain = new Bytes();
  /** End offset in `plain` of each non-null value (byte arrays). */
  private ends: Int32Array;
  private int32: Int32Array;
  private int64: BigInt64Array;
  private float64: Float64Array;
  private count = 0;
  private dictionary: Map<DictionaryKey, number> | undefined;
  private dictionaryBytes = 0;
  private indexes: Int32Array;
  private min: ParquetValue = null;
  private max: ParquetValue = null;
  private nanCount = 0;

  constructor(
    private readonly spec: ColumnSpec,
    element: SchemaElement,
    capacity: number,
  ) {
    this.element = element;
    this.physical = element.type as Physical;
    // a fixed-length column holds a bigint as big-endian two's complement in the element's length (as
    // Parquet's DECIMAL does) and keeps signed min/max: a type whose fixed bytes mean anything else
    // (UUID, FLOAT16) needs its own encoding and statistics here
    this.fixedLength = element.type_length ?? 0;
    this.levels = new Uint8Array(capacity);
    this.ends = new Int32Array(this.physical === 'BYTE_ARRAY' ? capacity : 0);
    this.int32 = new Int32Array(this.physical === 'INT32' || this.physical === 'BOOLEAN' ? capacity : 0);
    this.int64 = new BigInt64Array(this.physical === 'INT64' ? capacity : 0);
    this.float64 = new Float64Array(this.physical === 'DOUBLE' ? capacity : 0);
    this.indexes = new Int32Array(this.physical === 'BOOLEAN' ? 0 : capacity);
    this.reset();
  }

  private reset(): void {
    this.rows = 0;
    this.count = 0;
    this.plain.length = 0;
    this.dictionary = this.physical === 'BOOLEAN' ? undefined : new Map();
    this.dictionaryBytes = 0;
    this.min = null;
    this.max = null;
    this.nanCount = 0;
  }

  private grow(capacity: number): void {
    const resize = <T extends Int32Array | BigInt64Array | Float64Array | Uint8Array>(
      array: T,
      make: (n: number) => T,
    ) => {
      if (array.length === 0) return array;
      const grown = make(capacity);
      grown.set(array as never);
      return grown;
    };
    this.levels = resize(this.levels, (n) => new Uint8Array(n));
    this.ends = resize(this.ends, (n) => new Int32Array(n));
    this.int32 = resize(this.int32, (n) => new Int32Array(n));
    this.int64 = resize(this.int64, (n) => new BigInt64Array(n));
    this.float64 = resize(this.float64, (n) => new Float64Array(n));
    this.indexes = resize(this.indexes, (n) => new Int32Array(n));
  }

  add(value: ParquetValue): void {
    if (this.rows === this.levels.length) this.grow(this.levels.length * 2);
    if (value === null || value === undefined) {
      this.levels[this.rows++] = 0;
      return;
    }
    this.levels[this.rows++] = 1;
    switch (this.physical) {
      case 'BYTE_ARRAY':
        this.addString(value);
        break;
      case 'INT32':
        this.addInt32(value);
        break;
      case 'INT64':
        this.addInt64(value);
        break;
      case 'DOUBLE':
        this.addDouble(value);
        break;
      case 'BOOLEAN':
        this.addBoolean(value);
        break;
      case 'FIXED_LEN_BYTE_ARRAY':
        this.addDecimal(value);
        break;
    }
  }

  private fail(value: unknown, expected: string): never {
    throw new TypeError(
      `Column ${this.spec.name}: expected ${expected}, got ${typeof value} ${String(value)}`,
    );
  }

  private addString(value: ParquetValue): void {
    if (typeof value !== 'string') this.fail(value, 'a string');
    const plain = this.plain;
    plain.reserve(4 + value.length * 3);
    const start = plain.length;
    const written = plain.buffer.write(value, start + 4);
    plain.buffer.writeUInt32LE(written, start);
    plain.length = start + 4 + written;
    this.ends[this.count] = plain.length;
    this.remember(value, 4 + written);
    if (this.min === null || compareUtf8(value, this.min as string) < 0) this.min = value;
    if (this.max === null || compareUtf8(value, this.max as string) > 0) this.max = value;
  }

  private addInt32(value: ParquetValue): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31)
      this.fail(value, 'an int32');
    this.int32[this.count] = value;
    this.remember(value, 4);
    if (this.min === null || value < (this.min as number)) this.min = value;
    if (this.max === null || value > (this.max as number)) this.max = value;
  }

  private addInt64(value: ParquetValue): void {
    if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX)
      this.fail(value, 'an int64 bigint');
    this.int64[this.count] = value;
    this.remember(value, 8);
    if (this.min === null || value < (this.min as bigint)) this.min = value;
    if (this.max === null || value > (this.max as bigint)) this.max = value;
  }

  private addDouble(value: ParquetValue): void {
    if (typeof value !== 'number') this.fail(value, 'a number');
    this.float64[this.count] = value;
    // a dictionary keys -0 and 0 alike (SameValueZero); keep the sign bit by writing PLAIN
    if (value === 0 && 1 / value < 0) this.dictionary = undefined;
    this.remember(value, 8);
    if (Number.isNaN(value)) {
      this.nanCount++;
      return;
    }
    if (this.min === null || value < (this.min as number)) this.min = value;
    if (this.max === null || value > (this.max as number)) this.max = value;
  }

  private addBoolean(value: ParquetValue): void {
    if (typeof value !== 'boolean') this.fail(value, 'a boolean');
    this.int32[this.count++] = value ? 1 : 0;
    if (this.min === null || (this.min === true && !value)) this.min = value;
    if (this.max === null || (this.max === false && value)) this.max = value;
  }

  private addDecimal(value: ParquetValue): void {
    if (typeof value !== 'bigint') this.fail(value, 'an unscaled decimal bigint');
    const plain = this.plain;
    const length = this.fixedLength;
    plain.reserve(length);
    // big-endian two's complement, as many bytes as the precision needs
    const start = plain.length;
    if (value >= -SAFE_BIGINT && value <= SAFE_BIGINT) {
      // most amounts: number arithmetic, no BigInt per byte
      let rest = Number(value);
      for (let i = start + length - 1; i >= start; i--) {
        const low = rest % 256;
        plain.buffer[i] = low < 0 ? low + 256 : low;
        rest = Math.floor(rest / 256);
      }
      if (rest !== 0 && rest !== -1) this.fail(value, `a decimal that fits ${length} bytes`);
    } else {
      let rest = value;
      for (let i = start + length - 1; i >= start; i--) {
        plain.buffer[i] = Number(rest & 0xffn);
        rest >>= 8n;
      }
      if (rest !== 0n && rest !== -1n) this.fail(value, `a decimal that fits ${length} bytes`);
    }
    plain.length = start + length;
    this.remember(value, length);
    if (this.min === null || value < (this.min as bigint)) this.min = value;
    if (this.max === null || value > (this.max as bigint)) this.max = value;
  }

  /** Counts the value and, while a dictionary is still worth building, indexes it. */
  private remember(key: DictionaryKey, bytes: number): void {
    const dictionary = this.dictionary;
    if (dictionary !== undefined) {
      let index = dictionary.get(key);
      if (index === undefined) {
        index = dictionary.size;
        dictionary.set(key, index);
        this.dictionaryBytes += bytes;
      }
      this.indexes[this.count] = index;
      if (
        this.count === DICTIONARY_SAMPLE &&
        this.dictionaryBytes > DICTIONARY_REJECTION_RATIO * this.plainBytes(this.count)
      )
        this.dictionary = undefined;
    }
    this.count++;
  }

  /** Bytes of the first `count` non-null values written PLAIN. */
  private plainBytes(count: number): number {
    switch (this.physical) {
      case 'BYTE_ARRAY':
        return count === 0 ? 0 : this.ends[count - 1]!;
      case 'INT32':
        return 4 * count;
      case 'INT64':
      case 'DOUBLE':
        return 8 * count;
      case 'FIXED_LEN_BYTE_ARRAY':
        return this.fixedLength * count;
      case 'BOOLEAN':
        return Math.ceil(count / 8);
    }
  }

  /** Writes the column chunk at the writer's offset and clears the column for the next row group. */
  write(writer: ByteWriter, codec: 'SNAPPY' | 'ZSTD', compress: PageCompressor): WrittenChunk {
    const offsetStart = writer.offset;
    const rows = this.rows;
    const nonNull = this.count;
    const dictionary = this.keptDictionary();
    let uncompressedSize = 0;
    let dictionaryPageOffset: bigint | undefined;
    if (dictionary) {
      dictionaryPageOffset = BigInt(writer.offset);
      const values = this.encodeDictionary(dictionary);
      const compressed = compress(values);
      const headerStart = writer.offset;
      writePageHeader(writer, {
        type: 'DICTIONARY_PAGE',
        uncompressed_page_size: values.length,
        compressed_page_size: compressed.length,
        dictionary_page_header: { num_values: dictionary.size, encoding: 'PLAIN' },
      });
      uncompressedSize += writer.offset - headerStart + values.length;
      writer.appendBytes(compressed);
    }
    const encoding = dictionary
      ? 'RLE_DICTIONARY'
      : this.physical === 'BOOLEAN' && rows > 16
        ? 'RLE'
        : 'PLAIN';
    const dataPageOffset = BigInt(writer.offset);
    const pages = this.pageBoundaries(dictionary !== undefined);
    const locations: OffsetIndex['page_locations'] = [];
    for (const page of pages) {
      const pageOffset = writer.offset;
      uncompressedSize += this.writePage(writer, page, encoding, compress);
      locations.push({
        offset: BigInt(pageOffset),
        compressed_page_size: writer.offset - pageOffset,
        first_row_index: BigInt(page.startRow),
      });
    }
    const chunk: ColumnChunk = {
      meta_data: {
        type: this.physical,
        encodings: dictionary ? ['PLAIN', 'RLE_DICTIONARY'] : [encoding],
        path_in_schema: [this.element.name],
        codec,
        num_values: BigInt(rows),
        total_compressed_size: BigInt(writer.offset - offsetStart),
        total_uncompressed_size: BigInt(uncompressedSize),
        data_page_offset: dataPageOffset,
        dictionary_page_offset: dictionaryPageOffset,
        statistics: this.statistics(rows - nonNull),
        encoding_stats: [
          ...(dictionary ? [{ page_type: 'DICTIONARY_PAGE', encoding: 'PLAIN', count: 1 } as const] : []),
          { page_type: 'DATA_PAGE_V2', encoding, count: pages.length },
        ],
      },
      file_offset: BigInt(offsetStart),
    };
    this.reset();
    return pages.length > 1 ? { chunk, offsetIndex: { page_locations: locations } } : { chunk };
  }

  private statistics(nulls: number) {
    let { min, max } = this;
    // Parquet's signed-zero rule: a min of zero is -0, a max of zero is +0
    if (min === 0) min = -0;
    if (max === 0) max = 0;
    return {
      min_value: min ?? undefined,
      max_value: max ?? undefined,
      null_count: BigInt(nulls),
      nan_count: this.physical === 'DOUBLE' ? BigInt(this.nanCount) : undefined,
    } as NonNullable<ColumnChunk['meta_data']>['statistics'];
  }

  /** The dictionary, if it at least halves the PLAIN bytes (hyparquet-writer's rule). */
  private keptDictionary(): Map<DictionaryKey, number> | undefined {
    const dictionary = this.dictionary;
    if (dictionary === undefined || this.count === 0) return undefined;
    const bitWidth = Math.ceil(Math.log2(dictionary.size));
    const indexBytes = Math.ceil((this.count * bitWidth) / 8);
    return 2 * (this.dictionaryBytes + indexBytes) > this.plainBytes(this.count) ? undefined : dictionary;
  }

  private encodeDictionary(dictionary: Map<DictionaryKey, number>): Uint8Array {
    const out = new Bytes();
    switch (this.physical) {
      case 'BYTE_ARRAY': {
        out.reserve(this.dictionaryBytes);
        for (const key of dictionary.keys()) {
          const text = key as string;
          out.reserve(4 + text.length * 3);
          const written = out.buffer.write(text, out.length + 4);
          out.buffer.writeUInt32LE(written, out.length);
          out.length += 4 + written;
        }
        break;
      }
      case 'INT32':
        out.reserve(4 * dictionary.size);
        for (const key of dictionary.keys()) out.length = out.buffer.writeInt32LE(key as number, out.length);
        break;
      case 'INT64':
        out.reserve(8 * dictionary.size);
        for (const key of dictionary.keys())
          out.length = out.buffer.writeBigInt64LE(key as bigint, out.length);
        break;
      case 'DOUBLE':
        out.reserve(8 * dictionary.size);
        for (const key of dictionary.keys()) out.length = out.buffer.writeDoubleLE(key as number, out.length);
        break;
      case 'FIXED_LEN_BYTE_ARRAY': {
        // the first occurrence of each value, in dictionary order, already sits in `plain`
        const length = this.fixedLength;
        out.reserve(length * dictionary.size);
        const seen = new Uint8Array(dictionary.size);
        for (let k = 0; k < this.count; k++) {
          const index = this.indexes[k]!;
          if (seen[index]) continue;
          seen[index] = 1;
          this.plain.buffer.copy(out.buffer, index * length, k * length, (k + 1) * length);
        }
        out.length = length * dictionary.size;
        break;
      }
      case 'BOOLEAN':
        throw new Error('booleans have no dictionary');
    }
    return out.view();
  }

  /**
   * Pages of about PAGE_BYTES of encoded values (4 bytes a value with a dictionary), cut where
   * the bytes reach the target, as hyparquet-writer cuts them.
   */
  private pageBoundaries(dictionary: boolean): PageRange[] {
    const pages: PageRange[] = [];
    let start = 0;
    let startValue = 0;
    let value = 0;
    let bytes = 0;
    let previousEnd = 0;
    for (let row = 0; row < this.rows; row++) {
      if (this.levels[row] === 0) continue;
      const size = dictionary ? 4 : this.valueBytes(value, previousEnd);
      if (this.physical === 'BYTE_ARRAY') previousEnd = this.ends[value]!;
      bytes += size;
      if (bytes >= PAGE_BYTES && row > start) {
        pages.push({ startRow: start, endRow: row, startValue, endValue: value });
        start = row;
        startValue = value;
        bytes = size;
      }
      value++;
    }
    if (start < this.rows || pages.length === 0)
      pages.push({ startRow: start, endRow: this.rows, startValue, endValue: value });
    return pages;
  }

  private valueBytes(value: number, previousEnd: number): number {
    switch (this.physical) {
      case 'BYTE_ARRAY':
        return this.ends[value]! - previousEnd - 4;
      case 'INT32':
        return 4;
      case 'INT64':
      case 'DOUBLE':
        return 8;
      case 'FIXED_LEN_BYTE_ARRAY':
        return this.fixedLength;
      case 'BOOLEAN':
        return 0.125;
    }
  }

  /** One data page v2: levels uncompressed, then the compressed values. Returns its uncompressed size. */
  private writePage(
    writer: ByteWriter,
    page: PageRange,
    encoding: 'PLAIN' | 'RLE' | 'RLE_DICTIONARY',
    compress: PageCompressor,
  ): number {
    const { startRow, endRow, startValue, endValue } = page;
    const levelWriter = new LevelWriter();
    const levelsLength = writeRleBitPackedHybrid(
      levelWriter as unknown as ByteWriter,
      this.levels.subarray(startRow, endRow),
      1,
    );
    const values = this.pageValues(startValue, endValue, encoding);
    const compressed = compress(values);
    const headerStart = writer.offset;
    const numValues = endRow - startRow;
    writePageHeader(writer, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levelsLength + values.length,
      compressed_page_size: levelsLength + compressed.length,
      data_page_header_v2: {
        num_values: numValues,
        num_nulls: numValues - (endValue - startValue),
        num_rows: numValues,
        encoding,
        definition_levels_byte_length: levelsLength,
        repetition_levels_byte_length: 0,
        is_compressed: true,
      },
    });
    const headerSize = writer.offset - headerStart;
    writer.appendBytes(levelWriter.bytes());
    writer.appendBytes(compressed);
    return headerSize + levelsLength + values.length;
  }

  private pageValues(start: number, end: number, encoding: 'PLAIN' | 'RLE' | 'RLE_DICTIONARY'): Uint8Array {
    if (encoding === 'RLE_DICTIONARY') {
      const indexes = this.indexes.subarray(start, end);
      let maxIndex = 0;
      for (const index of indexes) if (index > maxIndex) maxIndex = index;
      const bitWidth = Math.ceil(Math.log2(maxIndex + 1));
      const out = new LevelWriter();
      out.appendUint8(bitWidth);
      writeRleBitPackedHybrid(out as unknown as ByteWriter, indexes, bitWidth);
      return out.bytes();
    }
    switch (this.physical) {
      case 'BYTE_ARRAY':
        return this.plain.view(start === 0 ? 0 : this.ends[start - 1]!, end === 0 ? 0 : this.ends[end - 1]!);
      case 'FIXED_LEN_BYTE_ARRAY':
        return this.plain.view(start * this.fixedLength, end * this.fixedLength);
      case 'INT32':
        return littleEndianBytes(this.int32.subarray(start, end));
      case 'INT64':
        return littleEndianBytes(this.int64.subarray(start, end));
      case 'DOUBLE':
        return littleEndianBytes(this.float64.subarray(start, end));
      case 'BOOLEAN': {
        const bits = this.int32.subarray(start, end);
        const out = new LevelWriter();
        if (encoding === 'RLE') {
          out.appendUint32(0);
          const length = writeRleBitPackedHybrid(out as unknown as ByteWriter, bits, 1);
          out.setUint32(0, length);
        } else {
          for (let i = 0; i < bits.length; i += 8) {
            let byte = 0;
            for (let b = 0; b < 8 && i + b < bits.length; b++) byte |= bits[i + b]! << b;
            out.appendUint8(byte);
          }
        }
        return out.bytes();
      }
    }
  }
}

interface PageRange {
  readonly startRow: number;
  readonly endRow: number;
  readonly startValue: number;
  readonly endValue: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A typed array's bytes as Parquet stores them (little-endian). */
function littleEndianBytes(values: Int32Array | BigInt64Array | Float64Array): Uint8Array {
  if (!LITTLE_ENDIAN) throw new Error('Parquet writing needs a little-endian machine');
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** The small Writer that hyparquet-writer's RLE encoder needs, over a growable buffer. */
class LevelWriter {
  private readonly out = new Bytes();
  offset = 0;

  appendUint8(value: number): void {
    this.out.reserve(1);
    this.out.buffer[this.out.length++] = value;
    this.offset++;
  }

  appendUint32(value: number): void {
    this.out.reserve(4);
    this.out.buffer.writeUInt32LE(value, this.out.length);
    this.out.length += 4;
    this.offset += 4;
  }

  setUint32(position: number, value: number): void {
    this.out.buffer.writeUInt32LE(value, position);
  }

  appendVarInt(value: number): void {
    let rest = value;
    while (rest & ~0x7f) {
      this.appendUint8((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    this.appendUint8(rest);
  }

  bytes(): Uint8Array {
    return this.out.view();
  }
}

/**
 * Strings in UTF-8 byte order (code point order), which Parquet statistics use; `<` compares
 * UTF-16 code units and misorders characters past U+FFFF against U+E000..U+FFFF. Lone surrogates
 * compare as U+FFFD, as they are written.
 */
export function compareUtf8(left: string, right: string): number {
  if (left === right) return 0;
  const length = Math.min(left.length, right.length);
  let i = 0;
  while (i < length && left.charCodeAt(i) === right.charCodeAt(i)) i++;
  if (i === length) return left.length - right.length;
  const a = left.charCodeAt(i);
  const b = right.charCodeAt(i);
  if (a < 0xd800 && b < 0xd800) return a - b;
  // at or past the surrogates: compare whole code points from the start of this one
  if (i > 0 && left.charCodeAt(i - 1) >= 0xd800 && left.charCodeAt(i - 1) <= 0xdbff) i--;
  while (i < left.length && i < right.length) {
    const x = codePoint(left, i);
    const y = codePoint(right, i);
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return left.length - right.length;
}

function codePoint(text: string, i: number): number {
  const code = text.codePointAt(i) ?? 0xfffd;
  return code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
}
