/** A row as read back for comparison: column name → value. */
export type Row = Readonly<Record<string, unknown>>;

/**
 * What differs between two sets of rows, one line per difference, naming the row by its key and
 * the column: `row event_id=e1: column user__id: expected "12", got "13"`, `row event_id=e2:
 * missing`, `row event_id=e3: not expected`. Rows are matched by `key` (columns that identify a
 * row); order does not matter. At most `limit` lines, then how many more.
 */
export function diffRows(
  expected: readonly Row[],
  actual: readonly Row[],
  key: readonly string[],
  limit = 20,
): string[] {
  const name = (row: Row) => key.map((column) => `${column}=${String(row[column])}`).join(' ');
  const byKey = (rows: readonly Row[], side: string) => {
    const map = new Map<string, Row>();
    for (const row of rows) {
      const id = name(row);
      if (map.has(id))
        throw new Error(`row ${id} appears twice in the ${side} rows: the key does not identify a row`);
      map.set(id, row);
    }
    return map;
  };
  const wanted = byKey(expected, 'expected');
  const got = byKey(actual, 'actual');
  const lines: string[] = [];
  for (const [id, row] of wanted) {
    const other = got.get(id);
    if (!other) {
      lines.push(`row ${id}: missing`);
      continue;
    }
    for (const column of new Set([...Object.keys(row), ...Object.keys(other)])) {
      if (!Object.hasOwn(other, column)) lines.push(`row ${id}: column ${column}: missing`);
      else if (!Object.hasOwn(row, column)) lines.push(`row ${id}: column ${column}: not expected`);
      else if (JSON.stringify(row[column]) !== JSON.stringify(other[column])) {
        lines.push(
          `row ${id}: column ${column}: expected ${JSON.stringify(row[column])}, got ${JSON.stringify(other[column])}`,
        );
      }
    }
  }
  for (const id of got.keys()) if (!wanted.has(id)) lines.push(`row ${id}: not expected`);
  return lines.length > limit ? [...lines.slice(0, limit), `… and ${lines.length - limit} more`] : lines;
}
