import type { ColumnType } from '../../../src/lib/columns/column-types';
import {
  DatabaseUnavailableError,
  DuplicateKeyError,
  EmptyReplaceError,
  InexactValueError,
  LoadRequestError,
  RowShapeError,
  SchemaMismatchError,
} from '../../../src/lib/loading/errors';
import { IdentifierError } from '../../../src/lib/loading/identifiers';
import type {
  Dialect,
  LoadMode,
  QueryResult,
  ResultColumn,
  ResultRow,
  TableLoader,
} from '../../../src/lib/loading/types';
import { toUnscaledDecimal } from '../../../src/lib/parquet/coerce';
import { uniqueTableName } from '../../support/databases';

/** What the shared scenarios need from one database: its loader, and a second connection to check with. */
export interface LoaderHarness {
  readonly dialect: Dialect;
  open(): Promise<void>;
  close(): Promise<void>;
  loader(): TableLoader;
  /** Rows as the database returns them, ordered by `orderBy`. */
  rows(table: string, orderBy: readonly string[]): Promise<Array<Record<string, unknown>>>;
  /** The first row of a query, its values as text. */
  first(sql: string): Promise<Array<string | null>>;
  /** Column name → type as the database reports it (lowercase, without integer display widths). */
  columnTypes(table: string): Promise<Record<string, string>>;
  /** Persistent tables whose names start with `prefix`. */
  tables(prefix: string): Promise<string[]>;
  /** Whether the loader's own session sees a table (temporary staging tables included). */
  loaderSees(table: string): Promise<boolean>;
  run(sql: string): Promise<void>;
  /** Statements the loader ran since the last call. */
  takeStatements(): string[];
  /** Server databases: another loader on its own connection, closed by the caller. */
  openLoader?(): Promise<TableLoader>;
  /** Server databases: ends a loader's session from outside, as a failover or a network cut would. */
  killSession?(loader: TableLoader): Promise<void>;
  /** How replace changes an existing table: a new table renamed into place, or TRUNCATE in a transaction. */
  readonly replaceBy: 'swap' | 'truncate';
  /** Types the loader should declare, by ColumnType kind (`key string` for a string key column). */
  readonly expectedTypes: Readonly<Record<string, string>>;
}

const type = {
  string: { kind: 'string' },
  bigint: { kind: 'bigint' },
  int: { kind: 'int' },
  double: { kind: 'double' },
  boolean: { kind: 'boolean' },
  timestamp: { kind: 'timestamp' },
  date: { kind: 'date' },
  decimal: (precision: number, scale: number) => ({ kind: 'decimal', precision, scale }),
} as const satisfies Record<string, ColumnType | ((p: number, s: number) => ColumnType)>;

export function result(columns: readonly ResultColumn[], rows: Iterable<ResultRow>): QueryResult {
  return {
    columns,
    rows: (async function* () {
      yield* rows;
    })(),
  };
}

/** Rows that break after `count` of them, as a dropped S3 stream would. */
export function breakingRows(
  rows: readonly ResultRow[],
  count: number,
  error: Error,
): AsyncIterable<ResultRow> {
  return (async function* () {
    yield* rows.slice(0, count);
    throw error;
  })();
}

/** A value as text in one canonical spelling per type, whatever the database returned. */
export function canonical(columnType: ColumnType, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = value instanceof Date ? value.toISOString() : String(value);
  switch (columnType.kind) {
    case 'boolean':
      return ['1', 't', 'true'].includes(text) ? 'true' : ['0', 'f', 'false'].includes(text) ? 'false' : text;
    case 'double':
      return String(Number(text));
    case 'timestamp': {
      const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(text);
      return match ? `${match[1]} ${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}` : text;
    }
    case 'decimal':
      return String(toUnscaledDecimal(text, 38, columnType.scale) ?? text);
    default:
      return text;
  }
}

const ALL_TYPES: ResultColumn[] = [
  { name: 'id', type: type.bigint },
  { name: 'code', type: type.string },
  { name: 'note', type: type.string },
  { name: 'amount', type: type.decimal(38, 10) },
  { name: 'score', type: type.double },
  { name: 'quantity', type: type.int },
  { name: 'active', type: type.boolean },
  { name: 'created_at', type: type.timestamp },
  { name: 'day', type: type.date },
];

