import type { Client } from 'pg';
import { PostgresLoader } from '../../../src/lib/loading/postgres-loader';
import { connectPostgres, describeWithDatabase } from '../../support/databases';
import { describeLoaderScenarios } from './loader-scenarios';

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
});
