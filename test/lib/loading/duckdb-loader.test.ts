import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DuckDbLoader } from '../../../src/lib/loading/duckdb-loader';
import { describeLoaderScenarios } from './loader-scenarios';

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

describe('DuckDbLoader', () => {
  let directory: string;
  let instance: DuckDBInstance;
  let check: DuckDBConnection;
  let loader: DuckDbLoader;
  let statements: string[] = [];
  const read = async (sql: string, values: string[] = []) =>
    (await check.runAndReadAll(sql, values)).getRowObjectsJson();

  describeLoaderScenarios({
    dialect: 'duckdb',
    async open() {
      directory = await mkdtemp(join(tmpdir(), 'tributary-duckdb-loader-'));
      instance = await DuckDBInstance.create(join(directory, 'bi.duckdb'), { threads: '2' });
      check = await instance.connect();
      loader = new DuckDbLoader(await instance.connect(), { onStatement: (sql) => statements.push(sql) });
    },
    async close() {
      await loader.close();
      check.closeSync();
      instance.closeSync();
      await rm(directory, { recursive: true, force: true });
    },
    loader: () => loader,
    rows: (table, orderBy) =>
      read(`SELECT * FROM "${table}" ORDER BY ${orderBy.map((n) => `"${n}"`).join(', ')}`),
    async first(sql) {
      const rows = (await check.runAndReadAll(sql)).getRowsJson();
      return rows[0]!.map((value) => (value === null ? null : String(value)));
    },
    async columnTypes(table) {
      const columns = await read(
        'SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position',
        [table],
      );
      return Object.fromEntries(
        columns.map((column) => [column.column_name, String(column.data_type).toLowerCase()]),
      );
    },
    async tables(prefix) {
      const tables = await read(
        `SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND table_name LIKE ? ESCAPE '\\' ORDER BY table_name`,
        [`${escapeLike(prefix)}%`],
      );
      return tables.map((table) => String(table.table_name));
    },
    async loaderSees(table) {
      return loader.connection.run(`SELECT 1 FROM "${table}" LIMIT 0`).then(
        () => true,
        () => false,
      );
    },
    async run(sql) {
      await check.run(sql);
    },
    takeStatements() {
      const taken = statements;
      statements = [];
      return taken;
    },
    replaceBy: 'swap',
    expectedTypes: {
      'key string': 'varchar',
      string: 'varchar',
      bigint: 'bigint',
      int: 'integer',
      double: 'double',
      boolean: 'boolean',
      timestamp: 'timestamp',
      date: 'date',
      'decimal(38,10)': 'decimal(38,10)',
    },
  });
});
