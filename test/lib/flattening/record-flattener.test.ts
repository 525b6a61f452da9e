import fc from 'fast-check';
import { parseColumnType } from '../../../src/lib/columns/column-types';
import { DecodeFailure, RecordDecodeError } from '../../../src/lib/flattening/errors';
import { FastFlattener } from '../../../src/lib/flattening/fast-flattener';
import { encodeFlatRow, flattenDocument } from '../../../src/lib/flattening/flatten';
import type { FlattenOptions } from '../../../src/lib/flattening/options';
import { FlattenPlan } from '../../../src/lib/flattening/plan';
import { parseRecord, RecordFlattener } from '../../../src/lib/flattening/record-flattener';
import { clickstreamEventJson } from '../../../src/lib/samples/clickstream';

const OPTIONS: Partial<FlattenOptions> = {
  keyColumns: ['id', 'b__id'],
  eventTimeColumn: 'ts',
  maxDepth: 3,
  drop: ['secret'],
  hash: ['email'],
  hashKey: 'test-key',
};

function reference(text: string, options: Partial<FlattenOptions>): string {
  return `${encodeFlatRow(flattenDocument(parseRecord(text), new FlattenPlan(options)).row)}\n`;
}

/** JSON objects with keys chosen to collide, nest, repeat and hit the configured rules. */
const keyArb = fc.constantFrom(
  'id',
  'a',
  'b',
  'A',
  'userId',
  'user_id',
  'ts',
  'secret',
  'email',
  '__proto__',
  'é',
  '名',
  'a b',
  '',
);
const valueArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false),
    fc.string(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
    fc.array(tie('value'), { maxLength: 3 }),
    tie('object'),
  ),
  object: fc.array(fc.tuple(fc.oneof(keyArb, fc.string()), tie('value')), { maxLength: 5 }),
}));
function render(value: unknown, space: string): string {
  if (typeof value === 'bigint') return value.toString();
  if (
    Array.isArray(value) &&
    value.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string')
  ) {
    return `{${space}${(value as Array<[string, unknown]>).map(([k, v]) => `${JSON.stringify(k)}${space}:${space}${render(v, space)}`).join(`,${space}`)}${space}}`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => render(v, space)).join(`,${space}`)}]`;
  return JSON.stringify(value);
}
const documentArb = fc
  .tuple(valueArb.object, fc.constantFrom('', ' ', '\n\t'))
  .map(([entries, space]) => render(entries, space));

describe('RecordFlattener', () => {
  it('gives exactly the reference output for any object', () => {
    const flattener = new RecordFlattener(OPTIONS);
    fc.assert(
      fc.property(documentArb, (text) => {
        const line = flattener.flattenBytes(Buffer.from(text));
        expect(line.buffer.toString('utf8', line.start, line.end)).toBe(reference(text, OPTIONS));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the fast path for ordinary events, so the equivalence above is not vacuous', () => {
    const plan = new FlattenPlan({ keyColumns: ['event_id'], eventTimeColumn: 'event_time' });
    const fast = new FastFlattener(plan);
    for (let i = 0; i < 200; i++) {
      const text = clickstreamEventJson(i);
      expect(fast.flatten(Buffer.from(text))).toBe(true);
      expect(fast.output.toString('utf8', fast.outputStart, fast.outputEnd)).toBe(
        reference(text, plan.options),
      );
    }
  });

  it('falls back to the reference path on collisions and still keeps both values', () => {
    const line = new RecordFlattener().flattenText('{"userId":1,"user_id":2}');
    expect(line.collisions).toBe(1);
    expect(line.buffer.toString('utf8', line.start, line.end)).toMatch(/"user_id":2/);
  });

  it('returns the event time as written', () => {
    const flattener = new RecordFlattener({ eventTimeColumn: 'ts' });
    expect(flattener.flattenText('{"ts":"2024-01-02T03:04:05Z"}').eventTime).toBe('2024-01-02T03:04:05Z');
    expect(flattener.flattenText('{"ts":"2024-01-02T03:04:05\\u005a"}').eventTime).toBe(
      '2024-01-02T03:04:05Z',
    );
    expect(flattener.flattenText('{"ts":1700000000}').eventTime).toEqual({ raw: '1700000000' });
    expect(flattener.flattenText('{"x":1}').eventTime).toBeUndefined();
  });

  it('rejects what is not valid JSON exactly when JSON.parse does, and anything not an object', () => {
    const flattener = new RecordFlattener();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          documentArb.map((t) => t.slice(0, -1)),
        ),
        (text) => {
          let expected: string | undefined;
          try {
            const parsed = JSON.parse(text);
            if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
              expected = DecodeFailure.notObject;
          } catch {
            expected = DecodeFailure.json;
          }
          let actual: string | undefined;
          try {
            flattener.flattenText(text);
          } catch (error) {
            expect(error).toBeInstanceOf(RecordDecodeError);
            actual = (error as RecordDecodeError).reason;
          }
          expect(actual).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('rejects invalid UTF-8', () => {
    expect(() =>
      new RecordFlattener().flattenBytes(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
    ).toThrow(expect.objectContaining({ reason: DecodeFailure.utf8 }));
  });

  it('handles records larger than its scratch buffers', () => {
    const big = JSON.stringify({
      id: 'k',
      blob: 'x'.repeat(300_000),
      nested: { list: Array.from({ length: 5000 }, (_, i) => i) },
    });
    const flattener = new RecordFlattener({ keyColumns: ['id'] });
    const line = flattener.flattenText(big);
    expect(line.buffer.toString('utf8', line.start, line.end)).toBe(reference(big, { keyColumns: ['id'] }));
  });

  it('keeps memory bounded when every record brings new keys', () => {
    const flattener = new RecordFlattener();
    for (let i = 0; i < 30_000; i++) {
      const line = flattener.flattenText(`{"k${i}":${i}}`);
      expect(line.buffer.toString('utf8', line.start, line.end)).toBe(`{"k${i}":${i}}\n`);
    }
  });

  it('handles deeply nested input without overflowing the stack', () => {
    const deep = `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(() => new RecordFlattener().flattenText(deep)).toThrow(
      expect.objectContaining({ reason: DecodeFailure.json }),
    );
  });
});

