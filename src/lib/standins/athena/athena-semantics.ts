import { UnsupportedSqlError } from './athena-compat';

/**
 * Athena (engine v3, Trino) and DuckDB spell much of SQL the same but compute some of it
 * differently. This module closes the gaps that matter for transforms and checks: it rewrites the
 * parsed query (DuckDB's own parser, as JSON) so operators and casts take Athena's meaning, and
 * where matching Athena would be costly the rewritten query refuses the construct by name when it
 * runs, rather than computing another value. test/fixtures/athena-semantics/cases.json holds the
 * cases, each with Trino's result and its source.
 */

/** A construct the local engine evaluates differently from Athena and refuses, naming it. */
export class AthenaSemanticsError extends UnsupportedSqlError {
  override readonly name = 'AthenaSemanticsError';
}

/** The prefix DuckDB's error() gets from the refusals below; LocalAthena turns it into the typed error. */
export const REFUSAL_PREFIX = 'Athena evaluates ';

function refusal(text: string): string {
  return `error('${(REFUSAL_PREFIX + text).replace(/'/g, "''")}')`;
}

const FLOATING = "typeof(%) IN ('DOUBLE', 'FLOAT')";
const floating = (x: string) => FLOATING.replace('%', x);
const decimal = (x: string) => `starts_with(typeof(${x}), 'DECIMAL')`;

const INTEGER_TARGETS = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT'] as const;
/** How Trino names the integer types in a failed cast's message. */
const TRINO_INTEGER_NAMES: Record<(typeof INTEGER_TARGETS)[number], string> = {
  TINYINT: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INTEGER: 'INT',
  BIGINT: 'BIGINT',
};

/** Macros the rewritten queries call; created once per connection. */
export const SEMANTIC_MACROS: readonly string[] = [
  // integer / integer truncates toward zero and fails on zero; a double by zero is Infinity or NaN
  `athena_divide(a, b) AS CASE
    WHEN ${decimal('a')} OR ${decimal('b')} THEN ${refusal('division of decimals to a decimal of its own precision and rounding; divide doubles instead: CAST(x AS double) / y')}
    WHEN b = 0 AND (${floating('a')} OR ${floating('b')}) THEN ${refusal('a double divided by zero as Infinity or NaN; guard the divisor: x / nullif(y, 0)')}
    WHEN b = 0 THEN error('Division by zero')
    ELSE a // b END`,
  // Athena keeps a decimal's scale when rounding it to n places (3.449 to 3.400); DuckDB's scale is n
  `athena_round_places(x, n) AS CASE
    WHEN ${decimal('x')} THEN ${refusal('rounding a decimal to a number of places, keeping its scale (round(3.449, 1) is 3.400); round a double instead: round(CAST(x AS double), n)')}
    ELSE round(x, n) END`,
  `athena_modulo(a, b) AS CASE
    WHEN b = 0 AND NOT (${floating('a')} OR ${floating('b')}) THEN error('Division by zero')
    ELSE a % b END`,
  // a double cast to an integer rounds half away from zero; text must be digits with an optional
  // sign and nothing around them (Trino parses it with Java's Integer.parseInt / Long.parseLong)
  ...INTEGER_TARGETS.map(
    (target) => `athena_cast_${target.toLowerCase()}(x) AS CASE
    WHEN ${floating('x')} THEN CAST(round(TRY_CAST(x AS DOUBLE)) AS ${target})
    WHEN typeof(x) = 'VARCHAR' AND NOT regexp_matches(CAST(x AS VARCHAR), '^[+-]?[0-9]+$')
      THEN error('Cannot cast ''' || CAST(x AS VARCHAR) || ''' to ${TRINO_INTEGER_NAMES[target]}')
    ELSE CAST(x AS ${target}) END`,
  ),
  // try_cast is NULL wherever the cast above fails
  ...INTEGER_TARGETS.map(
    (target) => `athena_try_cast_${target.toLowerCase()}(x) AS CASE
    WHEN ${floating('x')} THEN TRY_CAST(round(TRY_CAST(x AS DOUBLE)) AS ${target})
    WHEN typeof(x) = 'VARCHAR' AND NOT regexp_matches(CAST(x AS VARCHAR), '^[+-]?[0-9]+$') THEN NULL
    ELSE TRY_CAST(x AS ${target}) END`,
  ),
  `athena_cast_varchar(x) AS CASE
    WHEN ${floating('x')} THEN ${refusal("a double cast to varchar in scientific notation (1.5E0); format it instead: format('%.2f', x)")}
    ELSE CAST(x AS VARCHAR) END`,
];