const TRICKY_STRINGS = [
  'plain',
  '',
  'tab\there',
  'line\nbreak',
  'crlf\r\nend',
  'back\\slash',
  '\\N',
  '\\t not a tab',
  "quote \" and 'apostrophe'",
  'comma, semicolon; pipe|',
  'unicode: é ß 漢字 😀',
  'nul\u0000byte',
  ' leading and trailing spaces ',
];

function allTypesRow(id: number, overrides: Partial<Record<string, string | null>> = {}): ResultRow {
  const values: Record<string, string | null> = {
    id: String(id),
    code: `c${id}`,
    note: `note ${id}`,
    amount: `${id}.1234567890`,
    score: '0.1',
    quantity: String(id * 10),
    active: id % 2 === 0 ? 'true' : 'false',
    created_at: '2026-11-20 09:15:02.120',
    day: '2026-11-20',
    ...overrides,
  };
  return ALL_TYPES.map((column) => values[column.name] ?? null);
}

/**
 * Loader behaviour every dialect must show. Each database's test file supplies a harness; the
 * scenarios use unique table names and drop everything they made.
 */
export function describeLoaderScenarios(harness: LoaderHarness): void {
  const made: string[] = [];
  const newTable = (label: string) => {
    const name = uniqueTableName(`ld_${label}`);
    made.push(name);
    return name;
  };
  const load = (table: string, mode: LoadMode, keys: readonly string[], loaded: QueryResult) =>
    harness.loader().load({ table, mode, keys, result: loaded });
  const snapshot = async (table: string, columns: readonly ResultColumn[], orderBy: readonly string[]) =>
    (await harness.rows(table, orderBy)).map((row) =>
      Object.fromEntries(columns.map((column) => [column.name, canonical(column.type, row[column.name])])),
    );
  const expected = (columns: readonly ResultColumn[], rows: readonly ResultRow[]) =>
    rows.map((row) =>
      Object.fromEntries(columns.map((column, i) => [column.name, canonical(column.type, row[i])])),
    );
  /** No table beside the target, and none of the scratch tables the loader made still visible to it. */
  const expectNoScratchTables = async (table: string) => {
    expect((await harness.tables(table)).filter((name) => name !== table)).toEqual([]);
    const scratch = harness
      .takeStatements()
      .flatMap((sql) => [
        ...sql.matchAll(/CREATE (?:TEMPORARY )?TABLE [`"]([a-z0-9_]+__[a-z]+_[0-9a-f]+)[`"]/g),
      ])
      .map((match) => match[1]!);
    for (const name of new Set(scratch)) expect(await harness.loaderSees(name)).toBe(false);
    return scratch.length;
  };

  beforeAll(() => harness.open(), 60_000);
  afterAll(async () => {
    for (const table of made) {
      for (const name of await harness.tables(table))
        await harness.run(`DROP TABLE IF EXISTS ${quote(name)}`);
    }
    await harness.close();
  }, 60_000);
  const quote = (name: string) => (harness.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);

  it('creates the table on the first load, with the dialect column types and a primary key', async () => {
    const table = newTable('create');
    const rows = [allTypesRow(1), allTypesRow(2)];
    const outcome = await load(table, 'merge', ['id', 'code'], result(ALL_TYPES, rows));
    expect(outcome).toEqual({ table, mode: 'merge', rows: 2, created: true });
    const types = harness.expectedTypes;
    expect(await harness.columnTypes(table)).toEqual({
      id: types.bigint,
      code: types['key string'],
      note: types.string,
      amount: types['decimal(38,10)'],
      score: types.double,
      quantity: types.int,
      active: types.boolean,
      created_at: types.timestamp,
      day: types.date,
    });
    expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(expected(ALL_TYPES, rows));
    await expectNoScratchTables(table);
  });

  it('keeps every value exactly: NULL apart from empty, escapes, unicode, 38-digit decimals, bigints past 2^53', async () => {
    const table = newTable('exact');
    // PostgreSQL's text type cannot hold NUL at all
    const strings = TRICKY_STRINGS.filter((s) => harness.dialect !== 'postgres' || !s.includes('\u0000'));
    const rows: ResultRow[] = [
      ...strings.map((note, i) => allTypesRow(i + 1, { note, code: note.slice(0, 200) })),
      allTypesRow(100, { note: null, amount: '1234567890123456789012345678.1234567891' }),
      allTypesRow(101, { amount: '-9999999999999999999999999999.9999999999', score: '1.0E-5' }),
      allTypesRow(102, { id: '9007199254740993', amount: '0.0000000001', score: '-1.7976931348623157E308' }),
      allTypesRow(103, {
        id: '9223372036854775807',
        quantity: '2147483647',
        created_at: '1970-01-01 00:00:00.000',
      }),
      allTypesRow(104, { id: '-9223372036854775808', quantity: '-2147483648', day: '9999-12-31' }),
      allTypesRow(105, {
        score: null,
        quantity: null,
        active: null,
        created_at: null,
        day: null,
        amount: null,
      }),
    ];
    await load(table, 'merge', ['id'], result(ALL_TYPES, rows));
    const stored = await snapshot(table, ALL_TYPES, ['id']);
    const wanted = expected(ALL_TYPES, rows);
    expect(stored).toEqual(
      [...wanted].sort((a, b) =>
        BigInt(a.id!) < BigInt(b.id!) ? -1 : BigInt(a.id!) > BigInt(b.id!) ? 1 : 0,
      ),
    );
    expect(stored.find((row) => row.id === '100')!.note).toBeNull();
    expect(stored.find((row) => row.id === '2')!.note).toBe('');
  });

  it('merges on a composite key: updates matching rows, inserts new ones, keeps the others', async () => {
    const table = newTable('merge');
    const columns: ResultColumn[] = [
      { name: 'tenant', type: type.string },
      { name: 'id', type: type.bigint },
      { name: 'total', type: type.decimal(18, 2) },
      { name: 'label', type: type.string },
    ];
    await load(
      table,
      'merge',
      ['tenant', 'id'],
      result(columns, [
        ['a', '1', '10.00', 'a1'],
        ['a', '2', '20.00', 'a2'],
        ['b', '1', '30.00', 'b1'],
      ]),
    );
    const outcome = await load(
      table,
      'merge',
      ['tenant', 'id'],
      result(columns, [
        ['a', '2', '21.50', 'a2 updated'],
        ['b', '2', '40.00', 'b2'],
      ]),
    );
    expect(outcome).toEqual({ table, mode: 'merge', rows: 2, created: false });
    expect(await snapshot(table, columns, ['tenant', 'id'])).toEqual(
      expected(columns, [
        ['a', '1', '10.00', 'a1'],
        ['a', '2', '21.50', 'a2 updated'],
        ['b', '1', '30.00', 'b1'],
        ['b', '2', '40.00', 'b2'],
      ]),
    );
    await expectNoScratchTables(table);
  });

  it('sets and clears NULLs in non-key columns on merge', async () => {
    const table = newTable('nulls');
    await load(
      table,
      'merge',
      ['id'],
      result(ALL_TYPES, [allTypesRow(1), allTypesRow(2, { note: null, score: null })]),
    );
    await load(
      table,
      'merge',
      ['id'],
      result(ALL_TYPES, [
        allTypesRow(1, { note: null, amount: null, day: null }),
        allTypesRow(2, { note: 'back' }),
      ]),
    );
    expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(
      expected(ALL_TYPES, [
        allTypesRow(1, { note: null, amount: null, day: null }),
        allTypesRow(2, { note: 'back' }),
      ]),
    );
  });

  it.each<LoadMode>(['merge', 'replace'])(
    'gives the same table when the same %s load runs again',
    async (mode) => {
      const table = newTable(`again_${mode}`);
      const rows = [allTypesRow(1), allTypesRow(2, { note: null }), allTypesRow(3, { note: 'x\ty' })];
      await load(table, mode, ['id'], result(ALL_TYPES, rows));
      const first = await snapshot(table, ALL_TYPES, ['id']);
      const outcome = await load(table, mode, ['id'], result(ALL_TYPES, rows));
      expect(outcome.created).toBe(false);
      expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(first);
      expect(first).toEqual(expected(ALL_TYPES, rows));
    },
  );

  it('replace makes the table exactly the result, in one step, with no scratch tables left', async () => {
    const table = newTable('replace');
    await load(table, 'replace', ['id'], result(ALL_TYPES, [allTypesRow(1), allTypesRow(2), allTypesRow(3)]));
    harness.takeStatements();
    const rows = [allTypesRow(2, { note: 'new two' }), allTypesRow(4)];
    const outcome = await load(table, 'replace', ['id'], result(ALL_TYPES, rows));
    expect(outcome).toEqual({ table, mode: 'replace', rows: 2, created: false });
    expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(expected(ALL_TYPES, rows));
    const step = harness.replaceBy === 'swap' ? /RENAME/i : /TRUNCATE/i;
    expect(harness.takeStatements().some((sql) => step.test(sql))).toBe(true);
    await load(table, 'replace', ['id'], result(ALL_TYPES, rows));
    await expectNoScratchTables(table);
  });

  it('insert appends rows', async () => {
    const table = newTable('insert');
    await load(table, 'insert', [], result(ALL_TYPES, [allTypesRow(1)]));
    const outcome = await load(table, 'insert', [], result(ALL_TYPES, [allTypesRow(1), allTypesRow(2)]));
    expect(outcome).toEqual({ table, mode: 'insert', rows: 2, created: false });
    expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(
      expected(ALL_TYPES, [allTypesRow(1), allTypesRow(1), allTypesRow(2)]),
    );
  });

  it('insert of a key the table already has fails and leaves the table as it was', async () => {
    const table = newTable('insert_key');
    await load(table, 'insert', ['id'], result(ALL_TYPES, [allTypesRow(1), allTypesRow(2)]));
    const before = await snapshot(table, ALL_TYPES, ['id']);
    await expect(
      load(table, 'insert', ['id'], result(ALL_TYPES, [allTypesRow(3), allTypesRow(2)])),
    ).rejects.toThrow(/duplicate|unique|primary key/i);
    expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(before);
  });

  describe('a failure in the middle of a load', () => {
    const existing = [allTypesRow(1), allTypesRow(2)];
    const incoming = Array.from({ length: 50 }, (_, i) => allTypesRow(i + 2, { note: 'changed' }));

    it.each<LoadMode>(['merge', 'replace', 'insert'])(
      'from the rows (a %s load) leaves the table exactly as it was and no staging table',
      async (mode) => {
        const table = newTable(`break_${mode}`);
        await load(table, 'merge', ['id'], result(ALL_TYPES, existing));
        const before = await snapshot(table, ALL_TYPES, ['id']);
        harness.takeStatements();
        const broken = new Error('S3 stream reset after 30 rows');
        await expect(
          harness.loader().load({
            table,
            mode,
            keys: ['id'],
            result: { columns: ALL_TYPES, rows: breakingRows(incoming, 30, broken) },
          }),
        ).rejects.toBe(broken);
        expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(before);
        const scratchTables = await expectNoScratchTables(table);
        // the failure struck after a scratch table was made, except where replace needs none
        if (mode !== 'replace' || harness.replaceBy === 'swap') expect(scratchTables).toBeGreaterThan(0);
      },
    );

    it('from the rows of a first load leaves no table at all', async () => {
      const table = newTable('break_new');
      harness.takeStatements();
      const broken = new Error('S3 stream reset');
      await expect(
        harness.loader().load({
          table,
          mode: 'merge',
          keys: ['id'],
          result: { columns: ALL_TYPES, rows: breakingRows(incoming, 30, broken) },
        }),
      ).rejects.toBe(broken);
      expect(await harness.tables(table)).toEqual([]);
      await expectNoScratchTables(table);
    });

    it.each<LoadMode>(['merge', 'replace', 'insert'])(
      'from a value that does not fit its column (a %s load) leaves the table as it was',
      async (mode) => {
        const table = newTable(`bad_${mode}`);
        await load(table, 'merge', ['id'], result(ALL_TYPES, existing));
        const before = await snapshot(table, ALL_TYPES, ['id']);
        harness.takeStatements();
        const rows = [
          ...incoming.slice(0, 20),
          allTypesRow(90, { quantity: 'not-a-number' }),
          ...incoming.slice(20),
        ];
        await expect(load(table, mode, ['id'], result(ALL_TYPES, rows))).rejects.toThrow(
          /^Result row \d+, column quantity: not a whole number/,
        );
        expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(before);
        await expectNoScratchTables(table);
      },
    );

    it('from a row with the wrong number of values names the row', async () => {
      const table = newTable('shape');
      await load(table, 'merge', ['id'], result(ALL_TYPES, existing));
      const before = await snapshot(table, ALL_TYPES, ['id']);
      const rows = [allTypesRow(5), allTypesRow(6).slice(0, 4)];
      const failure = load(table, 'merge', ['id'], result(ALL_TYPES, rows));
      await expect(failure).rejects.toThrow(RowShapeError);
      await expect(failure).rejects.toThrow('Result row 2 has 4 values, but the result has 9 columns');
      expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(before);
    });
  });

  it.each([
    ['a decimal with more places than its scale', { amount: '1.00500000001' }, 'amount'],
    ['a bigint with a fraction', { id: '1.5' }, 'id'],
    ['a bigint in exponent notation', { id: '1e3' }, 'id'],
    ['an int past its range', { quantity: '2147483648' }, 'quantity'],
    ['fractional seconds past milliseconds', { created_at: '2026-11-20 09:15:02.1234' }, 'created_at'],
    ['the hour 24', { created_at: '2026-11-20 24:00:00.000' }, 'created_at'],
    ['a day that does not exist', { day: '2026-02-30' }, 'day'],
    ['a double that underflows to zero', { score: '1e-400' }, 'score'],
    ['a double that overflows', { score: '1e400' }, 'score'],
    ['a boolean that is not true or false', { active: 'yes' }, 'active'],
  ])(
    'fails the load naming row and column, never the value, instead of storing %s altered',
    async (_label, override, column) => {
      const table = newTable('inexact');
      await load(table, 'merge', ['id'], result(ALL_TYPES, [allTypesRow(1)]));
      const before = await snapshot(table, ALL_TYPES, ['id']);
      const rows = [allTypesRow(2), allTypesRow(3, override)];
      const failure = load(table, 'merge', ['id'], result(ALL_TYPES, rows));
      await expect(failure).rejects.toThrow(InexactValueError);
      const error = (await failure.catch((e: unknown) => e)) as InexactValueError;
      expect(error.message).toMatch(new RegExp(`^Result row 2, column ${column}: `));
      expect(`${error.message}\n${JSON.stringify(error)}`).not.toContain(Object.values(override)[0]);
      expect(error.value).toBe(Object.values(override)[0]);
      expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(before);
    },
  );

  it('stores a decimal with trailing zeros past its scale and a zero fraction past milliseconds', async () => {
    const table = newTable('zeros');
    const rows = [allTypesRow(1, { amount: '1.500000000000', created_at: '2026-11-20 09:15:02.120000' })];
    await load(table, 'merge', ['id'], result(ALL_TYPES, rows));
    expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(
      expected(ALL_TYPES, [allTypesRow(1, { amount: '1.5', created_at: '2026-11-20 09:15:02.120' })]),
    );
  });

  const { openLoader, killSession } = harness;
  // an embedded database has no second connection to race with and no session to lose
  if (openLoader && killSession) describeServerFaults(openLoader, killSession);

  function describeServerFaults(
    openLoader: () => Promise<TableLoader>,
    killSession: (loader: TableLoader) => Promise<void>,
  ): void {
    it.each(['merge', 'replace'] as const)(
      'runs two %s loads into one new table one after the other, without a deadlock or a race to create it',
      async (mode) => {
        const table = newTable('concurrent');
        const loaders = [await openLoader(), await openLoader()];
        try {
          const batches = [1, 2].map((batch) =>
            Array.from({ length: 2000 }, (_, i) => allTypesRow(i + 1, { note: `batch ${batch}` })),
          );
          const outcomes = await Promise.all(
            loaders.map((loader, i) =>
              loader.load({ table, mode, keys: ['id'], result: result(ALL_TYPES, batches[i]!) }),
            ),
          );
          expect(outcomes.map((outcome) => outcome.created).sort()).toEqual([false, true]);
          const stored = await snapshot(table, ALL_TYPES, ['id']);
          expect(stored).toHaveLength(2000);
          // one load won whole: every row carries the same batch
          expect(new Set(stored.map((row) => row.note)).size).toBe(1);
          await expectNoScratchTables(table);
        } finally {
          for (const loader of loaders) await loader.close().catch(() => undefined);
        }
      },
    );

    it('reports a connection lost mid-load as DatabaseUnavailableError, which the state machine retries, and changes nothing', async () => {
      const table = newTable('lost');
      await load(table, 'merge', ['id'], result(ALL_TYPES, [allTypesRow(1)]));
      const before = await snapshot(table, ALL_TYPES, ['id']);
      const victim = await openLoader();
      const rows = (async function* () {
        for (let id = 2; id < 5000; id++) {
          if (id === 1000) await killSession(victim);
          yield allTypesRow(id);
        }
      })();
      const failure = victim.load({
        table,
        mode: 'merge',
        keys: ['id'],
        result: { columns: ALL_TYPES, rows },
      });
      await expect(failure).rejects.toThrow(DatabaseUnavailableError);
      await expect(failure).rejects.toThrow(table);
      await victim.close().catch(() => undefined);
      expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(before);
      // the next load finds nothing left behind
      await load(table, 'replace', ['id'], result(ALL_TYPES, [allTypesRow(7)]));
      await expectNoScratchTables(table);
    });
  }

  it('replaces a table that a view reads, and the view shows the new rows', async () => {
    const table = newTable('viewed');
    const view = `v_${table}`;
    await load(table, 'replace', ['id'], result(ALL_TYPES, [allTypesRow(1)]));
    await harness.run(`CREATE VIEW ${quote(view)} AS SELECT id, note FROM ${quote(table)}`);
    try {
      await load(table, 'replace', ['id'], result(ALL_TYPES, [allTypesRow(2), allTypesRow(3)]));
      expect(await harness.first(`SELECT COUNT(*), MIN(id) FROM ${quote(view)}`)).toEqual(['2', '2']);
      await expectNoScratchTables(table);
    } finally {
      await harness.run(`DROP VIEW IF EXISTS ${quote(view)}`);
    }
  });

  it('refuses merge keys that repeat in the result, naming the key columns but not their values', async () => {
    const table = newTable('dupkey');
    await load(table, 'merge', ['id'], result(ALL_TYPES, [allTypesRow(1)]));
    const failure = load(
      table,
      'merge',
      ['id'],
      result(ALL_TYPES, [allTypesRow(7), allTypesRow(8), allTypesRow(7)]),
    );
    await expect(failure).rejects.toThrow(DuplicateKeyError);
    const error = (await failure.catch((e: unknown) => e)) as DuplicateKeyError;
    expect(error.message).toMatch(/a key \(id\) more than once/);
    expect(`${error.message}\n${JSON.stringify(error)}`).not.toMatch(/\b7\b/);
    expect(error.example.map(String)).toEqual(['7']);
    expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(expected(ALL_TYPES, [allTypesRow(1)]));
  });

  it('refuses an existing table whose columns differ, naming each column', async () => {
    const table = newTable('mismatch');
    const columns: ResultColumn[] = [
      { name: 'id', type: type.bigint },
      { name: 'name', type: type.string },
      { name: 'amount', type: type.decimal(10, 2) },
      { name: 'legacy', type: type.string },
    ];
    await load(table, 'merge', ['id'], result(columns, [['1', 'a', '1.00', 'x']]));
    const changed: ResultColumn[] = [
      { name: 'id', type: type.bigint },
      { name: 'name', type: type.bigint },
      { name: 'amount', type: type.decimal(10, 2) },
      { name: 'added', type: type.date },
    ];
    for (const mode of ['merge', 'replace', 'insert'] as const) {
      const failure = load(table, mode, ['id'], result(changed, [['1', '2', '1.00', '2026-01-01']]));
      await expect(failure).rejects.toThrow(SchemaMismatchError);
      const message = await failure.catch((error: Error) => error.message);
      expect(message).toContain(`Table ${table} does not match the query result`);
      expect(message).toMatch(/column name is .* in the table but the result has bigint/);
      expect(message).toContain('column legacy is not in the result');
      expect(message).not.toMatch(/column (id|amount)\b/);
      // a column it would have added is no problem of its own, and a refused load adds nothing
      expect(message).not.toContain('added');
      expect(Object.keys(await harness.columnTypes(table)).sort()).toEqual([
        'amount',
        'id',
        'legacy',
        'name',
      ]);
    }
  });

  describe('a result with columns the table lacks', () => {
    const before: ResultColumn[] = [
      { name: 'id', type: type.bigint },
      { name: 'name', type: type.string },
    ];
    const after: ResultColumn[] = [
      { name: 'id', type: type.bigint },
      { name: 'name', type: type.string },
      { name: 'day', type: type.date },
      { name: 'amount', type: type.decimal(38, 10) },
    ];

    it.each<LoadMode>(['merge', 'insert', 'replace'])(
      '%s adds them as nullable columns, says so, and keeps the rows the result does not touch',
      async (mode) => {
        const table = newTable(`add_${mode}`);
        await load(table, 'merge', ['id'], result(before, [['1', 'a']]));
        const outcome = await load(table, mode, ['id'], result(after, [['2', 'b', '2026-01-02', '1.5']]));
        expect(outcome).toEqual({ table, mode, rows: 1, created: false, addedColumns: ['day', 'amount'] });
        const types = await harness.columnTypes(table);
        expect(types.day).toBe(harness.expectedTypes.date);
        expect(types.amount).toBe(harness.expectedTypes['decimal(38,10)']);
        const kept = mode === 'replace' ? [] : [['1', 'a', null, null] as ResultRow];
        expect(await snapshot(table, after, ['id'])).toEqual(
          expected(after, [...kept, ['2', 'b', '2026-01-02', '1.5']]),
        );
        // the columns take NULL: a later result without them is refused as before, naming them
        await expect(load(table, 'insert', ['id'], result(before, [['3', 'c']]))).rejects.toThrow(
          /column day is not in the result/,
        );
        // and the next load with them adds nothing
        const again = await load(table, 'merge', ['id'], result(after, [['2', 'b', null, null]]));
        expect(again).toEqual({ table, mode: 'merge', rows: 1, created: false });
      },
    );

    it('still refuses a column narrower than the result, naming both types, and adds nothing', async () => {
      const table = newTable('narrow');
      const narrow: ResultColumn[] = [...before, { name: 'amount', type: type.decimal(10, 2) }];
      await load(table, 'merge', ['id'], result(narrow, [['1', 'a', '1.00']]));
      const wider: ResultColumn[] = [...before, { name: 'amount', type: type.decimal(18, 2) }, after[2]!];
      for (const mode of ['merge', 'replace', 'insert'] as const) {
        const failure = load(
          table,
          mode,
          ['id'],
          result(wider, [['2', 'b', '12345678901.00', '2026-01-02']]),
        );
        await expect(failure).rejects.toThrow(SchemaMismatchError);
        const message = await failure.catch((error: Error) => error.message);
        expect(message).toMatch(
          /column amount is (decimal|numeric)\(10,2\) in the table but the result has decimal\(18,2\)/i,
        );
        expect(message).not.toContain('column day');
      }
      expect(Object.keys(await harness.columnTypes(table)).sort()).toEqual(['amount', 'id', 'name']);
      expect(await snapshot(table, narrow, ['id'])).toEqual(expected(narrow, [['1', 'a', '1.00']]));
    });

    it('refuses a merge on a key column the table lacks instead of adding it', async () => {
      const table = newTable('add_key');
      await load(table, 'merge', ['id'], result(before, [['1', 'a']]));
      const keyed: ResultColumn[] = [...before, { name: 'region', type: type.string }];
      await expect(load(table, 'merge', ['id', 'region'], result(keyed, [['1', 'a', 'eu']]))).rejects.toThrow(
        /merge needs a primary key or unique index on exactly \(id, region\)/,
      );
      expect(Object.keys(await harness.columnTypes(table)).sort()).toEqual(['id', 'name']);
    });
  });

  it('refuses to merge into a table without a unique key on the merge columns', async () => {
    const table = newTable('nokey');
    await load(table, 'insert', [], result(ALL_TYPES, [allTypesRow(1)]));
    await expect(load(table, 'merge', ['id'], result(ALL_TYPES, [allTypesRow(1)]))).rejects.toThrow(
      /merge needs a primary key or unique index on exactly \(id\); it has none/,
    );
  });

  it('checks the request before touching the database', async () => {
    const loaded = () => result(ALL_TYPES, []);
    await expect(load('Orders; DROP TABLE x', 'merge', ['id'], loaded())).rejects.toThrow(IdentifierError);
    await expect(
      load('orders', 'merge', [], result([{ name: 'bad-name', type: type.string }], [])),
    ).rejects.toThrow('Invalid column name "bad-name"');
    const failure = load(newTable('request'), 'merge', ['missing'], loaded());
    await expect(failure).rejects.toThrow(LoadRequestError);
    await expect(failure).rejects.toThrow('key columns not in the result: missing');
    await expect(load(newTable('request'), 'merge', [], loaded())).rejects.toThrow(
      'merge needs at least one key column',
    );
  });

  it('creates an empty table from an empty result', async () => {
    const table = newTable('empty');
    expect(await load(table, 'replace', ['id'], result(ALL_TYPES, []))).toEqual({
      table,
      mode: 'replace',
      rows: 0,
      created: true,
    });
    expect(await harness.rows(table, ['id'])).toEqual([]);
  });

  it('refuses a replace of zero rows into a table that has rows, naming the table and allowEmpty, and leaves it as it was', async () => {
    const table = newTable('noempty');
    await load(table, 'replace', ['id'], result(ALL_TYPES, [allTypesRow(1), allTypesRow(2)]));
    const before = await snapshot(table, ALL_TYPES, ['id']);
    const failure = load(table, 'replace', ['id'], result(ALL_TYPES, []));
    await expect(failure).rejects.toThrow(EmptyReplaceError);
    await expect(failure).rejects.toThrow(`${table} has rows`);
    await expect(failure).rejects.toThrow('allowEmpty: true');
    expect(await snapshot(table, ALL_TYPES, ['id'])).toEqual(before);
    await expectNoScratchTables(table);
  });

  it('empties a table with a replace of zero rows when the load allows it, and replaces an empty table without asking', async () => {
    const table = newTable('allowempty');
    await load(table, 'replace', ['id'], result(ALL_TYPES, [allTypesRow(1)]));
    expect(
      await harness
        .loader()
        .load({ table, mode: 'replace', keys: ['id'], result: result(ALL_TYPES, []), allowEmpty: true }),
    ).toMatchObject({ rows: 0, created: false });
    expect(await harness.rows(table, ['id'])).toEqual([]);
    await expect(load(table, 'replace', ['id'], result(ALL_TYPES, []))).resolves.toMatchObject({ rows: 0 });
  });

  it('loads wide rows of 120 columns', async () => {
    const table = newTable('wide');
    const kinds = [type.string, type.bigint, type.decimal(20, 4), type.double, type.boolean, type.timestamp];
    const columns: ResultColumn[] = [
      { name: 'id', type: type.bigint },
      ...Array.from({ length: 119 }, (_, i) => ({
        name: `c${String(i).padStart(3, '0')}`,
        type: kinds[i % kinds.length]!,
      })),
    ];
    const value = (column: ResultColumn, row: number, i: number): string | null => {
      if ((row + i) % 17 === 0) return null;
      switch (column.type.kind) {
        case 'bigint':
          return String(row * 1000 + i);
        case 'decimal':
          return `${row}.${String(i).padStart(4, '0')}`;
        case 'double':
          return String(row / (i + 1));
        case 'boolean':
          return (row + i) % 2 ? 'true' : 'false';
        case 'timestamp':
          return `2026-11-${String((row % 28) + 1).padStart(2, '0')} 10:00:00.${String(i).padStart(3, '0')}`;
        default:
          return `r${row} c${i} \t ${'x'.repeat(i)}`;
      }
    };
    const rows = Array.from({ length: 500 }, (_, row) =>
      columns.map((column, i) => (i === 0 ? String(row) : value(column, row, i))),
    );
    await load(table, 'merge', ['id'], result(columns, rows));
    await load(table, 'merge', ['id'], result(columns, rows.slice(0, 100)));
    expect(await snapshot(table, columns, ['id'])).toEqual(expected(columns, rows));
  });

  it('loads 1,000,000 rows: all of them, exactly', async () => {
    const table = newTable('million');
    const columns: ResultColumn[] = [
      { name: 'id', type: type.bigint },
      { name: 'label', type: type.string },
      { name: 'amount', type: type.decimal(18, 2) },
      { name: 'day', type: type.date },
    ];
    const count = 1_000_000;
    // keys in a scrambled order, as a result without ORDER BY has them
    const key = (i: number) => (i * 7_919 + 13) % count;
    await load(table, 'merge', ['id'], result(columns, [['-1', 'seed', '0.00', '2026-01-01']]));
    const rows = (function* () {
      for (let i = 0; i < count; i++) {
        const id = key(i);
        yield [
          String(id),
          `label ${id}`,
          `${id % 100_000}.${String(id % 100).padStart(2, '0')}`,
          '2026-11-20',
        ];
      }
    })();
    const outcome = await load(table, 'merge', ['id'], result(columns, rows));
    expect(outcome.rows).toBe(count);
    let ids = 0n;
    let cents = 0n;
    let labelLength = 0;
    for (let id = 0; id < count; id++) {
      ids += BigInt(id);
      cents += BigInt((id % 100_000) * 100 + (id % 100));
      labelLength += `label ${id}`.length;
    }
    const [rowCount, idSum, amountSum, lengthSum] = await harness.first(
      `SELECT COUNT(*), SUM(id), SUM(amount), SUM(LENGTH(label)) FROM ${quote(table)} WHERE id >= 0`,
    );
    expect(Number(rowCount)).toBe(count);
    expect(idSum).toBe(String(ids));
    expect(toUnscaledDecimal(amountSum!, 38, 2)).toBe(cents);
    expect(Number(lengthSum)).toBe(labelLength);
  }, 300_000);
}
