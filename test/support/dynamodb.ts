import fc from 'fast-check';

/** DynamoDB JSON attribute values of every type, with names chosen to nest, collide and repeat. */
export const attributeNameArb = fc.oneof(
  fc.constantFrom(
    'id',
    'pk',
    'name',
    'userId',
    'user_id',
    'Address',
    'address',
    '__proto__',
    'constructor',
    'é',
    '0',
    '',
  ),
  fc.string({ maxLength: 8 }),
);

const numberText = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? '0' : String(n))),
  fc.constantFrom('0.000000000000000000000000000000000001', '1E+5', '-12.50'),
  // values a double holds only as infinity, zero or a subnormal, and epoch times finer than milliseconds
  fc.constantFrom('1e400', '-1E+400', '1e-400', '4e-320', '1795165200123456', '1795165200123456789'),
);

/** Strings, with lone surrogates (no UTF-8 encoding) and timestamps of every fraction length among them. */
export const stringArb = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  fc.constantFrom('\ud800', 'x\udc00', '\ud83d\ude00'),
  fc
    .tuple(fc.integer({ min: 0, max: 12 }), fc.stringMatching(/^[0-9]{12}$/))
    .map(([count, digits]) => `2026-11-20T09:15:02${count === 0 ? '' : `.${digits.slice(0, count)}`}Z`),
);
const base64 = fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('base64'));

export const attributeValueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ S: stringArb }),
    fc.record({ N: numberText }),
    fc.record({ B: base64 }),
    fc.record({ BOOL: fc.boolean() }),
    fc.constant({ NULL: true }),
    fc.record({ SS: fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 3 }) }),
    fc.record({ NS: fc.uniqueArray(numberText, { minLength: 1, maxLength: 3 }) }),
    fc.record({ BS: fc.uniqueArray(base64, { minLength: 1, maxLength: 3 }) }),
    fc.record({ L: fc.array(tie('value'), { maxLength: 3 }) }),
    fc.record({ M: tie('map') }),
  ),
  map: fc.dictionary(attributeNameArb, tie('value'), { maxKeys: 5 }),
})).value;

export const itemArb = fc.dictionary(attributeNameArb, attributeValueArb, { minKeys: 1, maxKeys: 8 });

/** Items with damage a stream or export could carry: unknown types, N that is not a number, two types. */
export const brokenItemArb = fc.oneof(
  itemArb.map((item) => ({ ...item, broken: { X: '1' } })),
  itemArb.map((item) => ({ ...item, broken: { N: 'twelve' } })),
  itemArb.map((item) => ({ ...item, broken: { S: 'a', N: '1' } })),
  itemArb.map((item) => ({ ...item, broken: { M: { inner: { NULL: false } } } })),
  itemArb.map((item) => ({ ...item, broken: 'plain' })),
);