type Node = { [key: string]: unknown };

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rewriteNode(node: Node): Node {
  if (node.class === 'FUNCTION' && node.is_operator === true) {
    if (node.function_name === '/' || node.function_name === '//') {
      return { ...node, function_name: 'athena_divide', is_operator: false };
    }
    if (node.function_name === '%') return { ...node, function_name: 'athena_modulo', is_operator: false };
  }
  if (node.class === 'FUNCTION' && node.function_name === 'mod' && node.schema === '') {
    return { ...node, function_name: 'athena_modulo' };
  }
  if (node.class === 'CAST' && isNode(node.cast_type)) {
    const target = String(node.cast_type.id);
    const integer = (INTEGER_TARGETS as readonly string[]).includes(target);
    const varchar = target === 'VARCHAR' && !node.cast_type.type_info && node.try_cast === false;
    if (integer || varchar) {
      return {
        class: 'FUNCTION',
        type: 'FUNCTION',
        alias: node.alias,
        query_location: node.query_location,
        function_name: `athena_${node.try_cast === true ? 'try_' : ''}cast_${target.toLowerCase()}`,
        schema: '',
        catalog: '',
        children: [node.child],
        filter: null,
        order_bys: { type: 'ORDER_MODIFIER', orders: [] },
        distinct: false,
        is_operator: false,
        export_state: false,
      };
    }
  }
  return node;
}

/** A double literal (5e0): DuckDB's SQL text of it (5.0) would read back as a decimal. */
function isDoubleConstant(node: Node): boolean {
  return (
    node.class === 'CONSTANT' &&
    isNode(node.value) &&
    isNode(node.value.type) &&
    (node.value.type.id === 'DOUBLE' || node.value.type.id === 'FLOAT')
  );
}

function castTo(child: Node, type: string): Node {
  return {
    class: 'CAST',
    type: 'OPERATOR_CAST',
    alias: child.alias,
    query_location: child.query_location,
    child: { ...child, alias: '' },
    cast_type: { id: type, type_info: null },
    try_cast: false,
  };
}

function walk(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(walk);
  if (!isNode(value)) return value;
  const rewritten = rewriteNode(value);
  const out: Node = {};
  for (const [key, child] of Object.entries(rewritten)) out[key] = walk(child);
  return isDoubleConstant(out) ? castTo(out, 'DOUBLE') : out;
}

/**
 * Rewrites a query parsed by DuckDB's json_serialize_sql so its operators and casts mean what
 * Athena's do; returns undefined when DuckDB could not parse it (its own error then says why).
 */
export function rewriteParsedQuery(serialized: string): string | undefined {
  // numbers are kept as their text: a double 5.0 must not come back as the integer 5, nor a
  // 64-bit position be rounded
  const marked = serialized.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (token) =>
    token.startsWith('"') ? token : `"${NUMBER_MARK_JSON}${token}"`,
  );
  const parsed = JSON.parse(marked) as { error?: boolean; statements?: unknown[] };
  if (parsed.error || !parsed.statements) return undefined;
  return JSON.stringify(walk(parsed)).replace(
    new RegExp(`"${NUMBER_MARK_JSON.replace(/\\/g, '\\\\')}([^"]*)"`, 'g'),
    (_whole, number: string) => number,
  );
}

/** A number's marker as JSON text spells it (a control character, which SQL text never holds). */
const NUMBER_MARK_JSON = '\\u0001number:';

/** A DuckDB error raised by a refusal above, as the typed error; anything else unchanged. */
export function semanticsError(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const at = message.indexOf(REFUSAL_PREFIX);
  if (at < 0) return error;
  const text = message.slice(at).split('\n')[0]!;
  return new AthenaSemanticsError(`${text} (the local engine cannot, so it refuses it)`, { cause: error });
}
