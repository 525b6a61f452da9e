import type { ColumnKind, LoaderValueCheck, SampleContext } from '../column-kind';
import { JsonNumber } from '../json-number';

export interface StringColumn {
  readonly kind: 'string';
}

/** Text that is well-formed UTF-16; a lone surrogate has no UTF-8 encoding (ES2024's isWellFormed). */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** Text columns of a database that cannot hold U+0000 (PostgreSQL): COPY would fail without naming row or column. */
const nulFree =
  (displayName: string): LoaderValueCheck =>
  (value) =>
    value.includes('\u0000')
      ? `holds a NUL character (U+0000), which ${displayName} text cannot store`
      : undefined;

const WORDS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/country/, ['DE', 'FR', 'US', 'GB', 'NL', 'ES', 'JP']],
  [/city/, ['Berlin', 'Paris', 'Austin', 'London', 'Utrecht', 'Madrid', 'Osaka']],
  [/currency/, ['EUR', 'USD', 'GBP']],
  [/(^|_)(status|state)$/, ['pending', 'active', 'completed', 'cancelled']],
  [/(^|_)(type|kind|category)$/, ['standard', 'express', 'gift', 'bulk']],
  [/(plan|tier)/, ['free', 'pro', 'team', 'enterprise']],
  [/(locale|language)/, ['en-US', 'de-DE', 'fr-FR', 'ja-JP']],
  [/(browser)/, ['Chrome', 'Firefox', 'Safari', 'Edge']],
  [/(^|_)os(_|$)/, ['iOS', 'Android', 'macOS', 'Windows', 'Linux']],
  [/(device)/, ['mobile', 'desktop', 'tablet']],
  [
    /(first_name|display_name|(^|_)name$)/,
    ['Ada', 'Grace', 'Alan', 'Radia', 'Barbara', 'Edsger', 'Katherine'],
  ],
];

/** Text that looks like what the column's name suggests: an email, an id, a path, a country... */
function sampleText({ last, key, index, random }: SampleContext): string {
  if (/email/.test(last)) return `user${index + 1}@example.com`;
  if (/(^|_)id$/.test(last)) return `${key}_${String(index + 1).padStart(6, '0')}`;
  if (/(url|path|referrer)/.test(last)) return `/${key}/${index + 1}`;
  for (const [pattern, words] of WORDS) if (pattern.test(last)) return random.pick(words);
  return `${last.replaceAll('_', ' ')} ${index + 1}`;
}

const STRING: StringColumn = { kind: 'string' };

export const stringKind: ColumnKind<StringColumn> = {
  kind: 'string',
  spelling: 'string',
  parse: (text) => (text === 'string' ? STRING : undefined),
  format: () => 'string',
  glueType: () => 'string',
  duckDbType: () => 'VARCHAR',
  fromDuckDbType: (duckType) => (duckType === 'VARCHAR' ? STRING : undefined),
  // Trino types whose CSV text is loaded as it is: nested values arrive as their JSON-like text
  athenaResult: () => ({ type: 'varchar', precision: 0, scale: 0 }),
  athenaResultNames: [
    'varchar',
    'char',
    'string',
    'array',
    'map',
    'row',
    'struct',
    'json',
    'varbinary',
    'binary',
    'uuid',
    'ipaddress',
    'time',
    'time with time zone',
    // Athena writes the zone after the time (`... 09:15:02.120 UTC`), which no target type parses
    'timestamp with time zone',
    'interval year to month',
    'interval day to second',
    'unknown',
  ],
  fromAthenaResult: () => STRING,
  parquetElement: () => ({ type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } }),
  converter: (_, { fail, problem }) => {
    const bad = fail('string');
    return (value) => {
      if (typeof value === 'string')
        return isWellFormed(value)
          ? value
          : problem('string', 'holds a lone surrogate, which UTF-8 cannot encode');
      if (value instanceof JsonNumber) return value.raw;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return bad(value);
    };
  },
  firehoseChecks: 'text',
  plainNumberLimit: () => undefined,
  loaderCheck: (_, database) => (database.textHoldsNul ? undefined : nulFree(database.displayName)),
  sample: (_, context) => sampleText(context),
};
