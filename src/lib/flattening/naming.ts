import { createHash } from 'node:crypto';

/** Separator between nesting levels in a flattened column name. */
export const PATH_SEPARATOR = '__';
/** Glue, Athena and MySQL all accept identifiers up to this length in our character set. */
export const MAX_COLUMN_NAME_LENGTH = 255;

const HASH_LENGTH = 8;
const CANONICAL_SEGMENT = /^(?:_[a-z0-9]|[a-z])[a-z0-9]*(?:_[a-z0-9]+)*$/;
/** Canonical segments joined by `__`: what flattening writes, so flattening it again keeps it. */
const FLAT_COLUMN_NAME =
  /^(?:_[a-z0-9]|[a-z])[a-z0-9]*(?:_[a-z0-9]+)*(?:__(?:_[a-z0-9]|[a-z])[a-z0-9]*(?:_[a-z0-9]+)*)*$/;
const VALID_COLUMN_NAME = /^[a-z0-9_]{1,255}$/;

/** Letters that NFKD does not decompose into ASCII, spelled the way people usually write them. */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  ø: 'o',
  Ø: 'O',
  œ: 'oe',
  Œ: 'OE',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  ł: 'l',
  Ł: 'L',
  þ: 'th',
  Þ: 'TH',
  ı: 'i',
};

/** First eight hex digits of SHA-256: short, stable across runtimes, used to keep names unique. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

export function isValidColumnName(name: string): boolean {
  return VALID_COLUMN_NAME.test(name);
}

/** True when a raw key already is its own column name, so it wins a name collision. */
export function isCanonicalSegment(raw: string): boolean {
  return CANONICAL_SEGMENT.test(raw) || (raw.length <= MAX_COLUMN_NAME_LENGTH && FLAT_COLUMN_NAME.test(raw));
}

/**
 * Turns one object key into a column-name segment: lowercase snake_case, `[a-z0-9_]` only, never
 * empty. A key that already is a flattened name (`user__id`) is kept as it is, so flattening a
 * flat record changes nothing; otherwise the result never contains the separator `__`. Accented Latin letters are transliterated;
 * other characters are encoded as `u<hex code point>`, so no key is ever dropped and equal keys
 * always give equal segments.
 */
export function normalizeSegment(raw: string): string {
  if (isCanonicalSegment(raw)) return raw;
  let ascii = '';
  for (const char of raw.normalize('NFKD')) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) {
      ascii += /[A-Za-z0-9]/.test(char) ? char : '_';
    } else if (/\p{M}/u.test(char)) {
      // combining marks left over from NFKD (the accent of é) carry no letter of their own
    } else {
      ascii += TRANSLITERATIONS[char] ?? `_u${code.toString(16)}_`;
    }
  }
  let segment = ascii
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  if (segment === '') return `_${shortHash(raw)}`;
  if (raw.startsWith('_') || /^[0-9]/.test(segment)) segment = `_${segment}`;
  return segment;
}

/**
 * Limits a full column name to 255 characters. Longer names keep a readable prefix and end in a
 * hash of the whole name, so two long names that share a prefix stay distinct.
 */
export function limitColumnName(fullName: string): string {
  if (fullName.length <= MAX_COLUMN_NAME_LENGTH) return fullName;
  const prefix = fullName.slice(0, MAX_COLUMN_NAME_LENGTH - HASH_LENGTH - 1).replace(/_+$/, '');
  return `${prefix}_${shortHash(fullName)}`;
}

export function joinPath(parent: string, segment: string): string {
  return parent === '' ? segment : parent + PATH_SEPARATOR + segment;
}

/** The column name for a path of raw keys, e.g. `['user', 'firstName']` → `user__first_name`. */
export function columnNameForPath(rawPath: readonly string[]): string {
  let full = '';
  for (const key of rawPath) full = joinPath(full, normalizeSegment(key));
  return limitColumnName(full);
}
