import { Readable } from 'node:stream';
import fc from 'fast-check';
import { AthenaCsvError, readAthenaCsv, writeAthenaCsv } from '../../../src/lib/loading/athena-csv';
import type { ResultRow } from '../../../src/lib/loading/types';

async function read(
  chunks: ReadonlyArray<string | Buffer>,
  options?: Parameters<typeof readAthenaCsv>[1],
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const stream = Readable.from(
    chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)),
  );
  for await (const row of readAthenaCsv(stream, options)) rows.push(row);
  return rows;
}

/** The input cut into pieces at the given byte offsets, splitting multi-byte characters too. */
function cut(text: string, offsets: readonly number[]): Buffer[] {
  const bytes = Buffer.from(text);
  const points = [...new Set(offsets.map((offset) => offset % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

describe('readAthenaCsv', () => {
  it.each<[string, string, ResultRow[]]>([
    [
      'NULL (empty, unquoted) apart from the empty string ("")',
      '"id","name","note"\n"1","a",\n"2","",""\n',
      [
        ['1', 'a', null],
        ['2', '', ''],
      ],
    ],
    ['doubled quotes inside values', '"v"\n"say ""hi"""\n""""\n', [['say "hi"'], ['"']]],
    [
      'commas, newlines and carriage returns inside quoted values',
      '"a","b"\n"x, y","line 1\nline 2\r\nline 3"\n',
      [['x, y', 'line 1\nline 2\r\nline 3']],
    ],
    [
      'unicode, including characters outside the BMP',
      '"v"\n"é ß 漢字 😀 \u0000"\n',
      [['é ß 漢字 😀 \u0000']],
    ],
    [
      'CRLF line endings',
      '"a","b"\r\n"1","2"\r\n"3",\r\n',
      [
        ['1', '2'],
        ['3', null],
      ],
    ],
    ['a last row without a final newline', '"a","b"\n"1","2"', [['1', '2']]],
    ['a last NULL without a final newline', '"a","b"\n"1",', [['1', null]]],
    [
      'a one-column result whose NULLs are empty lines',
      '"a"\n"1"\n\n"3"\n\n',
      [['1'], [null], ['3'], [null]],
    ],
    ['a header and no rows', '"a","b"\n', []],
    ['unquoted values, as RFC 4180 allows', '"a","b"\n12,x y\n', [['12', 'x y']]],
    ['a byte order mark before the header', '\ufeff"a"\n"1"\n', [['1']]],
    [
      'timestamps, decimals and bigints as Athena writes them',
      '"t","d","b"\n"2026-11-20 09:15:02.120","12345678901234567890123456789.1234567891","9223372036854775807"\n',
      [['2026-11-20 09:15:02.120', '12345678901234567890123456789.1234567891', '9223372036854775807']],
    ],
  ])('reads %s', async (_, input, rows) => {
    expect(await read([input])).toEqual(rows);
    // the same, fed one byte at a time
    expect(
      await read(
        cut(
          input,
          Array.from({ length: Buffer.byteLength(input) }, (__, i) => i),
        ),
      ),
    ).toEqual(rows);
  });

  it('checks the header against the expected columns', async () => {
    expect(await read(['"id","name"\n"1","a"\n'], { columns: ['id', 'name'] })).toEqual([['1', 'a']]);
    await expect(read(['"id","nom"\n"1","a"\n'], { columns: ['id', 'name'] })).rejects.toThrow(
      'Athena CSV header: columns ["id","nom"] differ from the result\'s ["id","name"]',
    );
  });

  it.each<[string, string, number, string]>([
    [
      'an unterminated quote',
      '"a"\n"1"\n"2\n',
      2,
      'the input ends inside a quoted field (unterminated quote)',
    ],
    ['too few fields', '"a","b"\n"1","2"\n"3"\n', 2, 'expected 2 fields as in the header, found 1'],
    ['too many fields', '"a"\n"1","2"\n', 1, "more fields than the header's 1"],
    ['text after a closing quote', '"a"\n"1"x\n', 1, 'unexpected "x" after the closing quote of field 1'],
    ['a quote inside an unquoted value', '"a"\nab"c"\n', 1, 'a quote inside unquoted field 1'],
    ['a lone carriage return', '"a","b"\n"1"\r"2"\n', 1, 'a carriage return not followed by a line feed'],
    ['an empty input', '', 0, 'no header row (the input is empty)'],
    ['an empty column name', '"a",""\n', 0, 'a column name is empty in ["a",""]'],
  ])('rejects %s, naming the row', async (_, input, row, reason) => {
    const failure = read([input], { source: 's3://results/q.csv' });
    await expect(failure).rejects.toThrow(AthenaCsvError);
    await expect(failure).rejects.toMatchObject({ row, reason });
    await expect(failure).rejects.toThrow(
      `Athena CSV s3://results/q.csv ${row === 0 ? 'header' : `row ${row}`}: ${reason}`,
    );
  });

  it('yields the rows before a malformed one, then fails', async () => {
    const rows: ResultRow[] = [];
    const failure = (async () => {
      for await (const row of readAthenaCsv(Readable.from([Buffer.from('"a"\n"1"\n"2"\n"3\n')])))
        rows.push(row);
    })();
    await expect(failure).rejects.toThrow('row 3');
    expect(rows).toEqual([['1'], ['2']]);
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x80])],
    ['a truncated two-byte character', Buffer.from([0xc3])],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
    ['a UTF-16 surrogate', Buffer.from([0xed, 0xa0, 0x80])],
  ])(
    'refuses %s instead of storing U+FFFD, naming the row, however the bytes are cut',
    async (_label, bad) => {
      const bytes = Buffer.concat([Buffer.from('"a"\n"café"\n"x'), bad, Buffer.from('y"\n"é"\n')]);
      for (let at = 0; at <= bytes.length; at++) {
        const rows: ResultRow[] = [];
        const failure = (async () => {
          for await (const row of readAthenaCsv(Readable.from([bytes.subarray(0, at), bytes.subarray(at)])))
            rows.push(row);
        })();
        await expect(failure).rejects.toThrow('row 2: bytes that are not valid UTF-8');
        expect(rows).toEqual([['café']]);
      }
    },
  );

  it('refuses a character cut off by the end of the input', async () => {
    const bytes = Buffer.concat([Buffer.from('"a"\n"x'), Buffer.from([0xe2, 0x82])]);
    await expect(read([bytes])).rejects.toThrow('bytes that are not valid UTF-8');
  });

  it('refuses a row longer than the limit instead of holding it', async () => {
    const huge = `"a"\n"${'x'.repeat(5000)}"\n`;
    await expect(read(cut(huge, [100, 2000, 4000]), { maxRowLength: 1000 })).rejects.toThrow(
      'row 1: longer than 1000 characters',
    );
  });

  it('round-trips any rows written as Athena writes them, however the bytes are cut', async () => {
    const value = fc.option(
      fc.oneof(
        fc.string({ unit: fc.constantFrom('a', 'é', '😀', '"', ',', '\n', '\r', ' ', '\\', '\t') }),
        fc.string({ unit: 'binary' }),
      ),
      { nil: null },
    );
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 5 })
          .chain((width) =>
            fc.tuple(
              fc.constant(Array.from({ length: width }, (_, i) => `c${i}`)),
              fc.array(fc.array(value, { minLength: width, maxLength: width }), { maxLength: 20 }),
              fc.array(fc.nat(), { maxLength: 8 }),
            ),
          ),
        async ([columns, rows, offsets]) => {
          const text = writeAthenaCsv(columns, rows);
          expect(await read(cut(text, offsets), { columns })).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('writeAthenaCsv', () => {
  it('quotes every value and the header, leaves NULL empty', () => {
    expect(
      writeAthenaCsv(
        ['id', 'note'],
        [
          ['1', null],
          ['2', 'say "hi"'],
        ],
      ),
    ).toBe('"id","note"\n"1",\n"2","say ""hi"""\n');
  });
});
