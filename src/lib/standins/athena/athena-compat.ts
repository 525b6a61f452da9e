/**
 * Runs Athena (Trino) SQL on DuckDB. Most of what transforms use is spelled the same in both; the
 * rest is either a DuckDB macro of the Athena name, or a small rewrite of the call. Anything else
 * is refused with an error naming it, rather than run with a different meaning.
 */
export class UnsupportedSqlError extends Error {
  override readonly name: string = 'UnsupportedSqlError';
}

/**
 * SQL that reaches past the catalog: a DuckDB table function over files (read_csv, glob, …), a
 * path in FROM, or a statement that is not a query (COPY, ATTACH, INSTALL, SET, …). Athena reads
 * only the tables its catalog defines, so such SQL would fail there.
 */
export class CatalogTablesOnlyError extends UnsupportedSqlError {
  override readonly name = 'CatalogTablesOnlyError';
}

/** Athena functions DuckDB lacks, as macros; created only where DuckDB has no function of the name. */
export const ATHENA_MACROS: Readonly<Record<string, string>> = {
  approx_distinct: 'approx_distinct(x) AS approx_count_distinct(x)',
  approx_percentile: 'approx_percentile(x, p) AS approx_quantile(x, p)',
  json_extract_scalar: 'json_extract_scalar(j, p) AS json_extract_string(j, p)',
  json_parse: 'json_parse(s) AS json(s)',
  json_format: 'json_format(j) AS CAST(j AS VARCHAR)',
  regexp_like: 'regexp_like(s, p) AS regexp_matches(s, p)',
  day_of_week: 'day_of_week(t) AS isodow(t)',
  day_of_year: 'day_of_year(t) AS dayofyear(t)',
  date: 'date(x) AS CAST(x AS DATE)',
  // Athena's from_unixtime and from_iso8601_timestamp return a timestamp with time zone
  from_unixtime: 'from_unixtime(x) AS to_timestamp(x)',
  to_unixtime: 'to_unixtime(t) AS epoch(t)',
  from_iso8601_timestamp: 'from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
  // a date as its day, a timestamp(3) with milliseconds, one with time zone (UTC here) with Z
  to_iso8601: `to_iso8601(t) AS CASE typeof(t)
    WHEN 'DATE' THEN strftime(t, '%Y-%m-%d')
    WHEN 'TIMESTAMP WITH TIME ZONE' THEN strftime(t, '%Y-%m-%dT%H:%M:%S.%gZ')
    ELSE strftime(t, '%Y-%m-%dT%H:%M:%S.%g') END`,
  truncate: 'truncate(x) AS trunc(x)',
  is_nan: 'is_nan(x) AS isnan(x)',
  is_infinite: 'is_infinite(x) AS isinf(x)',
  is_finite: 'is_finite(x) AS isfinite(x)',
  nan: "nan() AS CAST('NaN' AS DOUBLE)",
  infinity: "infinity() AS CAST('Infinity' AS DOUBLE)",
  array_join: 'array_join(a, d) AS array_to_string(a, d)',
  array_max: 'array_max(a) AS list_max(a)',
  array_min: 'array_min(a) AS list_min(a)',
  last_day_of_month: 'last_day_of_month(t) AS last_day(t)',
  levenshtein_distance: 'levenshtein_distance(a, b) AS levenshtein(a, b)',
  every: 'every(x) AS bool_and(x)',
  rand: 'rand() AS random()',
};

/** Words followed by `(` that are syntax, not functions. */
const SYNTAX = new Set([
  'as',
  'and',
  'or',
  'not',
  'in',
  'exists',
  'values',
  'over',
  'filter',
  'within',
  'from',
  'join',
  'on',
  'using',
  'select',
  'where',
  'with',
  'cast',
  'try_cast',
  'coalesce',
  'nullif',
  'if',
  'case',
  'when',
  'then',
  'else',
  'row',
  'array',
  'map',
  'interval',
  'decimal',
  'varchar',
  'char',
  'timestamp',
  'any',
  'all',
  'union',
  'partition',
  'by',
  'table',
  'lateral',
  'unnest',
  'current_timestamp',
  'current_date',
  'extract',
  'position',
]);

