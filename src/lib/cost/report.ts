import { biggestItems, type MonthEstimate } from './estimate';
import type { RegionPrices } from './prices';
import type { TrafficProfile } from './profile';
import type { StackFacts } from './stack-facts';

/** A param changed to a value, and what the month costs then. */
export interface KnobEffect {
  readonly param: string;
  readonly from: string;
  readonly to: string;
  readonly totalUsd: number;
}

const dollars = (n: number) => `${n < -0.004 ? '-' : ''}$${Math.abs(n).toFixed(2)}`;

function quantity(n: number, unit: string): string {
  const digits = n === 0 || Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 1 ? 1 : Math.abs(n) >= 0.01 ? 3 : 6;
  // one alarm-month, one secret-month: the unit in the singular
  const named = n === 1 && /[a-z]s$/.test(unit) && unit !== 'GB-s' ? unit.slice(0, -1) : unit;
  return `${n.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: digits })} ${named}`;
}

/** A table's size: GB from 1 GB up, MB below. */
const size = (gb: number) =>
  gb >= 1 ? `${count(gb)} GB` : `${(gb * 1024).toLocaleString('en-US', { maximumFractionDigits: 3 })} MB`;

const count = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

function traffic(profile: TrafficProfile): string[] {
  const lines = [
    ...Object.entries(profile.streams).map(
      ([name, s]) =>
        `  stream ${name}: ${count(s.eventsPerDay)} events a day of ${count(s.averageEventBytes)} bytes`,
    ),
    ...Object.entries(profile.tables).map(
      ([name, t]) =>
        `  table ${name}: ${count(t.changesPerDay)} changes a day of ${count(t.averageChangeBytes)} bytes, ${size(t.tableGB)}`,
    ),
    `  ${profile.historyDays} days of history; Parquet ${profile.parquetRatio.toFixed(3)} and gzip ${profile.gzipRatio.toFixed(3)} of the source bytes`,
  ];
  if (profile.adhocQueriesPerDay > 0)
    lines.push(
      `  ${count(profile.adhocQueriesPerDay)} ad hoc queries a day of ${count(profile.adhocScanMB)} MB`,
    );
  return lines;
}

/** The estimate as `tributary cost` prints it. */
export function renderEstimate(
  estimate: MonthEstimate,
  context: {
    readonly profile: TrafficProfile;
    readonly facts: StackFacts;
    readonly prices: RegionPrices;
    readonly knobs: readonly KnobEffect[];
    readonly source: string;
  },
): string {
  const { profile, facts, prices, knobs } = context;
  const rows = estimate.items.map(
    (i) => [i.service, i.item, quantity(i.quantity, i.unit), dollars(i.usd)] as const,
  );
  const widths = [0, 1, 2, 3].map((c) =>
    Math.max(...rows.map((r) => r[c]!.length), ['service', 'line item', 'quantity', 'USD'][c]!.length),
  );
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ')}`.trimEnd();
  const out: string[] = [
    `Monthly estimate for stage ${facts.stage} in ${facts.region} (30 days; ${context.source})`,
    ...traffic(profile),
    facts.runsPerMonth > 0
      ? `  the daily pipeline runs ${facts.runsPerMonth} times (${estimate.run.transitions} state transitions each)`
      : '  the daily pipeline does not run: this stage has scheduleEnabled false',
    ...(estimate.rewrite && estimate.rewrite.runsPerMonth > 0
      ? [
          `  the lake rewrite runs ${estimate.rewrite.runsPerMonth} times (${estimate.rewrite.walk.transitions} state transitions each)`,
        ]
      : []),
    '',
    line(['service', 'line item', 'quantity', 'USD']),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    line(['total', '', '', dollars(estimate.totalUsd)]),
    '',
    'Biggest line items:',
  ];
  biggestItems(estimate).forEach((item, index) => {
    const share = estimate.totalUsd > 0 ? Math.round((item.usd / estimate.totalUsd) * 100) : 0;
    out.push(`  ${index + 1}. ${item.service} ${item.item}: ${dollars(item.usd)} (${share}%)`);
    out.push(`     driven by: ${item.driver}`);
    out.push(`     to pay less: ${item.change}`);
  });
  // a change of less than a cent is no change worth naming
  const moving = knobs.filter((k) => Math.abs(k.totalUsd - estimate.totalUsd) >= 0.005);
  const best = [...moving].sort((a, b) => a.totalUsd - b.totalUsd)[0];
  out.push('');
  if (best && best.totalUsd < estimate.totalUsd) {
    out.push(
      `The param that changes it most: ${best.param} ${best.from} → ${best.to} makes the month ${dollars(best.totalUsd)} (${dollars(best.totalUsd - estimate.totalUsd)}).`,
    );
    for (const knob of moving.filter((k) => k !== best))
      out.push(
        `  ${knob.param} ${knob.from} → ${knob.to}: ${dollars(knob.totalUsd)} (${dollars(knob.totalUsd - estimate.totalUsd)})`,
      );
  } else {
    out.push(
      'No param of this stage lowers the month further (its buffers and retention are at their cheapest).',
    );
  }
  const unverified = Object.values(prices).filter((p) => p.checked !== 'page').length;
  out.push(
    `Always-free tiers would take off up to ${dollars(estimate.freeTierUsd)} if nothing else in the account uses them.`,
    `${unverified} of ${Object.keys(prices).length} prices are not confirmed on a stored copy of their AWS page: see src/lib/cost/prices.ts.`,
  );
  return out.join('\n');
}
