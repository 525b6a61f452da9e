import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkQuerySql, FAILURES_COLUMN, SAMPLE_ROWS } from '../../../src/lib/checks/check-sql';
import type { ConfigError } from '../../../src/lib/config/reader';
import { bundledPipeline } from '../../../src/lib/pipeline/bundled';
import type { CheckRule, CheckSpec } from '../../../src/lib/pipeline/check-spec';
import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import type { LocalAthena } from '../../../src/lib/standins/athena/local-athena';
import { LocalObjectStore } from '../../../src/lib/standins/s3/local-object-store';
import { writeClickstream } from '../../support/lake-fixtures';
import { openTestAthena } from '../../support/local-athena';

const pipeline = bundledPipeline();
const DATABASE = 'tributary_local';
const LAKE = 'tributary-local-lake';
const scope = { database: DATABASE, from: '2026-11-20', to: '2026-11-21' };

let root: string;
let athena: LocalAthena;

const event = (id: string, type: string | null, time: string) =>
  JSON.stringify({ event_id: id, event_type: type, event_time: time });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-checks-'));
  const store = new LocalObjectStore(root);
  athena = await openTestAthena(root, store, () => new Date(Date.UTC(2026, 10, 21, 12)), pipeline);
  await writeClickstream(store, LAKE, pipeline, [
    // a week before the run: ten events, one without a type (outside the run, so never failing)
    ...Array.from({ length: 9 }, (_, i) => event(`old_${i}`, 'click', '2026-11-13T08:00:00Z')),
    event('old_null', null, '2026-11-13T09:00:00Z'),
    // the run's first day: a duplicated id, a NULL type and a type nobody expects; none on 11-21
    event('dup_1', 'click', '2026-11-20T05:00:00Z'),
    event('dup_1', 'click', '2026-11-20T05:01:00Z'),
    event('null_type', null, '2026-11-20T05:02:00Z'),
    event('strange', "o'dd", '2026-11-20T05:03:00Z'),
  ]);
});

afterAll(async () => {
  athena.close();
  await rm(root, { recursive: true, force: true });
});

async function failures(rule: CheckRule, table = 'clickstream', recomputedDays: readonly string[] = []) {
  const check: CheckSpec = { name: 'c', table, description: '', severity: 'error', rule };
  const { rows } = await athena.query(checkQuerySql(pipeline, check, { ...scope, recomputedDays }));
  return { count: Number(rows[0]?.[FAILURES_COLUMN] ?? 0), rows };
}

describe('check queries on real Parquet through the local engine', () => {
  it('not_null counts the rows of the run’s days with a NULL in any named column', async () => {
    const { count, rows } = await failures({ kind: 'not_null', columns: ['event_type', 'event_id'] });
    expect(count).toBe(1);
    expect(rows[0]).toMatchObject({ event_id: 'null_type' });
  });

  it('unique returns each repeated combination once, with how often it occurs', async () => {
    const { count, rows } = await failures({ kind: 'unique', columns: ['event_id'] });
    expect(count).toBe(1);
    expect(rows[0]).toMatchObject({ event_id: 'dup_1', occurrences: '2' });
  });

  it('accepted_values fails values outside the list, quotes included, and with allow_null leaves NULLs to not_null', async () => {
    const { count, rows } = await failures({
      kind: 'accepted_values',
      column: 'event_type',
      values: ['click', 'page_view'],
      allowNull: true,
    });
    expect(count).toBe(1);
    expect(rows[0]).toMatchObject({ event_type: "o'dd" });
    expect(
      (
        await failures({
          kind: 'accepted_values',
          column: 'event_type',
          values: ['click', "o'dd"],
          allowNull: true,
        })
      ).count,
    ).toBe(0);
  });

  it('accepted_values without allow_null fails a NULL as a value outside the list', async () => {
    const { count, rows } = await failures({
      kind: 'accepted_values',
      column: 'event_type',
      values: ['click', "o'dd"],
      allowNull: false,
    });
    expect(count).toBe(1);
    expect(rows[0]).toMatchObject({ event_id: 'null_type', event_type: null });
  });

  it('row_count fails a day with no rows at all, counted as 0', async () => {
    const { count, rows } = await failures({
      kind: 'row_count',
      min: 1,
      max: undefined,
      withinFactorOfLastWeek: undefined,
    });
    expect(count).toBe(1);
    expect(rows[0]).toMatchObject({ dt: '2026-11-21', row_count: '0' });
    expect(
      (await failures({ kind: 'row_count', min: 0, max: 3, withinFactorOfLastWeek: undefined })).count,
    ).toBe(1);
  });

  it('row_count compares each day with the same weekday a week before', async () => {
    const { count, rows } = await failures({
      kind: 'row_count',
      min: undefined,
      max: undefined,
      withinFactorOfLastWeek: 2,
    });
    expect(count).toBe(1);
    expect(rows[0]).toMatchObject({ dt: '2026-11-20', row_count: '4', same_weekday_last_week: '10' });
    expect(
      (await failures({ kind: 'row_count', min: undefined, max: undefined, withinFactorOfLastWeek: 3 }))
        .count,
    ).toBe(0);
  });

  it('freshness measures the latest event time from the end of the run’s last day', async () => {
    expect((await failures({ kind: 'freshness', column: 'event_time', maxAgeSeconds: 86_400 })).count).toBe(
      1,
    );
    expect(
      (await failures({ kind: 'freshness', column: 'event_time', maxAgeSeconds: 2 * 86_400 })).count,
    ).toBe(0);
  });

  it('sql returns the rows its own query returns, with the run’s days filled in', async () => {
    const { count } = await failures({
      kind: 'sql',
      sql: "SELECT event_id FROM {{table:clickstream}} WHERE dt BETWEEN {{from}} AND {{to}} AND event_id LIKE 'dup%'",
    });
    expect(count).toBe(2);
  });

  it('keeps every failing row in the result, each with the total, for a person to read', async () => {
    const { count, rows } = await failures({
      kind: 'sql',
      sql: "SELECT event_id FROM {{table:clickstream}} WHERE dt >= '2026-11-13'",
    });
    expect(count).toBe(14);
    expect(rows.length).toBeGreaterThan(SAMPLE_ROWS);
    expect(rows).toHaveLength(14);
  });

  it('reads the days the run recomputed as well as its own, with every kind', async () => {
    const recomputed = ['2026-11-13'];
    const nulls = await failures({ kind: 'not_null', columns: ['event_type'] }, 'clickstream', recomputed);
    expect(nulls.count).toBe(2);
    expect(nulls.rows.map((r) => r.event_id).sort()).toEqual(['null_type', 'old_null']);
    const counts = await failures(
      { kind: 'row_count', min: 11, max: undefined, withinFactorOfLastWeek: undefined },
      'clickstream',
      recomputed,
    );
    expect(counts.rows.map((r) => [r.dt, r.row_count]).sort()).toEqual([
      ['2026-11-13', '10'],
      ['2026-11-20', '4'],
      ['2026-11-21', '0'],
    ]);
    // a query of its own is given the range from the earliest recomputed day
    const old =
      "SELECT event_id FROM {{table:clickstream}} WHERE dt BETWEEN {{from}} AND {{to}} AND event_id LIKE 'old%'";
    expect((await failures({ kind: 'sql', sql: old })).count).toBe(0);
    expect((await failures({ kind: 'sql', sql: old }, 'clickstream', recomputed)).count).toBe(10);
  });

  it('reads a recomputed day inside the run’s own range no differently', () => {
    const check: CheckSpec = {
      name: 'c',
      table: 'clickstream',
      description: '',
      severity: 'error',
      rule: { kind: 'not_null', columns: ['event_type'] },
    };
    expect(checkQuerySql(pipeline, check, { ...scope, recomputedDays: ['2026-11-21', '2026-11-20'] })).toBe(
      checkQuerySql(pipeline, check, scope),
    );
  });

  it('writes every identifier quoted and refuses one that is not an identifier', () => {
    const check: CheckSpec = {
      name: 'c',
      table: 'clickstream',
      description: '',
      severity: 'warn',
      rule: { kind: 'not_null', columns: ['event_type" OR 1=1 --'] },
    };
    expect(() => checkQuerySql(pipeline, check, scope)).toThrow(/not a valid identifier/);
  });
});

