import type { Connection, RowDataPacket } from 'mysql2/promise';
import {
  DatabaseUnavailableError,
  DuplicateKeyError,
  InexactValueError,
  RejectedValuesError,
  ValueTooLargeError,
} from '../../../src/lib/loading/errors';
import { MysqlLoader } from '../../../src/lib/loading/mysql-loader';
import type { ResultColumn } from '../../../src/lib/loading/types';
import { connectMysql, describeWithDatabase, uniqueTableName } from '../../support/databases';
import { describeLoaderScenarios, result } from './loader-scenarios';

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

describeWithDatabase('mysql', 'MysqlLoader', (url) => {
  let check: Connection;
  let loader: MysqlLoader;
  let statements: string[] = [];

  describeLoaderScenarios({
    dialect: 'mysql',
    async open() {
      check = await connectMysql(url);
      loader = new MysqlLoader(await connectMysql(url), { onStatement: (sql) => statements.push(sql) });
    },
    async close() {
      await loader.close();
      await check.end();
    },
    loader: () => loader,
    async rows(table, orderBy) {
      // the binary protocol: mysql2 reads DOUBLEs sent as text with fewer digits than stored
      const [rows] = await check.execute<RowDataPacket[]>(
        `SELECT * FROM \`${table}\` ORDER BY ${orderBy.map((name) => `\`${name}\``).join(', ')}`,
      );
      return rows;
    },
    async first(sql) {
      const [rows] = await check.query<RowDataPacket[]>({ sql, rowsAsArray: true });
      return (rows[0] as unknown as unknown[]).map((value) => (value === null ? null : String(value)));
    },
    async columnTypes(table) {
      const [columns] = await check.query<RowDataPacket[]>(
        `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
        [table],
      );
      // MariaDB and MySQL before 8.0.19 show integer display widths
      return Object.fromEntries(
        columns.map((column) => [column.name, String(column.type).replace(/^(bigint|int)\(\d+\)/, '$1')]),
      );
    },
    async tables(prefix) {
      const [tables] = await check.query<RowDataPacket[]>(
        `SELECT TABLE_NAME AS name FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ? ORDER BY TABLE_NAME`,
        [`${escapeLike(prefix)}%`],
      );
      return tables.map((table) => String(table.name));
    },
    async loaderSees(table) {
      return loader.connection.query(`SELECT 1 FROM \`${table}\` LIMIT 0`).then(
        () => true,
        () => false,
      );
    },
    async run(sql) {
      await check.query(sql);
    },
    async openLoader() {
      return new MysqlLoader(await connectMysql(url));
    },
    async killSession(victim) {
      await check.query(`KILL ${(victim as MysqlLoader).connection.threadId}`);
    },
    takeStatements() {
      const taken = statements;
      statements = [];
      return taken;
    },
    replaceBy: 'swap',
    expectedTypes: {
      'key string': 'varchar(255)',
      string: 'longtext',
      bigint: 'bigint',
      int: 'int',
      double: 'double',
      boolean: 'tinyint(1)',
      timestamp: 'datetime(3)',
      date: 'date',
      'decimal(38,10)': 'decimal(38,10)',
    },
  });

  describe('on MySQL', () => {
    const columns: ResultColumn[] = [
      { name: 'id', type: { kind: 'bigint' } },
      { name: 'label', type: { kind: 'string' } },
      { name: 'at', type: { kind: 'timestamp' } },
    ];
    const tables: string[] = [];
    const newTable = () => {
      const table = uniqueTableName('ld_mysql');
      tables.push(table);
      return table;
    };
    afterAll(async () => {
      for (const table of tables) await check.query(`DROP TABLE IF EXISTS \`${table}\``);
    });

    it('merges with SQL both MariaDB and MySQL 8 accept: no VALUES(), no row alias', async () => {
      const table = newTable();
      await loader.load({ table, mode: 'merge', keys: ['id'], result: result(columns, [['1', 'a', null]]) });
      statements = [];
      await loader.load({ table, mode: 'merge', keys: ['id'], result: result(columns, [['1', 'b', null]]) });
      const merge = statements.find((sql) => sql.includes('ON DUPLICATE KEY UPDATE'))!;
      expect(merge).toMatch(
        new RegExp(
          `ORDER BY \`id\` ON DUPLICATE KEY UPDATE \`label\` = \`${table}__stage_[0-9a-f]+\`\\.\`label\`, \`at\` =`,
        ),
      );
      expect(merge).not.toMatch(/VALUES\(|\bAS new\b/);
      expect(statements.filter((sql) => /^(START TRANSACTION|COMMIT)$/.test(sql))).toEqual([
        'START TRANSACTION',
        'COMMIT',
      ]);
    });

    it("reads staged rows in the order of the table's own key, however the request lists the keys", async () => {
      const table = newTable();
      const keyed: ResultColumn[] = [
        { name: 'tenant', type: { kind: 'string' } },
        { name: 'id', type: { kind: 'bigint' } },
        { name: 'label', type: { kind: 'string' } },
      ];
      await loader.load({
        table,
        mode: 'merge',
        keys: ['tenant', 'id'],
        result: result(keyed, [['a', '1', 'x']]),
      });
      statements = [];
      await loader.load({
        table,
        mode: 'merge',
        keys: ['id', 'tenant'],
        result: result(keyed, [['a', '1', 'y']]),
      });
      expect(statements.find((sql) => sql.includes('ON DUPLICATE KEY UPDATE'))).toContain(
        'ORDER BY `tenant`, `id` ON DUPLICATE KEY UPDATE `label` =',
      );
    });

    it('stages rows in Aria on MariaDB, outside the InnoDB buffer pool the target needs', async () => {
      const [[version]] = await check.query<RowDataPacket[]>('SELECT VERSION() AS version');
      const table = newTable();
      statements = [];
      await loader.load({ table, mode: 'insert', keys: [], result: result(columns, [['1', 'a', null]]) });
      const stage = statements.find((sql) => sql.startsWith('CREATE TEMPORARY TABLE'))!;
      expect(stage).toContain(String(version!.version).includes('MariaDB') ? 'ENGINE=Aria' : 'ENGINE=InnoDB');
    });

    it('refuses values MySQL would have altered before MySQL sees them, naming the row', async () => {
      const table = newTable();
      const failure = loader.load({
        table,
        mode: 'merge',
        keys: ['id'],
        result: result(columns, [
          ['1', 'a', '2026-11-20 09:15:02.120'],
          ['2', 'b', 'yesterday'],
        ]),
      });
      await expect(failure).rejects.toThrow(InexactValueError);
      await expect(failure).rejects.toThrow('Result row 2, column at: not a timestamp');
      await expect(failure).rejects.not.toThrow('yesterday');
      const [found] = await check.query<RowDataPacket[]>('SHOW TABLES LIKE ?', [table]);
      expect(found).toHaveLength(0);
    });

    const keyed: ResultColumn[] = [
      { name: 'code', type: { kind: 'string' } },
      { name: 'note', type: { kind: 'string' } },
    ];
    const tableRows = async (table: string) => {
      const [rows] = await check.query<RowDataPacket[]>(`SELECT code, note FROM \`${table}\` ORDER BY note`);
      return rows.map((row) => [row.code, row.note]);
    };

    it('fails a merge whose row clashes on a second unique index instead of updating another row', async () => {
      const table = newTable();
      await check.query(
        `CREATE TABLE \`${table}\` (id BIGINT PRIMARY KEY, email VARCHAR(100) UNIQUE, label LONGTEXT)`,
      );
      await check.query(
        `INSERT INTO \`${table}\` VALUES (1, 'a@example.com', 'first'), (2, 'b@example.com', 'second')`,
      );
      const columns: ResultColumn[] = [
        { name: 'id', type: { kind: 'bigint' } },
        { name: 'email', type: { kind: 'string' } },
        { name: 'label', type: { kind: 'string' } },
      ];
      const failure = loader.load({
        table,
        mode: 'merge',
        keys: ['id'],
        result: result(columns, [['3', 'a@example.com', 'third, with the email of 1']]),
      });
      await expect(failure).rejects.toThrow(/Duplicate entry <value withheld> for key/);
      await expect(failure).rejects.not.toThrow('a@example.com');
      const [rows] = await check.query<RowDataPacket[]>(
        `SELECT id, email, label FROM \`${table}\` ORDER BY id`,
      );
      expect(rows.map((row) => [String(row.id), row.email, row.label])).toEqual([
        ['1', 'a@example.com', 'first'],
        ['2', 'b@example.com', 'second'],
      ]);
    });

    it('fails a merge whose keys the table compares as equal, counting the spellings without quoting them, and leaves the table as it was', async () => {
      const table = newTable();
      await check.query(
        `CREATE TABLE \`${table}\` (code VARCHAR(50) PRIMARY KEY, note LONGTEXT) COLLATE utf8mb4_general_ci`,
      );
      await check.query(`INSERT INTO \`${table}\` VALUES ('other', 'kept')`);
      const failure = loader.load({
        table,
        mode: 'merge',
        keys: ['code'],
        result: result(keyed, [
          ['cafe', 'plain'],
          ['caf\u00e9', 'accent'],
          ['CAFE', 'upper'],
        ]),
      });
      await expect(failure).rejects.toThrow(DuplicateKeyError);
      const error = (await failure.catch((e: unknown) => e)) as DuplicateKeyError;
      expect(error.message).toContain('3 spellings');
      expect(error.message).toContain('utf8mb4_general_ci');
      expect(error.message.toLowerCase()).not.toContain('caf');
      expect(error.variants?.map((v) => v[0]).sort()).toEqual(['CAFE', 'cafe', 'caf\u00e9']);
      expect(await tableRows(table)).toEqual([['other', 'kept']]);
    });

    it('says what PAD SPACE does when keys differ only by trailing spaces', async () => {
      const table = newTable();
      await check.query(
        `CREATE TABLE \`${table}\` (code VARCHAR(50) PRIMARY KEY, note LONGTEXT) COLLATE utf8mb4_bin`,
      );
      const failure = loader.load({
        table,
        mode: 'merge',
        keys: ['code'],
        result: result(keyed, [
          ['a', 'no space'],
          ['a ', 'trailing space'],
        ]),
      });
      await expect(failure).rejects.toThrow(DuplicateKeyError);
      await expect(failure).rejects.toThrow(/trailing spaces/);
    });

    it('keeps keys apart that differ in case, accents or trailing spaces in the tables it creates', async () => {
      const table = newTable();
      const rows = [
        ['a', '1'],
        ['a ', '2'],
        ['A', '3'],
        ['\u00e1', '4'],
      ];
      await loader.load({ table, mode: 'merge', keys: ['code'], result: result(keyed, rows) });
      await loader.load({ table, mode: 'merge', keys: ['code'], result: result(keyed, [['a ', '2 again']]) });
      expect(await tableRows(table)).toEqual([
        ['a', '1'],
        ['a ', '2 again'],
        ['A', '3'],
        ['\u00e1', '4'],
      ]);
    });

    it("fails the load on MySQL's own warnings, quoting them without the staging table's name or a value", async () => {
      const table = newTable();
      const names: ResultColumn[] = [{ name: 'name', type: { kind: 'string' } }];
      await check.query(`CREATE TABLE \`${table}\` (name VARCHAR(50) CHARACTER SET latin1)`);
      const failure = loader.load({
        table,
        mode: 'insert',
        keys: [],
        result: result(names, [['plain'], ['Ada \u{1F600}']]),
      });
      await expect(failure).rejects.toThrow(RejectedValuesError);
      const error = (await failure.catch((e: unknown) => e)) as RejectedValuesError;
      expect(error.message).toMatch(/column .*name.* at row 2/);
      expect(error.message).not.toMatch(/Ada|\\xF0/);
    });

    it('refuses a value longer than max_allowed_packet as a permanent error naming row, column and the setting, on a connection that still works', async () => {
      const own = new MysqlLoader(await connectMysql(url));
      try {
        const table = newTable();
        const [[setting]] = await check.query<RowDataPacket[]>('SELECT @@max_allowed_packet AS bytes');
        const huge = 'x'.repeat(Number(setting!.bytes) + 1);
        const failure = own.load({
          table,
          mode: 'insert',
          keys: [],
          result: result(columns, [
            ['1', 'small', null],
            ['2', huge, null],
          ]),
        });
        await expect(failure).rejects.toThrow(ValueTooLargeError);
        await expect(failure).rejects.not.toThrow(DatabaseUnavailableError);
        await expect(failure).rejects.toThrow(/^Result row 2, column label: .*max_allowed_packet/);
        const [found] = await check.query<RowDataPacket[]>('SHOW TABLES LIKE ?', [table]);
        expect(found).toHaveLength(0);
        await expect(
          own.load({ table, mode: 'insert', keys: [], result: result(columns, [['3', 'after', null]]) }),
        ).resolves.toMatchObject({ rows: 1 });
      } finally {
        await own.close();
      }
    });

    it("fails the load on MySQL's own warnings, naming column and row", async () => {
      const table = newTable();
      const failure = loader.load({
        table,
        mode: 'merge',
        keys: ['code'],
        result: result(keyed, [
          ['a', 'fine'],
          ['k'.repeat(256), 'key too long for VARCHAR(255)'],
        ]),
      });
      await expect(failure).rejects.toThrow(RejectedValuesError);
      const error = (await failure.catch((e: unknown) => e)) as RejectedValuesError;
      expect(error.message).toMatch(/code.* at row 2/);
      expect(error.message).not.toContain('__stage_');
    });

    it('rejects a string key longer than the VARCHAR(255) a key column can be', async () => {
      const table = newTable();
      const keyed: ResultColumn[] = [{ name: 'code', type: { kind: 'string' } }];
      await expect(
        loader.load({ table, mode: 'merge', keys: ['code'], result: result(keyed, [['k'.repeat(256)]]) }),
      ).rejects.toThrow(/Data too long|truncated/i);
    });
  });
});