/** Athena's date_format/date_parse use MySQL specifiers; DuckDB's strftime/strptime use C's. */
const MYSQL_TO_STRFTIME: Readonly<Record<string, string>> = {
  Y: '%Y',
  y: '%y',
  m: '%m',
  c: '%-m',
  d: '%d',
  e: '%-d',
  H: '%H',
  k: '%-H',
  h: '%I',
  I: '%I',
  l: '%-I',
  i: '%M',
  s: '%S',
  S: '%S',
  f: '%f',
  M: '%B',
  b: '%b',
  W: '%A',
  a: '%a',
  j: '%j',
  p: '%p',
  T: '%H:%M:%S',
  r: '%I:%M:%S %p',
  '%': '%%',
};

export function mysqlFormatToStrftime(format: string): string {
  return format.replace(/%(.)/g, (_whole, specifier: string) => {
    const converted = MYSQL_TO_STRFTIME[specifier];
    if (!converted)
      throw new UnsupportedSqlError(`date format specifier %${specifier} has no local equivalent`);
    return converted;
  });
}

/** The SQL with string literals, quoted identifiers and comments blanked, for scanning. */
function codeOnly(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, (text) =>
    ' '.repeat(text.length),
  );
}

/** Splits the top-level arguments of the call whose `(` is at `open`; returns them and the `)`. */
function callArguments(sql: string, code: string, open: number): { args: string[]; close: number } {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(sql.slice(start, i).trim());
        return { args, close: i };
      }
    } else if (c === ',' && depth === 1) {
      args.push(sql.slice(start, i).trim());
      start = i + 1;
    }
  }
  throw new UnsupportedSqlError('unbalanced parentheses in the SQL');
}

const STRING_LITERAL = /^'((?:[^']|'')*)'$/;

