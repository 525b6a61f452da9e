import {
  athenaToDuckDb,
  mysqlFormatToStrftime,
  UnsupportedSqlError,
} from '../../../src/lib/query/athena-compat';

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
