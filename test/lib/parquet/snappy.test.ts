import fc from 'fast-check';
import { snappyUncompress } from 'hyparquet';
import { snappyCompress as referenceCompress } from 'hyparquet-writer/src/snappy.js';
import { snappyCompress } from '../../../src/lib/parquet/snappy';

/** Bytes with repeats in them, as page values have, as well as random ones. */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc
    .array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 200 })), {
      maxLength: 30,
    })
    .map((runs) =>
      Uint8Array.from(runs.flatMap(([run, times]) => Array.from({ length: times }, () => [...run]).flat())),
    ),
);

describe('snappyCompress', () => {
  it('writes exactly what hyparquet-writer writes, and it decompresses to the input', () => {
    fc.assert(
      fc.property(bytes, (input) => {
        const compressed = Buffer.from(snappyCompress(input));
        // Buffer.equals: jest's deep equality is slow on thousands of bytes
        expect(compressed.equals(referenceCompress(input))).toBe(true);
        const restored = new Uint8Array(input.length);
        snappyUncompress(compressed, restored);
        expect(Buffer.from(restored).equals(input)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('handles inputs past 64 KiB, where offsets must stay within a 2-byte copy', () => {
    const input = new Uint8Array(300_000);
    for (let i = 0; i < input.length; i++) input[i] = ((i * 7919) % 251) ^ (i >> 12);
    expect(Buffer.from(snappyCompress(input)).equals(referenceCompress(input))).toBe(true);
  });
});
