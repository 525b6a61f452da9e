import fc from 'fast-check';
import { decodeS3EventKey, encodeS3EventKey, S3EventKeyError } from '../../../src/lib/storage/s3-event-key';

describe('decodeS3EventKey', () => {
  it.each([
    ['raw/dynamodb/users/dt%3D2026-11-20/a.ndjson.gz', 'raw/dynamodb/users/dt=2026-11-20/a.ndjson.gz'],
    ['my+file.txt', 'my file.txt'],
    ['a%2Bb.txt', 'a+b.txt'],
    ['%E6%97%A5%E6%9C%AC/%C3%A9t%C3%A9.json', '日本/été.json'],
    ['100%25', '100%'],
  ])('decodes %j to %j', (encoded, key) => {
    expect(decodeS3EventKey(encoded)).toBe(key);
  });

  it.each([['%E6%97'], ['%zz'], ['100%']])('rejects the malformed encoding %j', (encoded) => {
    expect(() => decodeS3EventKey(encoded)).toThrow(S3EventKeyError);
  });

  it('round-trips any key through the encoding S3 applies', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (key) => {
        expect(decodeS3EventKey(encodeS3EventKey(key))).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });
});
