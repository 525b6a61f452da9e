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

/** MySQL's error number for a packet over max_allowed_packet. */
const ER_NET_PACKET_TOO_LARGE = 1153;
/** The server's own codes for a session that ended, and mysql2's for a socket that closed. */
const LOST_CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
]);

/**
 * MySQL cannot index TEXT, so string key columns are VARCHAR(255) (a longer value is rejected,
 * never cut); other strings are LONGTEXT. Timestamps keep Athena's millisecond precision.
 */
function columnType(type: ColumnType, role: ColumnRole): string {
  switch (type.kind) {
    case 'string':
      return role === 'key' ? 'VARCHAR(255)' : 'LONGTEXT';
    case 'bigint':
      return 'BIGINT';
    case 'int':
      return 'INT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'DATETIME(3)';
    case 'date':
      return 'DATE';
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    default:
      return unknownColumnKind(type);
  }
}

function accepts(type: ColumnType, column: ExistingColumn, dataType: string): boolean {
  switch (type.kind) {
    case 'string':
      return ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext'].includes(dataType);
    case 'bigint':
      return dataType === 'bigint';
    case 'int':
      return dataType === 'int' || dataType === 'bigint';
    case 'double':
      return dataType === 'double';
    case 'boolean':
      // BOOLEAN is TINYINT(1)
      return dataType === 'tinyint';
    case 'timestamp':
      return (
        (dataType === 'datetime' || dataType === 'timestamp') &&
        (column.datetimePrecision == null || column.datetimePrecision >= 3)
      );
    case 'date':
      return dataType === 'date';
    case 'decimal':
      return decimalFits(type, column, dataType, false);
    default:
      return unknownColumnKind(type);
  }
}

/**
 * mysql2 marks errors that ended the connection fatal. The server ends the session after a packet
 * over max_allowed_packet too, but the same rows would end it again: not a connection to retry.
 */
function connectionLost({ code, errno, fatal }: DriverErrorFields): boolean | undefined {
  if (code === 'ER_NET_PACKET_TOO_LARGE' || errno === ER_NET_PACKET_TOO_LARGE) return false;
  if (fatal === true) return true;
  return typeof code === 'string' && LOST_CONNECTION_CODES.has(code) ? true : undefined;
}

/** MySQL 8, Aurora MySQL and MariaDB 10.11+, through mysql2 and LOAD DATA LOCAL INFILE. */
export const mysql: DatabaseModule<'mysql'> = {
  dialect: 'mysql',
  label: 'MySQL',
  connection: {
    kind: 'server',
    urlSchemes: ['mysql', 'mariadb'],
    secretEngines: ['mysql', 'mariadb', 'aurora-mysql', 'aurora'],
    defaultPort: 3306,
    urlVariable: 'TRIBUTARY_MYSQL_URL',
  },
  quote: (name) => `\`${name}\``,
  columnType,
  accepts,
  booleanText: { true: '1', false: '0' },
  connectionLost,
  // one statement: an instant ADD COLUMN on InnoDB and Aria, but DDL, so it commits on its own
  addColumns: (table, definitions) => [
    `ALTER TABLE ${table} ${definitions.map((definition) => `ADD COLUMN ${definition}`).join(', ')}`,
  ],
  async open(config, options) {
    const { createConnection } = require('mysql2/promise') as typeof import('mysql2/promise');
    const { MysqlLoader } = require('../mysql-loader') as typeof import('../mysql-loader');
    const connection = await connectTo(config, () =>
      createConnection({
        host: config.host,
        port: config.port,
        user: config.user,
        password: config.password,
        database: config.database,
        ...(config.tls === 'disable' ? {} : { ssl: { rejectUnauthorized: config.tls === 'verify-full' } }),
        charset: 'UTF8MB4_GENERAL_CI',
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: true,
        connectTimeout: 10_000,
      }),
    );
    // a dropped idle connection must not crash the process; the next query reports it
    connection.on('error', () => undefined);
    return new MysqlLoader(connection, options);
  },
};
