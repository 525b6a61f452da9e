import type { Client } from 'pg';
import { DuplicateKeyError, InexactValueError } from '../../../src/lib/loading/errors';
import { PostgresLoader } from '../../../src/lib/loading/postgres-loader';
import type { ResultColumn } from '../../../src/lib/loading/types';
import { connectPostgres, describeWithDatabase, uniqueTableName } from '../../support/databases';
import { describeLoaderScenarios, result } from './loader-scenarios';

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

describeWithDatabase('postgres', 'PostgresLoader', (url) => {
  let check: Client;
  let loader: PostgresLoader;
  let statements: string[] = [];

  describeLoaderScenarios({
    dialect: 'postgres',
    async open() {
      check = await connectPostgres(url);
      loader = new PostgresLoader(await connectPostgres(url), { onStatement: (sql) => statements.push(sql) });
    },
    async close() {
      await loader.close();
      await check.end();
    },
    loader: () => loader,
    async rows(table, orderBy) {
      const rows = await check.query(
        `SELECT * FROM "${table}" ORDER BY ${orderBy.map((n) => `"${n}"`).join(', ')}`,
      );
      return rows.rows;
    },
    async first(sql) {
      const rows = await check.query<unknown[]>({ text: sql, rowMode: 'array' });
      return rows.rows[0]!.map((value) => (value === null ? null : String(value)));
    },
    async columnTypes(table) {
      const columns = await check.query<{ name: string; type: string }>(
        `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
           FROM pg_attribute a
          WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attnum > 0 AND NOT a.attisdropped`,
        [table],
      );
      return Object.fromEntries(columns.rows.map((column) => [column.name, column.type]));
    },
    async tables(prefix) {
      const tables = await check.query<{ name: string }>(
        `SELECT tablename AS name FROM pg_tables
          WHERE schemaname = current_schema() AND tablename LIKE $1 ORDER BY tablename`,
        [`${escapeLike(prefix)}%`],
      );
      return tables.rows.map((table) => table.name);
    },
    async loaderSees(table) {
      return loader.client.query(`SELECT 1 FROM "${table}" LIMIT 0`).then(
        () => true,
        () => false,
      );
    },
    async run(sql) {
      await check.query(sql);
    },
    async openLoader() {
      return new PostgresLoader(await connectPostgres(url));
    },
    async killSession(victim) {
      const pid = ((victim as PostgresLoader).client as unknown as { processID: number }).processID;
      await check.query('SELECT pg_terminate_backend($1)', [pid]);
    },
    takeStatements() {
      const taken = statements;
      statements = [];
      return taken;
    },
    replaceBy: 'truncate',
    expectedTypes: {
      'key string': 'text',
      string: 'text',
      bigint: 'bigint',
      int: 'integer',
      double: 'double precision',
      boolean: 'boolean',
      timestamp: 'timestamp(3) without time zone',
      date: 'date',
      'decimal(38,10)': 'numeric(38,10)',
    },
  });

  describe('on PostgreSQL', () => {
    const keyed: ResultColumn[] = [
      { name: 'tenant', type: { kind: 'string' } },
      { name: 'id', type: { kind: 'bigint' } },
      { name: 'label', type: { kind: 'string' } },
    ];
    const tables: string[] = [];
    const newTable = () => {
      const table = uniqueTableName('ld_pg');
      tables.push(table);
      return table;
    };
    const tableRows = async (table: string) =>
      (await check.query({ text: `SELECT * FROM "${table}" ORDER BY 1, 2`, rowMode: 'array' })).rows;
    const merge = (table: string, keys: string[], rows: string[][], columns = keyed) =>
      loader.load({ table, mode: 'merge', keys, result: result(columns, rows) });
    afterAll(async () => {
      for (const table of tables) await check.query(`DROP TABLE IF EXISTS "${table}"`);
    });

    it("reads staged rows in the order of the merge key's own index, however the request lists the keys", async () => {
      const table = newTable();
      await merge(table, ['tenant', 'id'], [['a', '1', 'x']]);
      statements = [];
      await merge(table, ['id', 'tenant'], [['a', '1', 'y']]);
      expect(statements.find((sql) => sql.includes('ON CONFLICT'))).toContain(
        'ORDER BY "tenant", "id" ON CONFLICT ("id", "tenant") DO UPDATE SET "label" = EXCLUDED."label"',
      );
      expect(await tableRows(table)).toEqual([['a', '1', 'y']]);
    });

    it.each([
      [
        'a key the table has',
        [
          ['a', '1', 'again'],
          ['b', '5', 'new'],
          ['a', '1', 'and again'],
        ],
      ],
      [
        'a new key with the same values each time',
        [
          ['b', '5', 'new'],
          ['b', '5', 'new'],
        ],
      ],
    ])(
      'refuses %s repeated in the result, naming its columns, and leaves the table as it was',
      async (_, rows) => {
        const table = newTable();
        await merge(table, ['tenant', 'id'], [['a', '1', 'x']]);
        const failure = merge(table, ['tenant', 'id'], rows);
        await expect(failure).rejects.toThrow(DuplicateKeyError);
        await expect(failure).rejects.toThrow(/a key \(tenant, id\) more than once/);
        const error = (await failure.catch((e: unknown) => e)) as DuplicateKeyError;
        expect([
          ['a', '1'],
          ['b', '5'],
        ]).toContainEqual(error.example.map(String));
        expect(await tableRows(table)).toEqual([['a', '1', 'x']]);
      },
    );

    it('refuses a repeated key when every column is a key (a merge that only inserts)', async () => {
      const table = newTable();
      const keysOnly = keyed.slice(0, 2);
      await merge(table, ['tenant', 'id'], [['a', '1']], keysOnly);
      const failure = merge(
        table,
        ['tenant', 'id'],
        [
          ['b', '2'],
          ['b', '2'],
        ],
        keysOnly,
      );
      await expect(failure).rejects.toThrow(DuplicateKeyError);
      expect(await tableRows(table)).toEqual([['a', '1']]);
    });

    it('refuses a NUL character before the server sees it, naming row and column, and leaves no table', async () => {
      const table = uniqueTableName('ld_pg_nul');
      const columns: ResultColumn[] = [
        { name: 'id', type: { kind: 'bigint' } },
        { name: 'note', type: { kind: 'string' } },
      ];
      const failure = loader.load({
        table,
        mode: 'insert',
        keys: [],
        result: result(columns, [
          ['1', 'fine'],
          ['2', 'before\u0000after'],
        ]),
      });
      await expect(failure).rejects.toThrow(InexactValueError);
      await expect(failure).rejects.toThrow(/^Result row 2, column note: .*NUL/);
      expect((await check.query('SELECT to_regclass($1) AS found', [table])).rows[0].found).toBeNull();
    });

    it('fails a merge whose row clashes on a second unique index with that error, not a duplicate key', async () => {
      const table = newTable();
      await check.query(
        `CREATE TABLE "${table}" (tenant TEXT, id BIGINT, label TEXT UNIQUE, PRIMARY KEY (tenant, id))`,
      );
      await check.query(`INSERT INTO "${table}" VALUES ('a', 1, 'taken')`);
      const failure = merge(table, ['tenant', 'id'], [['a', '2', 'taken']]);
      await expect(failure).rejects.toThrow(/duplicate key value violates unique constraint/);
      await expect(failure).rejects.not.toThrow(DuplicateKeyError);
      expect(await tableRows(table)).toEqual([['a', '1', 'taken']]);
    });
  });
});
