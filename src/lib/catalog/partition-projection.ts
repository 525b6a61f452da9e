/**
 * Which partitions Athena's partition projection serves for a table, read from the same table
 * parameters Glue holds (`projection.*`, `storage.location.template`). Athena does not list the
 * table's folder: it computes the partition values from each column's projection (a date range
 * ending at NOW, integers with a fixed number of digits, ...) and reads only the locations the
 * template makes of them. Files anywhere else are invisible to queries; the local engine uses this
 * to hide exactly those files.
 */

export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';
}

type ValueCheck = (value: string, now: Date) => boolean;

const UNIT_MS: Record<string, number> = {
  WEEKS: 7 * 86_400_000,
  DAYS: 86_400_000,
  HOURS: 3_600_000,
  MINUTES: 60_000,
  SECONDS: 1000,
};

/** The Java date pattern letters the pipeline's projections use, as fields of a UTC time. */
const DATE_FIELDS: Record<
  string,
  { digits: number; field: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' }
> = {
  yyyy: { digits: 4, field: 'year' },
  MM: { digits: 2, field: 'month' },
  dd: { digits: 2, field: 'day' },
  HH: { digits: 2, field: 'hour' },
  mm: { digits: 2, field: 'minute' },
  ss: { digits: 2, field: 'second' },
};

interface DateFormat {
  parse(text: string): number | undefined;
  format(time: number): string;
}

function dateFormat(pattern: string, column: string): DateFormat {
  const tokens = pattern.match(/yyyy|MM|dd|HH|mm|ss|[^a-zA-Z]+|[a-zA-Z]+/g) ?? [];
  for (const token of tokens) {
    if (/^[a-zA-Z]/.test(token) && !DATE_FIELDS[token]) {
      throw new ProjectionError(
        `projection.${column}.format: pattern letters "${token}" are not supported locally`,
      );
    }
  }
  const format = (time: number) => {
    const date = new Date(time);
    const values = {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
    };
    return tokens
      .map((t) => {
        const field = DATE_FIELDS[t];
        return field ? String(values[field.field]).padStart(field.digits, '0') : t;
      })
      .join('');
  };
  const parse = (text: string) => {
    const values = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
    let at = 0;
    for (const token of tokens) {
      const field = DATE_FIELDS[token];
      if (field) {
        const digits = text.slice(at, at + field.digits);
        if (!/^\d+$/.test(digits) || digits.length !== field.digits) return undefined;
        values[field.field] = Number(digits);
        at += field.digits;
      } else {
        if (text.slice(at, at + token.length) !== token) return undefined;
        at += token.length;
      }
    }
    if (at !== text.length) return undefined;
    const time = Date.UTC(
      values.year,
      values.month - 1,
      values.day,
      values.hour,
      values.minute,
      values.second,
    );
    // 2026-02-30 parses to March: projection never generates it
    return format(time) === text ? time : undefined;
  };
  return { parse, format };
}

/** A range end: a date in the column's format, or NOW with an optional offset (`NOW-3DAYS`). */
function rangeEnd(text: string, format: DateFormat, column: string): (now: Date) => number {
  const relative =
    /^NOW(?:\s*([+-])\s*(\d+)\s*(YEARS?|MONTHS?|WEEKS?|DAYS?|HOURS?|MINUTES?|SECONDS?))?$/i.exec(text.trim());
  if (relative) {
    return (now) => {
      const date = new Date(now.getTime());
      if (relative[1]) {
        const amount = Number(relative[2]) * (relative[1] === '-' ? -1 : 1);
        const unit = relative[3]!.toUpperCase().replace(/S?$/, 'S');
        if (unit === 'YEARS') date.setUTCFullYear(date.getUTCFullYear() + amount);
        else if (unit === 'MONTHS') date.setUTCMonth(date.getUTCMonth() + amount);
        else date.setTime(date.getTime() + amount * UNIT_MS[unit]!);
      }
      // a bound is as precise as the format: NOW with yyyy-MM-dd is today
      return format.parse(format.format(date.getTime()))!;
    };
  }
  const fixed = format.parse(text.trim());
  if (fixed === undefined) {
    throw new ProjectionError(
      `projection.${column}.range: "${text}" is neither NOW nor a date in the column's format`,
    );
  }
  return () => fixed;
}

function dateCheck(parameters: Readonly<Record<string, string>>, column: string): ValueCheck {
  const format = dateFormat(parameters[`projection.${column}.format`] ?? '', column);
  const [from, to, ...rest] = (parameters[`projection.${column}.range`] ?? '').split(',');
  if (from === undefined || to === undefined || rest.length > 0) {
    throw new ProjectionError(`projection.${column}.range: expected "start,end"`);
  }
  const start = rangeEnd(from, format, column);
  const end = rangeEnd(to, format, column);
  const unit = (parameters[`projection.${column}.interval.unit`] ?? 'DAYS').trim().toUpperCase();
  const step = Number(parameters[`projection.${column}.interval`] ?? '1') * (UNIT_MS[unit] ?? Number.NaN);
  if (!Number.isFinite(step) || step <= 0) {
    throw new ProjectionError(`projection.${column}.interval: ${unit} intervals are not supported locally`);
  }
  return (value, now) => {
    const time = format.parse(value);
    if (time === undefined) return false;
    const first = start(now);
    return time >= first && time <= end(now) && (time - first) % step === 0;
  };
}

function integerCheck(parameters: Readonly<Record<string, string>>, column: string): ValueCheck {
  const [low, high, ...rest] = (parameters[`projection.${column}.range`] ?? '')
    .split(',')
    .map((v) => v.trim());
  if (
    low === undefined ||
    high === undefined ||
    rest.length > 0 ||
    !/^-?\d+$/.test(low) ||
    !/^-?\d+$/.test(high)
  ) {
    throw new ProjectionError(`projection.${column}.range: expected "low,high"`);
  }
  const interval = BigInt(parameters[`projection.${column}.interval`]?.trim() ?? '1');
  const digits = Number(parameters[`projection.${column}.digits`]?.trim() ?? '0');
  const spelled = (n: bigint) =>
    n < 0n ? `-${String(-n).padStart(digits, '0')}` : String(n).padStart(digits, '0');
  return (value) => {
    if (!/^-?\d+$/.test(value)) return false;
    const n = BigInt(value);
    return (
      n >= BigInt(low) && n <= BigInt(high) && (n - BigInt(low)) % interval === 0n && spelled(n) === value
    );
  };
}

function columnCheck(parameters: Readonly<Record<string, string>>, column: string): ValueCheck {
  const type = parameters[`projection.${column}.type`]?.trim().toLowerCase();
  switch (type) {
    case 'date':
      return dateCheck(parameters, column);
    case 'integer':
      return integerCheck(parameters, column);
    case 'enum': {
      const values = new Set((parameters[`projection.${column}.values`] ?? '').split(','));
      return (value) => values.has(value);
    }
    case 'injected':
      return () => true;
    default:
      throw new ProjectionError(`projection.${column}.type: "${type ?? ''}" is not a projection type`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Decides whether an object (by its `s3://` URI) lies in a partition projection serves now.
 * Undefined when the table does not use projection.
 */
export type ProjectedObjectFilter = (uri: string, now: Date) => boolean;

export function projectedObjectFilter(
  parameters: Readonly<Record<string, string>>,
  partitionKeys: readonly string[],
  location: string,
): ProjectedObjectFilter | undefined {
  if (parameters['projection.enabled']?.trim().toLowerCase() !== 'true' || partitionKeys.length === 0) {
    return undefined;
  }
  const checks = new Map(partitionKeys.map((key) => [key, columnCheck(parameters, key)]));
  // without a template, Athena expects Hive-style folders below the table's location
  const template =
    parameters['storage.location.template'] ??
    `${location.replace(/\/?$/, '/')}${partitionKeys.map((k) => `${k}=\${${k}}/`).join('')}`;
  const order: string[] = [];
  const pattern = escapeRegExp(template).replace(/\\\$\\\{([a-zA-Z0-9_]+)\\\}/g, (_match, key: string) => {
    if (!checks.has(key))
      throw new ProjectionError(`storage.location.template names ${key}, not a partition key`);
    order.push(key);
    return '([^/]*)';
  });
  const matcher = new RegExp(`^${pattern}`);
  return (uri, now) => {
    const match = matcher.exec(uri);
    if (!match) return false;
    return order.every((key, i) => checks.get(key)!(match[i + 1]!, now));
  };
}
