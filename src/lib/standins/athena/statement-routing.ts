import { UnsupportedSqlError } from './athena-compat';

/** Which statement the local engine is asked to run, and its parts. */
export type LocalStatement =
  | {
      readonly kind: 'ctas';
      readonly database: string;
      readonly table: string;
      readonly properties: CtasProperties;
      readonly selectText: string;
    }
  | {
      readonly kind: 'insert';
      readonly database: string;
      readonly table: string;
      readonly selectText: string;
    }
  | { readonly kind: 'select'; readonly selectText: string };

/** The CTAS `WITH (...)` properties the local engine reads. */
export interface CtasProperties {
  /** `external_location`, when the statement names one. */
  readonly externalLocation: string | undefined;
  readonly partitionedBy: readonly string[];
  readonly writeCompression: string;
  /** `bucketed_by`: the columns whose hash picks each row's bucket (a file). */
  readonly bucketedBy: readonly string[];
  /** `bucket_count`, an unquoted integer. */
  readonly bucketCount: number | undefined;
}

const CTAS = /^\s*CREATE\s+TABLE\s+("[a-z0-9_]+")\.("[a-z0-9_]+")\s*WITH\s*\(([\s\S]*?)\)\s*AS\s*([\s\S]+)$/i;
const INSERT = /^\s*INSERT\s+INTO\s+("[a-z0-9_]+")\.("[a-z0-9_]+")\s+([\s\S]+)$/i;
const PROPERTY = /(\w+)\s*=\s*('(?:[^']|'')*'|ARRAY\s*\[[^\]]*\]|-?\d+)/g;

function unquote(identifier: string): string {
  return identifier.slice(1, -1);
}

function ctasProperties(text: string): CtasProperties {
  const properties = new Map([...text.matchAll(PROPERTY)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  return {
    externalLocation: /^'(.*)'$/.exec(properties.get('external_location') ?? '')?.[1],
    partitionedBy: [...(properties.get('partitioned_by') ?? '').matchAll(/'([a-z0-9_]+)'/g)].map(
      (m) => m[1]!,
    ),
    writeCompression: /^'(.*)'$/.exec(properties.get('write_compression') ?? "'ZSTD'")?.[1] ?? 'ZSTD',
    bucketedBy: [...(properties.get('bucketed_by') ?? '').matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]!),
    bucketCount: properties.has('bucket_count') ? Number(properties.get('bucket_count')) : undefined,
  };
}

/** Routes a statement: CTAS, INSERT INTO or a query; anything else is refused by name. */
export function routeStatement(sql: string): LocalStatement {
  const ctas = CTAS.exec(sql);
  if (ctas)
    return {
      kind: 'ctas',
      database: unquote(ctas[1]!),
      table: unquote(ctas[2]!),
      properties: ctasProperties(ctas[3]!),
      selectText: ctas[4]!,
    };
  const insert = INSERT.exec(sql);
  if (insert)
    return {
      kind: 'insert',
      database: unquote(insert[1]!),
      table: unquote(insert[2]!),
      selectText: insert[3]!,
    };
  if (/^\s*(WITH|SELECT)\b/i.test(sql)) return { kind: 'select', selectText: sql };
  throw new UnsupportedSqlError(
    `The local engine runs CTAS, INSERT INTO and SELECT; not: ${sql.trim().slice(0, 60)}…`,
  );
}
