import { type ColumnKind, ColumnTypeError, type LoaderValueCheck } from '../column-kind';
import { decimalTextProblem, numberText, toUnscaledDecimal } from '../value-text';

export interface DecimalColumn {
  readonly kind: 'decimal';
  readonly precision: number;
  readonly scale: number;
}

const WRITTEN = /^decimal\((\d{1,2}),\s*(\d{1,2})\)$/;
const DUCKDB = /^DECIMAL\((\d+),\s*(\d+)\)$/;
const PARAMETERS = /^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

/** Bytes of a FIXED_LEN_BYTE_ARRAY that hold any signed integer of `precision` decimal digits. */
export function decimalByteLength(precision: number): number {
  return Math.ceil((precision * Math.log2(10) + 1) / 8);
}

const isDecimal = (precision: number, scale: number): boolean =>
  Number.isInteger(precision) &&
  Number.isInteger(scale) &&
  precision >= 1 &&
  precision <= 38 &&
  scale >= 0 &&
  scale <= precision;

function loaderCheck({ precision, scale }: DecimalColumn): LoaderValueCheck {
  return (value) => {
    switch (decimalTextProblem(value, precision, scale)) {
      case 'syntax':
        return 'not a decimal number';
      case 'scale':
        return `more than the ${scale} decimal places of decimal(${precision},${scale}); it would be rounded`;
      case 'precision':
        return `too many digits for decimal(${precision},${scale})`;
      case undefined:
        return undefined;
    }
  };
}

export const decimalKind: ColumnKind<DecimalColumn> = {
  kind: 'decimal',
  spelling: 'decimal(p,s) with p <= 38',
  parse: (text) => {
    const match = WRITTEN.exec(text);
    if (!match) return undefined;
    const precision = Number(match[1]);
    const scale = Number(match[2]);
    return isDecimal(precision, scale) ? { kind: 'decimal', precision, scale } : undefined;
  },
  format: ({ precision, scale }) => `decimal(${precision},${scale})`,
  glueType: ({ precision, scale }) => `decimal(${precision},${scale})`,
  duckDbType: ({ precision, scale }) => `DECIMAL(${precision},${scale})`,
  fromDuckDbType: (duckType) => {
    const match = DUCKDB.exec(duckType);
    return match ? { kind: 'decimal', precision: Number(match[1]), scale: Number(match[2]) } : undefined;
  },
  athenaResultNames: ['decimal'],
  athenaResult: ({ precision, scale }) => ({ type: 'decimal', precision, scale }),
  fromAthenaResult: (type, precision, scale) => {
    const parameters = PARAMETERS.exec(type.trim().toLowerCase());
    const p = parameters ? Number(parameters[1]) : precision;
    const s = parameters ? Number(parameters[2]) : (scale ?? 0);
    if (p !== undefined && isDecimal(p, s)) return { kind: 'decimal', precision: p, scale: s };
    throw new ColumnTypeError(
      `decimal needs a precision from 1 to 38 and a scale up to it, got ${JSON.stringify(type)} (precision ${precision}, scale ${scale})`,
    );
  },
  // the unscaled value as a big-endian two's complement integer of the fewest bytes that hold the precision
  parquetElement: ({ precision, scale }) => ({
    type: 'FIXED_LEN_BYTE_ARRAY',
    type_length: decimalByteLength(precision),
    converted_type: 'DECIMAL',
    precision,
    scale,
  }),
  converter: ({ precision, scale }, { fail }) => {
    const bad = fail(`decimal(${precision},${scale})`);
    return (value) => {
      const text = numberText(value);
      const unscaled = text === undefined ? undefined : toUnscaledDecimal(text, precision, scale);
      return unscaled === undefined ? bad(value) : unscaled;
    };
  },
  firehoseChecks: 'numbers',
  plainNumberLimit: ({ precision, scale }) => ({ integer: precision - scale, fraction: scale }),
  loaderCheck: (type) => loaderCheck(type),
  sample: ({ precision, scale }, { random }) => {
    const integerDigits = Math.min(precision - scale, 6);
    const integer = integerDigits > 0 ? random.int(0, 10 ** integerDigits - 1) : 0;
    const fraction =
      scale > 0
        ? `.${String(random.int(0, 10 ** Math.min(scale, 6) - 1)).padStart(Math.min(scale, 6), '0')}`
        : '';
    return `${integer}${fraction}`;
  },
};
