import type { ColumnType } from '../../../../src/lib/columns/column-types';
import { ALL_DATABASES, DATABASES, isFileDialect } from '../../../../src/lib/loading/databases/registry';

const EVERY_KIND: ColumnType[] = [
  { kind: 'string' },
  { kind: 'bigint' },
  { kind: 'int' },
  { kind: 'double' },
  { kind: 'boolean' },
  { kind: 'timestamp' },
  { kind: 'date' },
  { kind: 'decimal', precision: 18, scale: 2 },
];

describe('the database registry', () => {
  it('files each module under its own dialect', () => {
    for (const [dialect, database] of Object.entries(DATABASES)) expect(database.dialect).toBe(dialect);
  });

  it('gives every URL scheme, secret engine and URL variable to one database only', () => {
    const schemes = ALL_DATABASES.flatMap((database) => database.connection.urlSchemes);
    const servers = ALL_DATABASES.flatMap((database) =>
      database.connection.kind === 'server' ? [database.connection] : [],
    );
    const engines = servers.flatMap((connection) => connection.secretEngines);
    const variables = servers.map((connection) => connection.urlVariable);
    for (const names of [schemes, engines, variables]) expect(new Set(names).size).toBe(names.length);
  });

  it('tells file databases from servers', () => {
    expect(ALL_DATABASES.filter((database) => isFileDialect(database.dialect)).map((d) => d.dialect)).toEqual(
      ['duckdb'],
    );
  });

  it.each(ALL_DATABASES.map((database) => [database.dialect, database] as const))(
    '%s declares a column type for every column kind, key and value',
    (_, database) => {
      for (const type of EVERY_KIND)
        for (const role of ['key', 'value'] as const)
          expect(database.columnType(type, role)).toMatch(/^[A-Z]/);
    },
  );

  it.each(ALL_DATABASES.map((database) => [database.dialect, database] as const))(
    '%s refuses a column of another kind as unable to hold a date',
    (_, database) => {
      expect(database.accepts({ kind: 'date' }, { name: 'day', dataType: 'date' }, 'date')).toBe(true);
      expect(database.accepts({ kind: 'date' }, { name: 'day', dataType: 'bigint' }, 'bigint')).toBe(false);
    },
  );

  it('reports a lost connection only for the driver that raised it', () => {
    const verdicts = (error: object) => ALL_DATABASES.map((database) => database.connectionLost(error));
    expect(verdicts({ code: 'ER_SERVER_SHUTDOWN' })).toEqual([true, undefined, undefined]);
    expect(verdicts({ code: '57P01' })).toEqual([undefined, true, undefined]);
    expect(verdicts({ code: 'ER_NET_PACKET_TOO_LARGE', fatal: true })).toEqual([false, undefined, undefined]);
  });
});
