import { round } from './graph-layout';
import { escapeHtml, textWidth } from './html';

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** The value as shown at the end of the bar. */
  readonly shown: string;
  readonly color?: string;
  /** A smaller, muted note after the label (a table's kind, a stage's part). */
  readonly note?: string;
}

const ROW = 24;
const BAR = 14;
const SIZE = 12;

/** A horizontal bar chart as inline SVG: labels on the left, values right-aligned after the bars. */
export function barChart(title: string, bars: readonly Bar[], width = 380): string {
  const labelWidth = Math.min(
    200,
    Math.max(60, ...bars.map((b) => textWidth(b.label, SIZE) + (b.note ? textWidth(` ${b.note}`, 10.5) : 0))),
  );
  const valueWidth = Math.max(40, ...bars.map((b) => textWidth(b.shown, SIZE)));
  const track = width - labelWidth - valueWidth - 24;
  const max = Math.max(...bars.map((b) => b.value), 0);
  const height = bars.length * ROW + 6;
  const rows = bars.map((bar, i) => {
    const y = i * ROW + 4;
    const length = max > 0 ? Math.max(bar.value > 0 ? 2 : 0, (bar.value / max) * track) : 0;
    return [
      `<g class="bar" data-label="${escapeHtml(bar.label)}" data-value="${bar.value}">`,
      `<text x="0" y="${y + BAR - 2}" font-size="${SIZE}" fill="#344054">${escapeHtml(bar.label)}${bar.note ? `<tspan font-size="10.5" fill="#98a2b3"> ${escapeHtml(bar.note)}</tspan>` : ''}</text>`,
      `<rect x="${labelWidth + 8}" y="${y}" width="${round(track)}" height="${BAR}" rx="3" fill="#f2f4f7"/>`,
      `<rect x="${labelWidth + 8}" y="${y}" width="${round(length)}" height="${BAR}" rx="3" fill="${bar.color ?? '#528bff'}"/>`,
      `<text x="${width}" y="${y + BAR - 2}" font-size="${SIZE}" fill="#101828" text-anchor="end" font-variant-numeric="tabular-nums">${escapeHtml(bar.shown)}</text>`,
      '</g>',
    ].join('');
  });
  return [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif">`,
    ...rows,
    '</svg>',
  ].join('\n');
}
