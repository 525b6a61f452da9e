import type { StreamSpec } from '../pipeline/pipeline';

/** `a__b` of a flat column name, set in a nested JSON object. */
export function setPath(target: Record<string, unknown>, column: string, value: unknown): void {
  const parts = column.split('__');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

/** A column's value in a record as sent (nested) or as the transform returned it (flat). */
export function getPath(source: Record<string, unknown>, column: string): unknown {
  if (Object.hasOwn(source, column)) return source[column];
  let node: unknown = source;
  for (const part of column.split('__')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

/** The identity a stream's declared keys give a record, or undefined for a stream without keys. */
export function recordKey(stream: StreamSpec, record: Record<string, unknown>): string | undefined {
  return stream.keys.length === 0 ? undefined : JSON.stringify(stream.keys.map((k) => getPath(record, k)));
}
