import fc from 'fast-check';
import { JoinedLinesBuilder, joinLines } from '../../../src/lib/firehose/joined-lines';

const linesOf = ({ bytes, ends }: { bytes: Uint8Array; ends: Uint32Array }) =>
  Array.from(ends, (end, i) => Buffer.from(bytes.subarray(i === 0 ? 0 : ends[i - 1], end)));

describe('JoinedLinesBuilder', () => {
  it('holds each base64 record as the bytes Buffer.from decodes, in order, however many', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40_000 }), { maxLength: 30 }), (records) => {
        const builder = new JoinedLinesBuilder();
        for (const record of records) builder.appendBase64(Buffer.from(record).toString('base64'));
        expect(linesOf(builder.finish())).toEqual(records.map((r) => Buffer.from(r)));
      }),
      { numRuns: 50 },
    );
  });

  it('decodes lenient base64 as Buffer.from does', () => {
    const builder = new JoinedLinesBuilder();
    for (const data of ['', 'eyJhIjoxfQ', 'eyJh IjoxfQ==', '!!']) builder.appendBase64(data);
    expect(linesOf(builder.finish())).toEqual(
      ['', 'eyJhIjoxfQ', 'eyJh IjoxfQ==', '!!'].map((d) => Buffer.from(d, 'base64')),
    );
  });

  it('gives the lines buffers of their own, so they can be transferred to a thread', () => {
    const { bytes, ends } = joinLines(['{"a":1}', '{"b":"ü"}']);
    expect(bytes.buffer).not.toBe(Buffer.allocUnsafe(1).buffer);
    expect(bytes.buffer).not.toBe(ends.buffer);
    expect(linesOf({ bytes, ends }).map(String)).toEqual(['{"a":1}', '{"b":"ü"}']);
  });
});
