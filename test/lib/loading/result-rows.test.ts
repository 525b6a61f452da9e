import fc from 'fast-check';
import { InexactValueError, RowShapeError } from '../../../src/lib/loading/errors';
import { valueChecks } from '../../../src/lib/loading/exact-values';
import { encodeTextRows, ResultRows } from '../../../src/lib/loading/result-rows';
import type { ResultColumn, ResultRow } from '../../../src/lib/loading/types';

async function* from(rows: readonly ResultRow[]): AsyncGenerator<ResultRow> {
  yield* rows;
}

async function encode(
  columns: readonly ResultColumn[],
  rows: readonly ResultRow[],
  dialect: 'mysql' | 'postgres' = 'mysql',
) {
  const chunks: Buffer[] = [];
  for await (const chunk of encodeTextRows(dialect, columns, from(rows))) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** How MySQL's LOAD DATA (ESCAPED BY '\\') and PostgreSQL's COPY text format read a line back. */
function decode(text: string): Array<Array<string | null>> {
  const escaped: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', '0': '\0' };
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) =>
      line
        .split('\t')
        .map((field) => (field === '\\N' ? null : field.replace(/\\(.)/g, (_, c: string) => escaped[c]!))),
    );
}

const strings = (count: number): ResultColumn[] =>
  Array.from({ length: count }, (_, i) => ({ name: `c${i}`, type: { kind: 'string' } }));

describe('encodeTextRows', () => {
  it.each<[string, string | null, string]>([
    ['NULL', null, '\\N'],
    ['the empty string', '', ''],
    ['a literal \\N', '\\N', '\\\\N'],
    ['a tab', 'a\tb', 'a\\tb'],
    ['a newline', 'a\nb', 'a\\nb'],
    ['a carriage return', 'a\r\nb', 'a\\r\\nb'],
    ['a backslash', 'C:\\temp', 'C:\\\\temp'],
    ['a NUL', 'a\u0000b', 'a\\0b'],
    ['unicode', 'é 漢字 😀', 'é 漢字 😀'],
    ['quotes and commas', 'say "hi", \'you\'', 'say "hi", \'you\''],
  ])('writes %s so that it reads back as itself', async (_, value, written) => {
    expect(await encode(strings(2), [[value, 'x']])).toBe(`${written}\tx\n`);
  });

  it('writes booleans as 1 and 0 for MySQL, as they are for PostgreSQL', async () => {
    const columns: ResultColumn[] = [{ name: 'b', type: { kind: 'boolean' } }];
    const rows = [['true'], ['false'], [null], ['maybe']];
    expect(await encode(columns, rows, 'mysql')).toBe('1\n0\n\\N\nmaybe\n');
    expect(await encode(columns, rows, 'postgres')).toBe('true\nfalse\n\\N\nmaybe\n');
  });

  it('writes chunks of bounded size however many rows there are', async () => {
    const sizes: number[] = [];
    for await (const chunk of encodeTextRows(
      'mysql',
      strings(1),
      from(Array.from({ length: 20_000 }, () => ['x'.repeat(50)])),
    ))
      sizes.push(chunk.length);
    expect(sizes.length).toBeGreaterThan(3);
    expect(Math.max(...sizes)).toBeLessThan(256 * 1024);
  });

  it('writes a row longer than a chunk whole, multi-byte characters included', async () => {
    const long = 'Ł€😀\t'.repeat(100_000);
    const rows = [['a'], [long], ['b']];
    expect(await encode(strings(1), rows)).toBe(`a\n${long.replaceAll('\t', '\\t')}\nb\n`);
  });

  it('round-trips any values through the text format', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }).chain((width) =>
          fc.tuple(
            fc.constant(width),
            fc.array(
              fc.array(
                fc.option(
                  fc.string({
                    unit: fc.constantFrom('a', '\\', 'N', '\t', '\n', '\r', '\0', 'é', '😀', ' '),
                  }),
                  {
                    nil: null,
                  },
                ),
                { minLength: width, maxLength: width },
              ),
              { maxLength: 30 },
            ),
          ),
        ),
        async ([width, rows]) => {
          expect(decode(await encode(strings(width), rows))).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });
});

const textColumns = (count: number): ResultColumn[] =>
  Array.from({ length: count }, (_, i) => ({ name: `c${i}`, type: { kind: 'string' } }));

describe('ResultRows', () => {
  it('counts the rows it passes on', async () => {
    const rows = new ResultRows(from([['1'], ['2']]), textColumns(1));
    const seen: ResultRow[] = [];
    for await (const row of rows) seen.push(row);
    expect(seen).toEqual([['1'], ['2']]);
    expect(rows.count).toBe(2);
    expect(rows.failure).toBeUndefined();
  });

  it('fails on a row of the wrong width, naming it, and keeps the failure', async () => {
    const rows = new ResultRows(from([['1', 'a'], ['2']]), textColumns(2));
    const failure = (async () => {
      for await (const _ of rows);
    })();
    await expect(failure).rejects.toThrow(new RowShapeError(2, 2, 1));
    expect(rows.failure?.error).toBeInstanceOf(RowShapeError);
  });

  it("keeps the source's own error", async () => {
    const broken = new Error('connection reset');
    const rows = new ResultRows(
      (async function* () {
        yield ['1'];
        throw broken;
      })(),
      textColumns(1),
    );
    await expect(
      (async () => {
        for await (const _ of rows);
      })(),
    ).rejects.toBe(broken);
    expect(rows.failure).toEqual({ error: broken });
    expect(rows.count).toBe(1);
  });

  it('fails on a value its column cannot hold exactly, naming row and column, keeping the value out of the message', async () => {
    const columns: ResultColumn[] = [{ name: 'total', type: { kind: 'decimal', precision: 18, scale: 2 } }];
    const rows = new ResultRows(
      from([['1.00'], ['1.005']]),
      columns,
      valueChecks('postgres', columns),
      'sales',
    );
    const failure = (async () => {
      for await (const _ of rows);
    })();
    await expect(failure).rejects.toThrow(InexactValueError);
    await expect(failure).rejects.toThrow('Result row 2, column total: more than the 2 decimal places');
    const error = (await failure.catch((e: unknown) => e)) as InexactValueError;
    expect(`${error.message} ${JSON.stringify(error)} ${error.stack}`).not.toContain('1.005');
    expect(error.value).toBe('1.005');
    expect(rows.count).toBe(1);
  });
});