/** Rewrites the Athena calls whose DuckDB counterpart takes other arguments. */
function rewriteCalls(sql: string): string {
  const pattern =
    /\b(date_format|date_parse|date_add|concat|greatest|least|substr|substring|date_diff|regexp_replace|if|round)\s*\(/gi;
  for (;;) {
    const code = codeOnly(sql);
    pattern.lastIndex = 0;
    const match = pattern.exec(code);
    if (!match) return sql;
    const name = match[1]!.toLowerCase();
    const open = match.index + match[0].length - 1;
    const { args, close } = callArguments(sql, code, open);
    let replacement: string;
    // a rewritten call's name is quoted, so this scan (which skips quoted text) does not meet it again
    const nullIfAnyNull = (call: string) =>
      `(CASE WHEN ${args.map((a) => `(${a}) IS NULL`).join(' OR ')} THEN NULL ELSE ${call} END)`;
    if (name === 'round') {
      // round(x, n) goes through a macro that refuses decimals (src/lib/standins/athena/athena-semantics.ts)
      replacement =
        args.length === 2 ? `"athena_round_places"(${args.join(', ')})` : `"round"(${args.join(', ')})`;
    } else if (name === 'date_diff') {
      // Athena counts whole units elapsed (01:30 to 02:29 is 0 hours); DuckDB's date_diff counts
      // boundaries crossed, its date_sub whole units
      replacement = `"date_sub"(${args.join(', ')})`;
    } else if (name === 'concat') {
      // Athena's concat is NULL when any argument is; DuckDB's skips NULLs
      replacement = nullIfAnyNull(`"concat"(${args.join(', ')})`);
    } else if (name === 'if') {
      // Athena's if(condition, value) is NULL when the condition does not hold
      if (args.length < 2 || args.length > 3)
        throw new UnsupportedSqlError('if takes (condition, value[, else])');
      replacement = `(CASE WHEN ${args[0]} THEN ${args[1]} ELSE ${args[2] ?? 'NULL'} END)`;
    } else if (name === 'regexp_replace') {
      // Athena replaces every match, and writes a group as $1; DuckDB replaces the first unless 'g', and writes \1
      if (args.length < 2 || args.length > 3)
        throw new UnsupportedSqlError('regexp_replace takes (string, pattern[, replacement])');
      const replacementText = args[2] ?? "''";
      if (!STRING_LITERAL.test(replacementText)) {
        throw new UnsupportedSqlError('regexp_replace needs a literal replacement to run locally');
      }
      replacement = `"regexp_replace"(${args[0]}, ${args[1]}, ${replacementText.replace(/\$(\d)/g, '\\$1')}, 'g')`;
    } else if (name === 'greatest' || name === 'least') {
      // Athena's greatest and least are NULL when any argument is; DuckDB's skip NULLs
      replacement = nullIfAnyNull(`"${name}"(${args.join(', ')})`);
    } else if (name === 'substr' || name === 'substring') {
      // the SQL standard's substring(s FROM start [FOR length]) is the same call
      const standard =
        args.length === 1 ? /^([\s\S]+?)\bFROM\b([\s\S]+?)(?:\bFOR\b([\s\S]+))?$/i.exec(args[0]!) : null;
      if (standard)
        args.splice(
          0,
          1,
          ...standard
            .slice(1)
            .filter((a): a is string => a !== undefined)
            .map((a) => a.trim()),
        );
      if (args.length < 2 || args.length > 3) {
        throw new UnsupportedSqlError(`${name} takes (string, start) or (string, start, length) locally`);
      }
      // Athena's substr from position 0, or from before the start counting from the end, is empty
      replacement =
        `(CASE WHEN (${args[1]}) = 0 OR (${args[1]}) < -length(${args[0]}) THEN '' ` +
        `ELSE "substring"(${args.join(', ')}) END)`;
    } else if (name === 'date_add') {
      if (args.length !== 3) throw new UnsupportedSqlError('date_add takes (unit, value, timestamp)');
      const unit = STRING_LITERAL.exec(args[0]!)?.[1]?.toLowerCase();
      if (!unit || !/^(millisecond|second|minute|hour|day|week|month|quarter|year)$/.test(unit)) {
        throw new UnsupportedSqlError(`date_add with unit ${args[0]} has no local equivalent`);
      }
      replacement = `(${args[2]} + to_${unit}s(CAST(${args[1]} AS INTEGER)))`;
    } else {
      const format = STRING_LITERAL.exec(args[1] ?? '')?.[1];
      if (args.length !== 2 || format === undefined) {
        throw new UnsupportedSqlError(`${name} needs a literal format to run locally`);
      }
      const converted = mysqlFormatToStrftime(format.replace(/''/g, "'")).replace(/'/g, "''");
      replacement = `${name === 'date_format' ? 'strftime' : 'strptime'}(${args[0]}, '${converted}')`;
    }
    sql = sql.slice(0, match.index) + replacement + sql.slice(close + 1);
  }
}

const ATHENA_READS_ONLY_CATALOG_TABLES =
  'Athena reads only the tables in its catalog (query them by name: FROM "table")';

/** The words a DuckDB statement can start with; every one but a query's is refused. */
const DUCKDB_STATEMENTS = new Set(
  (
    'abort alter analyze attach begin call checkpoint comment commit copy create deallocate delete ' +
    'describe detach drop end execute explain export force from import insert install load merge ' +
    'pivot pragma prepare reset rollback select set show start summarize table transaction truncate ' +
    'unpivot update use vacuum values with'
  ).split(' '),
);

/** Refuses anything but one query: Athena runs one statement per query and never COPY, SET, ATTACH, … */
function refuseOtherStatements(code: string): void {
  const body = code.trim().replace(/;$/, '').trim();
  if (body.includes(';')) {
    throw new CatalogTablesOnlyError(
      `${ATHENA_READS_ONLY_CATALOG_TABLES} and runs one statement per query; this SQL holds several`,
    );
  }
  const first = /^\(*\s*([a-z]+)/i.exec(body)?.[1]?.toLowerCase();
  // a word that starts no statement is a typo: DuckDB's parser reports it, as Athena's does
  if (first !== undefined && !DUCKDB_STATEMENTS.has(first)) return;
  // SHOW and DESCRIBE read the catalog, as Athena's SHOW TABLES and DESCRIBE do
  if (!['select', 'with', 'values', 'show', 'describe'].includes(first ?? '')) {
    throw new CatalogTablesOnlyError(
      `${ATHENA_READS_ONLY_CATALOG_TABLES}; the local engine runs queries only, not ${first?.toUpperCase() ?? 'this statement'}`,
    );
  }
}

/** Calls whose arguments hold a FROM that is no table: trim(BOTH 'x' FROM s), extract(day FROM t), … */
const FROM_IN_ARGUMENTS = /\b(trim|extract|substring|substr|overlay|position)\s*$/i;

/** The name of the call whose parentheses hold `at`, if any. */
function enclosingCall(code: string, at: number): string {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    if (code[i] === ')') depth++;
    else if (code[i] === '(') {
      if (depth === 0) return code.slice(0, i);
      depth--;
    }
  }
  return '';
}

/** Refuses a path where a table belongs (DuckDB reads `FROM 'file.csv'` or `FROM "dir/file"`). */
function refusePathsInFrom(sql: string, code: string): void {
  for (const match of code.matchAll(/\b(?:FROM|JOIN)\b/gi)) {
    if (/\bDISTINCT\s+$/i.test(code.slice(0, match.index))) continue;
    if (FROM_IN_ARGUMENTS.test(enclosingCall(code, match.index))) continue;
    // the quoted text is blank in `code`, so it is read from the SQL itself
    const after = sql.slice(match.index + match[0].length);
    const quoted = /^\s*('(?:[^']|'')*'|"(?:[^"]|"")*")/.exec(after)?.[1];
    if (quoted && (quoted.startsWith("'") || /[/\\.:]/.test(quoted))) {
      throw new CatalogTablesOnlyError(`${ATHENA_READS_ONLY_CATALOG_TABLES}; not a path: FROM ${quoted}`);
    }
  }
}

/**
 * Rewrites Athena SQL for DuckDB, refusing function calls DuckDB cannot run: `known` is every
 * function name the DuckDB connection has (its own and the macros above); `tableFunctions` are
 * DuckDB's table functions (file readers, globs, catalog internals), which Athena does not have.
 */
/** Athena's DECIMAL '1.0' has the literal's precision and scale; DuckDB's is decimal(18,3). */
function rewriteDecimalLiterals(sql: string): string {
  const code = codeOnly(sql);
  return sql.replace(
    /\bDECIMAL\s*'\s*([+-]?)(\d*)(?:\.(\d*))?\s*'/gi,
    (whole, sign: string, int: string, fraction = '', at: number) => {
      if (code.slice(at, at + 7).toUpperCase() !== 'DECIMAL') return whole;
      const digits = `${int}${fraction}`.replace(/^0+(?=\d)/, '') || '0';
      return `CAST('${sign}${int || '0'}.${fraction}' AS DECIMAL(${Math.max(digits.length, fraction.length, 1)},${fraction.length}))`;
    },
  );
}

export function athenaToDuckDb(
  sql: string,
  known: ReadonlySet<string>,
  tableFunctions: ReadonlySet<string> = new Set(),
): string {
  const code = codeOnly(sql);
  refuseOtherStatements(code);
  refusePathsInFrom(sql, code);
  const rewritten = rewriteCalls(rewriteDecimalLiterals(sql));
  const unknown = new Set<string>();
  const outside = new Set<string>();
  // a name after AS is an alias with its column list (`AS t(a, b)`), not a call
  for (const match of codeOnly(rewritten).matchAll(/(\bAS\s+)?\b([a-z_][a-z0-9_]*)\s*\(/gi)) {
    if (match[1]) continue;
    const name = match[2]!.toLowerCase();
    if (SYNTAX.has(name) || known.has(name)) continue;
    if (tableFunctions.has(name)) outside.add(name);
    else unknown.add(name);
  }
  if (outside.size > 0) {
    throw new CatalogTablesOnlyError(
      `${ATHENA_READS_ONLY_CATALOG_TABLES}; ${[...outside].map((n) => `${n}()`).join(', ')} is DuckDB's, reading past the catalog`,
    );
  }
  if (unknown.size > 0) {
    throw new UnsupportedSqlError(
      `The local engine (DuckDB) cannot run ${[...unknown].map((n) => `${n}()`).join(', ')}; ` +
        'rewrite the transform with functions both Athena and DuckDB have, or add a macro in src/lib/standins/athena/athena-compat.ts',
    );
  }
  return rewritten;
}
