import type { ColumnType } from '../../columns/column-types';
import { connectTo } from './connect';
import {
  type ColumnRole,
  type DatabaseModule,
  type DriverErrorFields,
  decimalFits,
  type ExistingColumn,
  unknownColumnKind,
} from './database';

/** SQLSTATEs of a session the server ended: admin_shutdown, crash_shutdown, cannot_connect_now. */
const LOST_CONNECTION_CODES = new Set(['57P01', '57P02', '57P03']);
/** SQLSTATE class 08: connection exceptions. */
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;
/** node-postgres reports an ended socket only in words. */
const ENDED_SOCKET = /Connection terminated|connection is in closed state/i;

function columnType(type: ColumnType, _role: ColumnRole): string {
  switch (type.kind) {
    case 'string':
      return 'TEXT';
    case 'bigint':
      return 'BIGINT';
    case 'int':
      return 'INTEGER';
    case 'double':
      return 'DOUBLE PRECISION';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      // Athena's millisecond precision
      return 'TIMESTAMP(3)';
    case 'date':
      return 'DATE';
    case 'decimal':
      return `NUMERIC(${type.precision},${type.scale})`;
    default:
      return unknownColumnKind(type);
  }
}

function accepts(type: ColumnType, column: ExistingColumn, dataType: string): boolean {
  switch (type.kind) {
    case 'string':
      return ['text', 'character varying', 'character'].includes(dataType);
    case 'bigint':
      return dataType === 'bigint';
    case 'int':
      return dataType === 'integer' || dataType === 'bigint';
    case 'double':
      return dataType === 'double precision';
    case 'boolean':
      return dataType === 'boolean';
    case 'timestamp':
      return (
        (dataType === 'timestamp without time zone' || dataType === 'timestamp with time zone') &&
        (column.datetimePrecision == null || column.datetimePrecision >= 3)
      );
    case 'date':
      return dataType === 'date';
    case 'decimal':
      // an unconstrained numeric holds any decimal
      return decimalFits(type, column, dataType, true);
    default:
      return unknownColumnKind(type);
  }
}

function connectionLost({ code, message }: DriverErrorFields): boolean | undefined {
  if (typeof code === 'string' && (LOST_CONNECTION_CODES.has(code) || CONNECTION_EXCEPTION.test(code)))
    return true;
  return typeof message === 'string' && ENDED_SOCKET.test(message) ? true : undefined;
}

/** PostgreSQL and Aurora PostgreSQL, through node-postgres and COPY. */
export const postgresql: DatabaseModule<'postgres'> = {
  dialect: 'postgres',
  label: 'PostgreSQL',
  connection: {
    kind: 'server',
    urlSchemes: ['postgres', 'postgresql'],
    secretEngines: ['postgres', 'aurora-postgresql'],
    defaultPort: 5432,
    urlVariable: 'TRIBUTARY_POSTGRES_URL',
  },
  quote: (name) => `"${name}"`,
  columnType,
  accepts,
  booleanText: { true: 'true', false: 'false' },
  connectionLost,
  // a nullable column without a default changes only the catalog, inside the load's transaction
  addColumns: (table, definitions) => [
    `ALTER TABLE ${table} ${definitions.map((definition) => `ADD COLUMN ${definition}`).join(', ')}`,
  ],
  async open(config, options) {
    const { Client } = require('pg') as typeof import('pg');
    const { PostgresLoader } = require('../postgres-loader') as typeof import('../postgres-loader');
    const client = new Client({
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      database: config.database,
      ssl: config.tls === 'disable' ? false : { rejectUnauthorized: config.tls === 'verify-full' },
      connectionTimeoutMillis: 10_000,
    });
    client.on('error', () => undefined);
    await connectTo(config, () => client.connect());
    return new PostgresLoader(client, options);
  },
};
