import type { ColumnType } from '../../columns/column-types';
import { type DatabaseModule, decimalFits, unknownColumnKind } from './database';

type DuckDBInstance = import('@duckdb/node-api').DuckDBInstance;

function columnType(type: ColumnType): string {
  switch (type.kind) {
    case 'string':
      return 'VARCHAR';
    case 'bigint':
      return 'BIGINT';
    case 'int':
      return 'INTEGER';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    default:
      return unknownColumnKind(type);
  }
}

function accepts(
  type: ColumnType,
  column: Parameters<DatabaseModule['accepts']>[1],
  dataType: string,
): boolean {
  switch (type.kind) {
    case 'string':
      return dataType === 'varchar';
    case 'bigint':
      return dataType === 'bigint';
    case 'int':
      return dataType === 'integer' || dataType === 'bigint';
    case 'double':
      return dataType === 'double';
    case 'boolean':
      return dataType === 'boolean';
    case 'timestamp':
      // every DuckDB timestamp holds milliseconds
      return ['timestamp', 'timestamp with time zone', 'timestamp_ns'].includes(dataType);
    case 'date':
      return dataType === 'date';
    case 'decimal':
      return decimalFits(type, column, dataType, false);
    default:
      return unknownColumnKind(type);
  }
}

/**
 * One DuckDB instance per database file in this process, shared by concurrent loads (the state
 * machine runs two at once): two instances of one file would each overwrite the other's writes.
 * The last load to finish closes it.
 */
const duckDbFiles = new Map<string, { instance: Promise<DuckDBInstance>; users: number }>();

async function openDuckDbFile(path: string): Promise<{ instance: DuckDBInstance; release: () => void }> {
  let file = duckDbFiles.get(path);
  if (!file) {
    const { DuckDBInstance } = require('@duckdb/node-api') as typeof import('@duckdb/node-api');
    file = { instance: DuckDBInstance.create(path), users: 0 };
    duckDbFiles.set(path, file);
  }
  const shared = file;
  shared.users++;
  const release = () => {
    if (--shared.users > 0) return;
    duckDbFiles.delete(path);
    shared.instance.then((instance) => instance.closeSync()).catch(() => undefined);
  };
  try {
    return { instance: await shared.instance, release };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * The embedded database a local run loads into when no server is configured. Not in the Lambda
 * bundles: its driver is required only here, on first use.
 */
export const duckdb: DatabaseModule<'duckdb'> = {
  dialect: 'duckdb',
  label: 'DuckDB',
  connection: { kind: 'file', urlSchemes: ['duckdb'] },
  quote: (name) => `"${name}"`,
  columnType,
  accepts,
  booleanText: { true: 'true', false: 'false' },
  // an embedded database has no connection to lose
  connectionLost: () => undefined,
  // DuckDB's ALTER TABLE adds one column at a time, inside the load's transaction
  addColumns: (table, definitions) =>
    definitions.map((definition) => `ALTER TABLE ${table} ADD COLUMN ${definition}`),
  async open(config, options) {
    const { DuckDbLoader } = require('../duckdb-loader') as typeof import('../duckdb-loader');
    const file = await openDuckDbFile(config.path);
    try {
      return new DuckDbLoader(await file.instance.connect(), { ...options, onClose: file.release });
    } catch (error) {
      file.release();
      throw error;
    }
  },
};
