export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Whole numbers with thousands separators, fixed whatever the reader's locale. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(2)} s` : `${seconds.toFixed(1)} s`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** A table cell: text (escaped), or markup already escaped, or a number (right-aligned). */
export type Cell = string | number | { readonly html: string; readonly numeric?: boolean };

export function htmlTable(
  headers: readonly Cell[],
  rows: ReadonlyArray<readonly Cell[]>,
  caption?: string,
): string {
  const numericColumns = headers.map((_, i) => rows.length > 0 && rows.every((row) => isNumeric(row[i])));
  const cell = (tag: 'th' | 'td', value: Cell | undefined, i: number) => {
    const numeric = numericColumns[i] || (typeof value === 'object' && value.numeric === true);
    const content =
      value === undefined
        ? ''
        : typeof value === 'number'
          ? formatCount(value)
          : typeof value === 'string'
            ? escapeHtml(value)
            : value.html;
    return `<${tag}${numeric ? ' class="num"' : ''}>${content}</${tag}>`;
  };
  const head = headers.map((h, i) => cell('th', h, i)).join('');
  const body = rows.map((row) => `<tr>${headers.map((_, i) => cell('td', row[i], i)).join('')}</tr>`);
  return [
    '<table>',
    caption ? `<caption>${escapeHtml(caption)}</caption>` : '',
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>${body.join('\n')}</tbody>`,
    '</table>',
  ].join('');
}

function isNumeric(value: Cell | undefined): boolean {
  return typeof value === 'number' || (typeof value === 'object' && value.numeric === true);
}

/** Roughly how wide a system sans-serif font draws a text, generous so labels fit their boxes. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let ems = 0;
  for (const char of text) {
    if ("ilj.,:;|!'`()[]f t".includes(char)) ems += 0.34;
    else if ('mwMW@%'.includes(char)) ems += 0.9;
    else if (char >= 'A' && char <= 'Z') ems += 0.7;
    else if (char >= '0' && char <= '9') ems += 0.58;
    else if (char === '_') ems += 0.58;
    else ems += 0.58;
  }
  return Math.ceil(ems * fontSize * (bold ? 1.08 : 1) * 1.06);
}

/** A long path or name shortened in the middle, so both its start and its file name stay readable. */
export function shortenMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = Math.ceil((maxChars - 1) / 2);
  const tail = maxChars - 1 - head;
  return `${text.slice(0, head)}…${text.slice(text.length - tail)}`;
}
