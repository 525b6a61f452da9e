import { type ColumnSpec, parseColumnType } from '../../../src/lib/columns/column-types';
import { JsonNumber } from '../../../src/lib/flattening/json-value';
import { converterFor, ValueConversionError } from '../../../src/lib/parquet/coerce';

const column = (type: string, name = 'reading'): ColumnSpec => ({ name, type: parseColumnType(type) });

/** The error a conversion throws, or undefined when it converts. */
function failure(convert: (value: unknown) => unknown, value: unknown): ValueConversionError | undefined {
  try {
    convert(value);
    return undefined;
  } catch (error) {
    if (error instanceof ValueConversionError) return error;
    throw error;
  }
}

describe('converterFor', () => {
  describe('double', () => {
    const toDouble = converterFor(column('double'));

    it.each([
      ['1e400', 'overflows'],
      ['-1e400', 'overflows'],
      ['1e-400', 'underflows'],
      ['-2.5e-330', 'underflows'],
      ['4e-320', 'underflows'],
    ])('fails %s, which a double would hold only as infinity, zero or a subnormal', (raw, kind) => {
      const error = failure(toDouble, new JsonNumber(raw));
      expect(error?.message).toContain('reading');
      expect(error?.message).toContain(kind);
      expect(error?.message).not.toContain(raw);
    });

    it.each([
      ['0', 0],
      ['-0.000', -0],
      ['0e999', 0],
      ['1.7976931348623157e308', 1.7976931348623157e308],
      ['2.2250738585072014e-308', 2.2250738585072014e-308],
      ['-12.5', -12.5],
      ['0.1', 0.1],
    ])('stores %s as its nearest double', (raw, expected) => {
      expect(toDouble(new JsonNumber(raw))).toBe(expected);
    });
  });

  describe('string', () => {
    const toText = converterFor(column('string', 'note'));

    it.each([['\ud800x'], ['x\udc00'], ['\udbff'], ['a\udc00\ud800b']])(
      'fails %j, a lone surrogate UTF-8 cannot encode, instead of storing U+FFFD',
      (text) => {
        const error = failure(toText, text);
        expect(error?.message).toContain('note');
        expect(error?.message).toContain('lone surrogate');
      },
    );

    it.each([['\ud83d\ude00'], ['caf\u00e9'], ['\ufffd'], ['']])('keeps %j as it is', (text) => {
      expect(toText(text)).toBe(text);
    });
  });

  describe('timestamp, as the lake writer stores it (milliseconds)', () => {
    const toTimestamp = converterFor(column('timestamp', 'seen_at'));
    const at = Date.UTC(2026, 10, 20, 9, 15, 2, 123);

    it.each([
      ['2026-11-20T09:15:02.1234Z'],
      ['2026-11-20T09:15:02.123456Z'],
      ['2026-11-20T09:15:02.123456789Z'],
      ['2026-11-20 09:15:02.123001'],
      ['1795165200123456'],
      ['1795165200123456789'],
      ['1795165200.1234'],
      ['1795165200123.5'],
    ])('fails %s, whose digits below the millisecond the column cannot hold', (text) => {
      for (const value of [text, ...(/^[\d.]+$/.test(text) ? [new JsonNumber(text)] : [])]) {
        const error = failure(toTimestamp, value);
        expect(error?.message).toContain('seen_at');
        expect(error?.message).toContain('finer than milliseconds');
        expect(error?.message).not.toContain(text);
      }
    });

    it.each([
      ['2026-11-20T09:15:02.123Z', at],
      ['2026-11-20T09:15:02.123000Z', at],
      ['2026-11-20T09:15:02.123000000Z', at],
      ['2026-11-20T09:15:02Z', at - 123],
    ])('stores %s exactly', (text, expected) => {
      expect(toTimestamp(text)).toBe(BigInt(expected));
    });

    it.each([
      ['1795165200', 1795165200000],
      ['1795165200.123', 1795165200123],
      ['1795165200123', 1795165200123],
      ['1795165200123000', 1795165200123],
      ['1795165200123000000', 1795165200123],
    ])('stores the epoch number %s exactly', (raw, expected) => {
      expect(toTimestamp(new JsonNumber(raw))).toBe(BigInt(expected));
      expect(toTimestamp(raw)).toBe(BigInt(expected));
    });
  });

  describe('timestamp, as Firehose reads it (OpenX JSON SerDe)', () => {
    const toTimestamp = converterFor(column('timestamp', 'seen_at'), { timestamps: 'firehose' });

    it.each([
      ['2026-11-20T09:15:02.123456789Z', Date.UTC(2026, 10, 20, 9, 15, 2, 123)],
      ['2026-11-20T09:15:02.1234Z', Date.UTC(2026, 10, 20, 9, 15, 2, 123)],
      ['2026-11-20 09:15:02.99999', Date.UTC(2026, 10, 20, 9, 15, 2, 999)],
      ['1795165200', 1795165200000],
      ['1795165200123', 1795165200123],
      ['1795165200.123', 1795165200123],
    ])('reads %s as Athena shows it, to the millisecond', (text, expected) => {
      expect(toTimestamp(text)).toBe(BigInt(expected));
    });

    it.each([['2026-11-20T09:15:02.1234567891Z'], ['1795165200123456'], ['1795165200123456789']])(
      'fails %s, which is none of the forms Firehose reads',
      (text) => {
        const error = failure(toTimestamp, text);
        expect(error?.message).toContain('seen_at');
      },
    );
  });
});
