import {
  athenaToDuckDb,
  CatalogTablesOnlyError,
  mysqlFormatToStrftime,
  UnsupportedSqlError,
} from '../../../../src/lib/standins/athena/athena-compat';

const KNOWN = new Set(['count', 'sum', 'strftime', 'strptime', 'approx_distinct', 'to_days', 'lower']);

describe('athenaToDuckDb', () => {
  it.each([
    ["SELECT date_format(ts, '%Y-%m-%d %H:%i') FROM t", "SELECT strftime(ts, '%Y-%m-%d %H:%M') FROM t"],
    ["SELECT date_parse(s, '%Y%m%d') FROM t", "SELECT strptime(s, '%Y%m%d') FROM t"],
    [
      "SELECT date_add('day', 1, CAST(d AS timestamp)) FROM t",
      'SELECT (CAST(d AS timestamp) + to_days(CAST(1 AS INTEGER))) FROM t',
    ],
    [
      "SELECT lower(date_format(date_add('hour', -2, ts), '%H')) FROM t",
      "SELECT lower(strftime((ts + to_hours(CAST(-2 AS INTEGER))), '%H')) FROM t",
    ],
  ])('rewrites %s', (athena, duck) => {
    expect(athenaToDuckDb(athena, new Set([...KNOWN, 'to_hours']))).toBe(duck);
  });

  it('leaves strings and comments alone', () => {
    const sql = "SELECT 'date_format(x)' AS s -- try(\nFROM t";
    expect(athenaToDuckDb(sql, KNOWN)).toBe(sql);
  });

  it('names every function it cannot run', () => {
    expect(() => athenaToDuckDb('SELECT try(x), geometry_union(g) FROM t', KNOWN)).toThrow(
      UnsupportedSqlError,
    );
    expect(() => athenaToDuckDb('SELECT try(x), geometry_union(g) FROM t', KNOWN)).toThrow(
      'cannot run try(), geometry_union()',
    );
  });

  it('refuses a date format it cannot translate', () => {
    expect(() => mysqlFormatToStrftime('%U')).toThrow('%U has no local equivalent');
  });
});

describe('aliases with column lists', () => {
  it('are not mistaken for calls', () => {
    expect(athenaToDuckDb("SELECT * FROM (VALUES (1, 'a')) AS t(n, s)", new Set())).toContain('AS t(n, s)');
  });
});

describe('rewrites for Athena semantics', () => {
  it.each([
    [
      "SELECT concat(a, 'x') FROM t",
      `SELECT (CASE WHEN (a) IS NULL OR ('x') IS NULL THEN NULL ELSE "concat"(a, 'x') END) FROM t`,
    ],
    [
      'SELECT greatest(a, b) FROM t',
      'SELECT (CASE WHEN (a) IS NULL OR (b) IS NULL THEN NULL ELSE "greatest"(a, b) END) FROM t',
    ],
    ['SELECT if(a > 1, 2) FROM t', 'SELECT (CASE WHEN a > 1 THEN 2 ELSE NULL END) FROM t'],
    [
      "SELECT regexp_replace(s, '(a)', '[$1]') FROM t",
      `SELECT "regexp_replace"(s, '(a)', '[\\1]', 'g') FROM t`,
    ],
    ["SELECT date_diff('hour', a, b) FROM t", `SELECT "date_sub"('hour', a, b) FROM t`],
    ["SELECT DECIMAL '1.50' FROM t", "SELECT CAST('1.50' AS DECIMAL(3,2)) FROM t"],
    ["SELECT DECIMAL '-12' FROM t", "SELECT CAST('-12.' AS DECIMAL(2,0)) FROM t"],
  ])('rewrites %s', (athena, duck) => {
    expect(athenaToDuckDb(athena, new Set())).toBe(duck);
  });

  it('reads the standard substring(s FROM start FOR length) as substr(s, start, length)', () => {
    expect(athenaToDuckDb('SELECT substring(s FROM 2 FOR 3) FROM t', new Set(['length']))).toBe(
      `SELECT (CASE WHEN (2) = 0 OR (2) < -length(s) THEN '' ELSE "substring"(s, 2, 3) END) FROM t`,
    );
  });

  it('rewrites calls nested in the arguments of calls it rewrote', () => {
    expect(athenaToDuckDb('SELECT concat(substr(s, 2), s) FROM t', new Set(['length']))).toBe(
      `SELECT (CASE WHEN ((CASE WHEN (2) = 0 OR (2) < -length(s) THEN '' ELSE "substring"(s, 2) END)) IS NULL OR (s) IS NULL ` +
        `THEN NULL ELSE "concat"((CASE WHEN (2) = 0 OR (2) < -length(s) THEN '' ELSE "substring"(s, 2) END), s) END) FROM t`,
    );
  });
});

describe('SQL that reaches past the catalog', () => {
  it.each([
    ["SELECT * FROM read_csv('/etc/passwd')", 'read_csv()'],
    ["SELECT * FROM 'data.parquet'", "FROM 'data.parquet'"],
    ['SELECT * FROM "dir/data.parquet"', 'FROM "dir/data.parquet"'],
    ['SELECT 1; SELECT 2', 'one statement per query'],
    ['PRAGMA version', 'not PRAGMA'],
    ["COPY t TO '/tmp/x.csv'", 'not COPY'],
  ])('refuses %s, naming %s', (sql, named) => {
    expect(() => athenaToDuckDb(sql, new Set(), new Set(['read_csv']))).toThrow(CatalogTablesOnlyError);
    expect(() => athenaToDuckDb(sql, new Set(), new Set(['read_csv']))).toThrow(named);
  });

  it.each([
    ["SELECT a IS DISTINCT FROM 'x' FROM t"],
    ["SELECT trim(BOTH 'x' FROM 'xax') FROM t"],
    ["SELECT extract(year FROM '2020-01-01') FROM t"],
    ['SHOW TABLES'],
    ['DESCRIBE clickstream'],
  ])('lets %s through: its FROM or statement reads no file', (sql) => {
    expect(athenaToDuckDb(sql, new Set(['trim', 'extract']))).toBe(sql);
  });

  it('lets quoted table names and a trailing semicolon through', () => {
    expect(athenaToDuckDb('SELECT * FROM "clickstream" JOIN "users" ON true;', new Set())).toContain(
      '"users"',
    );
  });
});
