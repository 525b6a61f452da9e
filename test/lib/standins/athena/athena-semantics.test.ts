import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledPipeline } from '../../../../src/lib/pipeline/bundled';
import { stageWorkGroups, workGroupName } from '../../../../src/lib/query/workgroups';
import { ingestedLakeTables } from '../../../../src/lib/sources/registry';
import { LocalAthena } from '../../../../src/lib/standins/athena/local-athena';
import { athenaResultType } from '../../../../src/lib/standins/athena/type-maps';
import { LocalCatalog } from '../../../../src/lib/standins/glue/local-catalog';
import { LocalObjectStore } from '../../../../src/lib/standins/s3/local-object-store';

/**
 * One case of Athena engine v3 (Trino) semantics: a query with Trino's result (value as Athena's
 * CSV shows it, and type), or its error, or a construct the local engine refuses by name.
 */
type SemanticsCase = { readonly source: string; readonly athena?: string } & (
  | { readonly sql: string; readonly value: string | boolean | null; readonly type: string }
  | { readonly sql: string; readonly error: string }
  | { readonly sql: string; readonly refused: string }
  | { readonly ctas: string; readonly error: string }
);

const CASES = (
  JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'athena-semantics', 'cases.json'), 'utf8'),
  ) as { cases: SemanticsCase[] }
).cases;

const DATABASE = 'tributary_local';
const LAKE = 'tributary-local-lake';
const TRANSFORMS = workGroupName('tributary-local', 'transforms');

let root: string;
let athena: LocalAthena;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-athena-semantics-'));
  athena = await LocalAthena.open({
    store: new LocalObjectStore(root),
    catalog: new LocalCatalog(root),
    database: DATABASE,
    lakeBucket: LAKE,
    resultsBucket: 'tributary-local-results',
    ingestedTables: ingestedLakeTables(bundledPipeline()),
    lakeStartDate: '2026-01-01',
    workGroups: stageWorkGroups('tributary-local'),
    now: () => new Date(Date.UTC(2026, 10, 21, 12)),
  });
});

afterAll(async () => {
  athena.close();
  await rm(root, { recursive: true, force: true });
});

/** Athena's type name for a result column: decimals with their precision and scale. */
function athenaType(duckType: string): string {
  const { type, precision, scale } = athenaResultType(duckType);
  return type === 'decimal' ? `decimal(${precision},${scale})` : type;
}

/** A local value as Athena's result shows it: timestamps with milliseconds, doubles by value. */
function shown(value: unknown, type: string): string | boolean | null {
  if (value === null || typeof value === 'boolean') return value as boolean | null;
  const text = String(value);
  if (type === 'timestamp') {
    const [whole, fraction = ''] = text.split('.');
    return `${whole}.${fraction.padEnd(3, '0').slice(0, 3)}`;
  }
  return text;
}

function sameValue(expected: string | boolean | null, actual: string | boolean | null, type: string) {
  if (type === 'double' && typeof expected === 'string' && typeof actual === 'string') {
    expect(Number(actual)).toBe(Number(expected));
  } else {
    expect(actual).toEqual(expected);
  }
}

describe('the Athena semantics corpus', () => {
  it('is broad and says where every case comes from', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
    for (const c of CASES)
      expect(c.source).toMatch(
        /^(https:\/\/(trino\.io|docs\.aws\.amazon\.com)\/|core\/trino-main\/src\/(test|main)\/java\/io\/trino\/.+\.java$)/,
      );
  });
});

describe('the local engine computes what Athena computes', () => {
  const values = CASES.filter((c): c is Extract<SemanticsCase, { value: unknown }> => 'value' in c);
  it.each(values.map((c) => [c.sql, c] as const))('computes %s as Athena does', async (_sql, c) => {
    const { columns, rows } = await athena.query(c.sql);
    expect(athenaType(columns[0]!.type)).toBe(c.type);
    sameValue(c.value, shown(Object.values(rows[0]!)[0] ?? null, c.type), c.type);
  });
});

describe('the local engine fails where Athena fails', () => {
  const errors = CASES.filter(
    (c): c is Extract<SemanticsCase, { sql: string; error: string }> => 'sql' in c && 'error' in c,
  );
  it.each(errors.map((c) => [c.sql, c] as const))('fails %s as Athena does', async (_sql, c) => {
    // DuckDB's errors come from another realm than this test's Error, so they are told by shape
    const failure = await athena.query(c.sql).then(
      (result) => ({ name: 'no error', message: JSON.stringify(result.rows) }),
      (error: { name: string; message: string }) => error,
    );
    expect(failure.name).not.toBe('no error');
    if (c.error !== '' && failure.name !== 'AthenaSemanticsError') {
      // Trino's message where the local engine raises it; DuckDB words its overflows its own way
      if (/overflow/i.test(c.error)) expect(failure.message).toMatch(/overflow|out of range/i);
      else expect(failure.message).toContain(c.error);
    }
  });

  const ctas = CASES.filter((c): c is Extract<SemanticsCase, { ctas: string }> => 'ctas' in c);
  it.each(ctas.map((c, i) => [c.ctas, c, i] as const))('fails a CTAS of %s', async (_sql, c, i) => {
    const statement =
      `CREATE TABLE "${DATABASE}"."zoned_${i}" WITH (format = 'PARQUET', ` +
      `external_location = 's3://${LAKE}/lake/zoned_${i}/') AS ${c.ctas}`;
    await expect(athena.execute(statement, TRANSFORMS)).rejects.toThrow(c.error);
  });
});

describe('the local engine refuses by name what it cannot compute as Athena does', () => {
  const refused = CASES.filter((c): c is Extract<SemanticsCase, { refused: string }> => 'refused' in c);
  it.each(refused.map((c) => [c.sql, c] as const))('refuses %s by name', async (_sql, c) => {
    await expect(athena.query(c.sql)).rejects.toMatchObject({
      name: 'AthenaSemanticsError',
      message: expect.stringContaining(`Athena evaluates ${c.refused}`),
    });
  });
});