describe('RecordFlattener with declared column types', () => {
  const typed = (columns: Array<[string, string]>): Partial<FlattenOptions> => ({
    keyColumns: ['id'],
    columnTypes: columns.map(([name, type]) => ({ name, type: parseColumnType(type) })),
  });
  const OPTIONS_TYPED = typed([
    ['id', 'string'],
    ['note', 'string'],
    ['ratio', 'double'],
    ['small', 'int'],
    ['big', 'bigint'],
    ['amount', 'decimal(12,2)'],
  ]);

  /** The error flattening gives; with `rowId`, from the reference path alone. */
  function failure(text: string, rowId?: string): RecordDecodeError | undefined {
    try {
      new RecordFlattener(OPTIONS_TYPED).flattenText(text, rowId);
      return undefined;
    } catch (error) {
      if (error instanceof RecordDecodeError) return error;
      throw error;
    }
  }

  it.each([
    ['{"id":"a","note":"\\ud800x"}', 'note', 'lone surrogate'],
    ['{"id":"a","n":{"o":1},"note":"x\\udc00"}', 'note', 'lone surrogate'],
    ['{"id":"a","ratio":1e400}', 'ratio', 'overflows a double'],
    ['{"id":"a","ratio":-1E+400}', 'ratio', 'overflows a double'],
    ['{"id":"a","ratio":1e-400}', 'ratio', 'underflows a double'],
    [`{"id":"a","ratio":0.${'0'.repeat(330)}1}`, 'ratio', 'underflows a double'],
    ['{"id":"a","small":1.5}', 'small', 'int'],
    ['{"id":"a","small":2147483648}', 'small', 'int'],
    ['{"id":"a","big":9223372036854775808}', 'big', 'bigint'],
    ['{"id":"a","big":1e3}', 'big', 'bigint'],
    ['{"id":"a","amount":1.005}', 'amount', 'decimal(12,2)'],
    ['{"id":"a","amount":12345678901}', 'amount', 'decimal(12,2)'],
  ])('fails %s, naming column %s, instead of letting Firehose store it altered', (text, column, kind) => {
    const error = failure(text);
    expect(failure(text, 'reference')?.message).toBe(error?.message);
    expect(error?.reason).toBe(DecodeFailure.value);
    expect(error?.message).toContain(`Column ${column}`);
    expect(error?.message).toContain(kind);
    const written = new RegExp(`"${column}":([^,}]+)`).exec(text)![1]!;
    expect(error?.message).not.toContain(written);
  });

  it.each([
    [
      '{"id":"a","note":"\\ud83d\\ude00","ratio":1.5e3,"small":-2147483648,"big":9223372036854775807,"amount":1.50}',
    ],
    ['{"id":"a","ratio":0,"small":"seven","amount":-9999999999.99}'],
    ['{"id":"a","other":"\\ud800","ratio":null}'],
    ['{"id":"a","ratio":0.1,"small":42,"big":-12,"amount":12.5,"note":"plain"}'],
    [`{"id":"a","ratio":0.${'0'.repeat(301)}1,"amount":1.500000}`],
  ])('passes %s, which its columns hold exactly or Firehose itself refuses', (text) => {
    expect(failure(text)).toBeUndefined();
  });

  it('answers on the fast path only for records the reference path passes, with the same bytes', () => {
    const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{1,${max}}$`));
    const numberText = fc
      .tuple(fc.boolean(), digits(22), fc.option(digits(12)), fc.option(fc.integer({ min: -400, max: 400 })))
      .map(
        ([negative, whole, fraction, exponent]) =>
          `${negative ? '-' : ''}${whole.replace(/^0+(?=\d)/, '')}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : `e${exponent}`}`,
      );
    const member = fc.oneof(
      fc.tuple(fc.constantFrom('ratio', 'small', 'big', 'amount', 'other'), numberText),
      fc
        .tuple(fc.constantFrom('note', 'other'), fc.oneof(fc.string(), fc.constantFrom('\ud800', '\udfff!')))
        .map(([name, text]) => [name, JSON.stringify(text)] as const),
    );
    const fast = new FastFlattener(new FlattenPlan(OPTIONS_TYPED));
    fc.assert(
      fc.property(fc.uniqueArray(member, { selector: ([name]) => name, maxLength: 6 }), (members) => {
        const text = `{"id":"a"${members.map(([name, value]) => `,"${name}":${value}`).join('')}}`;
        if (!fast.flatten(Buffer.from(text))) return;
        const answered = fast.output.toString('utf8', fast.outputStart, fast.outputEnd);
        expect(failure(text, 'reference')).toBeUndefined();
        expect(answered).toBe(reference(text, OPTIONS_TYPED));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps ordinary typed numbers on the fast path', () => {
    const fast = new FastFlattener(new FlattenPlan(OPTIONS_TYPED));
    const text =
      '{"id":"a","ratio":-12.125,"small":123456789,"big":-123456789012345678,"amount":9999999999.99}';
    expect(fast.flatten(Buffer.from(text))).toBe(true);
    expect(fast.output.toString('utf8', fast.outputStart, fast.outputEnd)).toBe(
      reference(text, OPTIONS_TYPED),
    );
  });
});
