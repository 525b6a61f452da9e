/** Column types a table may declare; each maps to one Glue/Athena type and one Parquet type. */
export type ColumnType =
  | { readonly kind: 'string' }
  | { readonly kind: 'bigint' }
  | { readonly kind: 'int' }
  | { readonly kind: 'double' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'date' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number };

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly comment?: string | undefined;
}

const SIMPLE_TYPES = ['string', 'bigint', 'int', 'double', 'boolean', 'timestamp', 'date'] as const;
const DECIMAL = /^decimal\((\d{1,2}),\s*(\d{1,2})\)$/;

export class ColumnTypeError extends Error {
  override readonly name = 'ColumnTypeError';
}

/** Parses `string`, `bigint`, `decimal(38,9)` and so on, as written in the pipeline description. */
export function parseColumnType(text: string): ColumnType {
  const normalized = text.trim().toLowerCase();
  if ((SIMPLE_TYPES as readonly string[]).includes(normalized)) {
    return { kind: normalized as (typeof SIMPLE_TYPES)[number] } as ColumnType;
  }
  const decimal = DECIMAL.exec(normalized);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    if (precision >= 1 && precision <= 38 && scale <= precision) return { kind: 'decimal', precision, scale };
  }
  throw new ColumnTypeError(
    `unknown column type ${JSON.stringify(text)} (use ${SIMPLE_TYPES.join(', ')} or decimal(p,s) with p <= 38)`,
  );
}

/** The type as Glue, Athena DDL and the pipeline description spell it. */
export function formatColumnType(type: ColumnType): string {
  return type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.kind;
}
