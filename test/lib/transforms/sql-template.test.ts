import {
  dateLiteral,
  parseSqlTemplate,
  renderSql,
  SqlTemplateError,
} from '../../../src/lib/transforms/sql-template';

describe('SQL templates', () => {
  it('renders dates as checked literals and tables as quoted, qualified names', () => {
    const sql = 'SELECT * FROM {{table:clickstream}} WHERE dt BETWEEN {{from}} AND {{ to }}';
    expect(renderSql(sql, { database: 'tributary_dev', from: '2026-11-01', to: '2026-11-20' })).toBe(
      `SELECT * FROM "tributary_dev"."clickstream" WHERE dt BETWEEN '2026-11-01' AND '2026-11-20'`,
    );
  });

  it('lists the parameters and tables a template uses', () => {
    const template = parseSqlTemplate('SELECT 1 FROM {{table:a}} JOIN {{table:b}} ON {{date}} > x');
    expect([...template.tables]).toEqual(['a', 'b']);
    expect([...template.parameters]).toEqual(['date']);
  });

  it.each([
    ['{{day}}', 'unknown placeholder {{day}}'],
    ['{{table:Users}}', 'does not name a table'],
    ['{{table:x; DROP TABLE y}}', 'does not name a table'],
    ['SELECT {{from}', 'unbalanced'],
  ])('rejects %j', (sql, message) => {
    expect(() => parseSqlTemplate(sql)).toThrow(SqlTemplateError);
    expect(() => parseSqlTemplate(sql)).toThrow(message);
  });

  it.each([["2026-11-20' OR '1'='1"], ['2026-02-30'], ['20261120'], ['']])('refuses the date %j', (day) => {
    expect(() => dateLiteral(day)).toThrow(SqlTemplateError);
  });

  it('refuses a database name that is not an identifier', () => {
    expect(() => renderSql('SELECT 1 FROM {{table:a}}', { database: 'x"; --' })).toThrow(
      'is not a valid identifier',
    );
  });
});
