/** A flat value as it comes from flattening: text, a boolean, null, or a JSON number kept as its text. */
type FlatValue = string | boolean | null | { readonly raw: string };

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DIGITS = /^-?\d+(\.\d+)?$/;
const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Reads a timestamp as epoch milliseconds: ISO-8601 text (no zone means UTC) or an epoch number
 * in seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude. Anything else is
 * undefined (an event time then falls back to the arrival time).
 */
export function timestampMillis(value: FlatValue | undefined): number | undefined {
  if (value === undefined || value === null || typeof value === 'boolean') return undefined;
  const text = typeof value === 'string' ? value.trim() : value.raw;
  let ms: number | undefined;
  if (DIGITS.test(text)) {
    ms = epochToMillis(Number(text));
  } else if (typeof value === 'string') {
    ms = isoToMillis(text);
  }
  return ms !== undefined && ms >= MIN_MS && ms <= MAX_MS ? ms : undefined;
}

function epochToMillis(epoch: number): number | undefined {
  if (!Number.isFinite(epoch)) return undefined;
  const magnitude = Math.abs(epoch);
  if (magnitude < 1e11) return Math.round(epoch * 1000);
  if (magnitude < 1e14) return Math.round(epoch);
  if (magnitude < 1e17) return Math.round(epoch / 1000);
  return Math.round(epoch / 1e6);
}

function isoToMillis(text: string): number | undefined {
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const ms = fraction ? fraction.slice(1, 4).padEnd(3, '0') : '000';
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : normalizeOffset(zone);
  const parsed = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${ms}${offset}`);
  if (Number.isNaN(parsed)) return undefined;
  // Date.parse rolls 2024-02-30 over into March; a date that does not exist is not an event time
  const check = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (check.getUTCMonth() !== Number(month) - 1 || check.getUTCDate() !== Number(day)) return undefined;
  return parsed;
}

function normalizeOffset(zone: string): string {
  const digits = zone.slice(1).replace(':', '').padEnd(4, '0');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4)}`;
}
