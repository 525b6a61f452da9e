import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';

/**
 * The 1-based line of a table's last declared column in the text of pipeline.yml, so advice can
 * say exactly where new column lines go; undefined when the table or its columns are not found.
 */
export function lastColumnLine(
  text: string,
  section: 'streams' | 'dynamodb',
  table: string,
): number | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const tables = document.get(section);
  if (!isSeq(tables)) return undefined;
  const entry = tables.items.find((item) => isMap(item) && item.get('name') === table);
  if (!isMap(entry)) return undefined;
  const columns = entry.get('columns');
  if (!isSeq(columns) || columns.items.length === 0) return undefined;
  const last = columns.items.at(-1) as { range?: [number, number, number] } | undefined;
  if (!last?.range) return undefined;
  // range[1] is just past the value: past a flow map's brace, or at the next line after a block
  return lineCounter.linePos(Math.max(last.range[0], last.range[1] - 1)).line;
}
