import fc from 'fast-check';
import { decodeBase64Strict } from '../../../src/lib/firehose/base64';
import { DecodeFailure, RecordDecodeError } from '../../../src/lib/flattening/errors';

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

describe('decodeBase64Strict', () => {
  it('decodes what Firehose sends', () => {
    expect(decodeBase64Strict(Buffer.from('{"a":1}').toString('base64')).toString()).toBe('{"a":1}');
  });

  it.each([['abc'], ['ab!d'], ['ab-_'], ['ab=c'], ['a==='], ['YWJj\n'], ['Y W J j']])(
    'rejects %j',
    (data) => {
      expect(() => decodeBase64Strict(data)).toThrow(RecordDecodeError);
      expect(() => decodeBase64Strict(data)).toThrow(
        expect.objectContaining({ reason: DecodeFailure.base64 }),
      );
    },
  );

  it('accepts exactly the strict base64 alphabet and padding', () => {
    const alphabet = fc.constantFrom(...'ABCXYZabcxyz0189+/=-_! \n'.split(''));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: alphabet }),
          fc.uint8Array().map((b) => Buffer.from(b).toString('base64')),
        ),
        (data) => {
          let accepted = true;
          try {
            decodeBase64Strict(data);
          } catch {
            accepted = false;
          }
          expect(accepted).toBe(STRICT_BASE64.test(data));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
