/** Small benchmark helpers: interleaved timed rounds, medians, and a results table. */

export interface Measurement {
  readonly name: string;
  /** Median seconds per round. */
  readonly seconds: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Runs each variant `rounds` times, interleaved so that a slow moment of the machine hits all of
 * them alike, after `warmup` untimed rounds each; reports the median round time.
 */
export function compare(
  variants: ReadonlyArray<{ readonly name: string; readonly run: () => unknown }>,
  options: { rounds?: number; warmup?: number } = {},
): Measurement[] {
  const { rounds = 9, warmup = 3 } = options;
  for (let i = 0; i < warmup; i++) for (const variant of variants) variant.run();
  const times = variants.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    variants.forEach((variant, i) => {
      const started = process.hrtime.bigint();
      variant.run();
      times[i]!.push(Number(process.hrtime.bigint() - started) / 1e9);
    });
  }
  return variants.map((variant, i) => ({ name: variant.name, seconds: median(times[i]!) }));
}

export interface ResultRow {
  readonly metric: string;
  readonly value: string;
  readonly baseline?: string;
  readonly ratio?: string;
  readonly target?: string;
  readonly met?: boolean;
}

export function printResults(title: string, rows: readonly ResultRow[]): void {
  const headers = ['metric', 'value', 'baseline', 'ratio', 'target', ''];
  const cells = rows.map((r) => [
    r.metric,
    r.value,
    r.baseline ?? '',
    r.ratio ?? '',
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'met' : 'MISSED',
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(`\n## ${title}\n`);
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

export function megabytesPerSecond(bytes: number, seconds: number): number {
  return bytes / seconds / 1e6;
}