describe('checks in pipeline.yml', () => {
  const document = {
    database: 'lake',
    streams: [
      {
        name: 'clicks',
        keys: ['id'],
        columns: [
          { name: 'id', type: 'string' },
          { name: 'at', type: 'timestamp' },
          { name: 'n', type: 'int' },
        ],
      },
    ],
  };
  const parse = (checks: unknown[]) => parsePipeline({ ...document, checks });

  it('reads every kind, error by default', () => {
    const pipeline = parse([
      { name: 'a', table: 'clicks', not_null: ['id'] },
      { name: 'b', table: 'clicks', severity: 'warn', freshness: { column: 'at', maxAge: '6h' } },
      { name: 'c', table: 'clicks', row_count: { min: 1, withinFactorOfLastWeek: 2.5 } },
    ]);
    expect(pipeline.checks.map((c) => [c.name, c.severity, c.rule.kind])).toEqual([
      ['a', 'error', 'not_null'],
      ['b', 'warn', 'freshness'],
      ['c', 'error', 'row_count'],
    ]);
    expect(pipeline.checks[1]!.rule).toEqual({ kind: 'freshness', column: 'at', maxAgeSeconds: 21_600 });
  });

  it('names the check and what is wrong with it', () => {
    const problems = (checks: unknown[]) => {
      try {
        parse(checks);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems([{ name: 'a', table: 'nowhere', not_null: ['id'] }]).join()).toMatch(
      /nowhere is not a lake table/,
    );
    expect(problems([{ name: 'a', table: 'clicks', not_null: ['missing'] }]).join()).toMatch(
      /clicks has no column missing/,
    );
    expect(problems([{ name: 'a', table: 'clicks', not_null: ['id'], unique: ['id'] }]).join()).toMatch(
      /exactly one of/,
    );
    expect(
      problems([{ name: 'a', table: 'clicks', freshness: { column: 'n', maxAge: '1h' } }]).join(),
    ).toMatch(/needs a timestamp column/);
    expect(problems([{ name: 'a', table: 'clicks', row_count: { min: 5, max: 1 } }]).join()).toMatch(
      /min \(5\) is above max/,
    );
    expect(problems([{ name: 'a', table: 'clicks', severity: 'fatal', not_null: ['id'] }]).join()).toMatch(
      /error, warn/,
    );
    expect(problems([{ name: 'a', table: 'clicks', sql: 'SELECT 1; DROP TABLE x' }]).join()).toMatch(
      /one SELECT only/,
    );
    expect(
      problems([
        { name: 'a', table: 'clicks', not_null: ['id'] },
        { name: 'a', table: 'clicks', unique: ['id'] },
      ]).join(),
    ).toMatch(/check a is declared twice/);
  });

  it('ships checks that parse', () => {
    expect(bundledPipeline().checks.length).toBeGreaterThan(0);
  });
});
