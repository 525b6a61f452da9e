/**
 * Snappy compression for Parquet pages: the algorithm of hyparquet-writer's compressor (a port of
 * snappyjs, MIT, Copyright (c) 2016 Zhipeng Jia) and byte for byte its output, but writing into
 * one preallocated buffer instead of through a growable writer a byte at a time.
 */

const MAX_HASH_TABLE_BITS = 14;
const MAX_OFFSET = 0xffff;
const INPUT_MARGIN = 15;

const hashTables: Uint32Array[] = [];
let output = new Uint8Array(1 << 16);

/**
 * Compresses `input`. The result is a view of a buffer that the next call reuses: copy it (as
 * ByteWriter.appendBytes does) before compressing again.
 */
export function snappyCompress(input: Uint8Array): Uint8Array {
  const inputSize = input.length;
  const worstCase = 32 + inputSize + Math.ceil(inputSize / 6);
  if (output.length < worstCase) output = new Uint8Array(Math.max(worstCase, output.length * 2));
  const out = output;
  let op = 0;
  for (let rest = inputSize; ; rest >>>= 7) {
    if (rest < 0x80) {
      out[op++] = rest;
      break;
    }
    out[op++] = (rest & 0x7f) | 0x80;
  }

  let hashTableBits = 1;
  while (1 << hashTableBits <= inputSize && hashTableBits <= MAX_HASH_TABLE_BITS) hashTableBits++;
  hashTableBits--;
  const shift = 32 - hashTableBits;
  hashTables[hashTableBits] ??= new Uint32Array(1 << hashTableBits);
  const table = hashTables[hashTableBits]!;
  table.fill(0);

  let ip = 0;
  let nextEmit = 0;
  if (inputSize >= INPUT_MARGIN) {
    const ipLimit = inputSize - INPUT_MARGIN;
    ip++;
    let nextHash = hash(load32(input, ip), shift);
    outer: for (;;) {
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const current = nextHash;
        const step = skip >>> 5;
        skip++;
        nextIp = ip + step;
        if (ip > ipLimit) break outer;
        nextHash = hash(load32(input, nextIp), shift);
        candidate = table[current]!;
        table[current] = ip;
      } while (ip - candidate > MAX_OFFSET || !equals32(input, ip, candidate));

      op = emitLiteral(out, op, input, nextEmit, ip - nextEmit);

      do {
        const base = ip;
        let matched = 4;
        while (ip + matched < inputSize && input[ip + matched] === input[candidate + matched]) matched++;
        ip += matched;
        op = emitCopy(out, op, base - candidate, matched);
        nextEmit = ip;
        if (ip >= ipLimit) break outer;
        table[hash(load32(input, ip - 1), shift)] = ip - 1;
        const current = hash(load32(input, ip), shift);
        candidate = table[current]!;
        table[current] = ip;
      } while (ip - candidate <= MAX_OFFSET && equals32(input, ip, candidate));

      ip++;
      nextHash = hash(load32(input, ip), shift);
    }
  }
  if (nextEmit < inputSize) op = emitLiteral(out, op, input, nextEmit, inputSize - nextEmit);
  return out.subarray(0, op);
}

function hash(key: number, shift: number): number {
  return Math.imul(key, 0x1e35a7bd) >>> shift;
}

function load32(array: Uint8Array, pos: number): number {
  return array[pos]! + (array[pos + 1]! << 8) + (array[pos + 2]! << 16) + (array[pos + 3]! << 24);
}

function equals32(array: Uint8Array, a: number, b: number): boolean {
  return (
    array[a] === array[b] &&
    array[a + 1] === array[b + 1] &&
    array[a + 2] === array[b + 2] &&
    array[a + 3] === array[b + 3]
  );
}

function emitLiteral(out: Uint8Array, at: number, input: Uint8Array, from: number, length: number): number {
  let op = at;
  const value = length - 1;
  if (length <= 60) {
    out[op++] = value << 2;
  } else {
    const bytes = value < 0x100 ? 1 : value < 0x10000 ? 2 : value < 0x1000000 ? 3 : 4;
    out[op++] = (59 + bytes) << 2;
    for (let i = 0; i < bytes; i++) out[op++] = (value >>> (i * 8)) & 0xff;
  }
  if (length < 32) {
    for (let i = 0; i < length; i++) out[op + i] = input[from + i]!;
  } else {
    out.set(input.subarray(from, from + length), op);
  }
  return op + length;
}

function emitCopy(out: Uint8Array, at: number, offset: number, length: number): number {
  let op = at;
  let rest = length;
  while (rest >= 68) {
    op = emitShortCopy(out, op, offset, 64);
    rest -= 64;
  }
  if (rest > 64) {
    op = emitShortCopy(out, op, offset, 60);
    rest -= 60;
  }
  return emitShortCopy(out, op, offset, rest);
}

function emitShortCopy(out: Uint8Array, at: number, offset: number, length: number): number {
  let op = at;
  if (length < 12 && offset < 2048) {
    out[op++] = 1 + ((length - 4) << 2) + ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
  } else {
    out[op++] = 2 + ((length - 1) << 2);
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}
