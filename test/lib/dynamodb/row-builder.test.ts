import fc from 'fast-check';
import { DynamoRowBuilder } from '../../../src/lib/dynamodb/row-builder';
import { ValueConversionError } from '../../../src/lib/parquet/coerce';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import { stringArb } from '../../support/dynamodb';

const table = parsePipeline({
  database: 'lake',
  dynamodb: [
    {
      name: 'readings',
      keys: ['id'],
      columns: [
        { name: 'id', type: 'string' },
        { name: 'note', type: 'string' },
        { name: 'ratio', type: 'double' },
        { name: 'seen_at', type: 'timestamp' },
        { name: 'count', type: 'bigint' },
      ],
    },
  ],
}).dynamodb[0]!;

const MIN_NORMAL = 2.2250738585072014e-308;
const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{1,${max}}$`));
const numberText = fc
  .tuple(fc.boolean(), digits(20), fc.option(digits(20)), fc.option(fc.integer({ min: -420, max: 420 })))
  .map(
    ([negative, whole, fraction, exponent]) =>
      `${negative ? '-' : ''}${whole.replace(/^0+(?=\d)/, '')}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : `E${exponent}`}`,
  );
const epochText = fc.oneof(
  fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }).map(String),
  fc.stringMatching(/^1[0-9]{12}(?:[0-9]{3}){0,2}$/),
  fc.tuple(fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }), digits(9)).map(([s, f]) => `${s}.${f}`),
);
const item = fc.record(
  {
    note: stringArb.map((S) => ({ S })),
    ratio: numberText.map((N) => ({ N })),
    seen_at: fc.oneof(
      stringArb.map((S) => ({ S })),
      epochText.map((N) => ({ N })),
    ),
    count: numberText.map((N) => ({ N })),
  },
  { requiredKeys: [] },
);

/** Milliseconds the text names when nothing finer than a millisecond is lost, else undefined. */
function exactMillis(text: string): number | undefined {
  const iso = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text);
  if (iso) {
    const fraction = iso[2] ?? '';
    if (/[1-9]/.test(fraction.slice(3))) return undefined;
    return Date.parse(`${iso[1]}.${fraction.slice(0, 3).padEnd(3, '0')}Z`);
  }
  const [whole, fraction = ''] = text.split('.');
  const shift = whole!.length <= 11 ? 3 : whole!.length <= 14 ? 0 : whole!.length <= 17 ? -3 : -6;
  const all = `${whole}${fraction}`;
  const point = whole!.length + shift;
  if (/[1-9]/.test(all.slice(point))) return undefined;
  return Number(all.slice(0, point).padEnd(point, '0'));
}

describe('DynamoRowBuilder', () => {
  it('stores every value exactly as written, or quarantines its line naming the column', () => {
    const builder = new DynamoRowBuilder(table, undefined);
    const at = (name: string) => builder.columns.findIndex((c) => c.name === name);
    fc.assert(
      fc.property(item, (attributes) => {
        const line = Buffer.from(
          JSON.stringify({
            eventName: 'INSERT',
            eventID: 'e',
            sequenceNumber: '100',
            approximateCreationTime: 1795167000,
            keys: { id: { S: 'k' } },
            newImage: { id: { S: 'k' }, ...attributes },
          }),
        );
        let row: ReturnType<DynamoRowBuilder['fromChangeLine']>;
        try {
          row = builder.fromChangeLine(line);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          if (error instanceof ValueConversionError) expect(Object.keys(attributes)).toContain(error.column);
          return;
        }
        if (attributes.note) {
          expect(row[at('note')]).toBe(attributes.note.S);
          expect(Buffer.from(attributes.note.S).toString()).toBe(attributes.note.S);
        }
        if (attributes.ratio) {
          const stored = row[at('ratio')] as number;
          expect(stored).toBe(Number(attributes.ratio.N));
          expect(Number.isFinite(stored)).toBe(true);
          if (stored === 0) expect(attributes.ratio.N.split(/e/i)[0]).not.toMatch(/[1-9]/);
          else expect(Math.abs(stored)).toBeGreaterThanOrEqual(MIN_NORMAL);
        }
        if (attributes.count) expect(row[at('count')]).toBe(BigInt(attributes.count.N));
        if (attributes.seen_at) {
          const text = 'S' in attributes.seen_at ? attributes.seen_at.S : attributes.seen_at.N;
          expect(row[at('seen_at')]).toBe(BigInt(exactMillis(text)!));
        }
      }),
      { numRuns: 1500 },
    );
  });
});
