import type { StepEvent } from '../orchestration/local-state-machine';
import type { LocalRunSummary } from './local-pipeline';

/** A state machine as Amazon States Language writes it, as far as drawing it needs. */
interface Machine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: ReadonlyArray<{ readonly Next: string }>;
  readonly Catch?: ReadonlyArray<{ readonly Next: string }>;
  readonly Branches?: readonly Machine[];
  readonly ItemProcessor?: Machine;
  readonly Iterator?: Machine;
}

type Outcome = 'succeeded' | 'failed' | 'caught' | 'not run';

interface StateRecord {
  visits: number;
  retries: number;
  seconds: number;
  outcome: Outcome;
  error: string | undefined;
}

interface Box {
  readonly name: string;
  readonly state: AslState;
  x: number;
  y: number;
  readonly width: number;
  readonly height: number;
  readonly children: readonly Layout[];
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly caught: boolean;
}

interface Layout {
  readonly boxes: ReadonlyMap<string, Box>;
  readonly edges: readonly Edge[];
  readonly width: number;
  readonly height: number;
}

const FONT = 12;
const CHAR_WIDTH = 7.2;
const LEAF_HEIGHT = 46;
/** Characters a leaf must fit: its outcome line, such as `succeeded · 12.34 s · ×10 · 2 retries`. */
const LEAF_TEXT = 34;
const HEADER = 26;
const PAD = 12;
const GAP_X = 20;
const GAP_Y = 34;

/** Presentation as attributes, so the SVG draws the same when saved or opened on its own. */
const EDGE = 'fill="none" stroke="#98a2b3" stroke-width="1.3"';
const TEXT = `font-family="system-ui, sans-serif" font-size="${FONT}" text-anchor="middle"`;

const COLORS: Record<Outcome, { fill: string; stroke: string }> = {
  succeeded: { fill: '#dcfae6', stroke: '#079455' },
  failed: { fill: '#fee4e2', stroke: '#d92d20' },
  caught: { fill: '#fef0c7', stroke: '#dc6803' },
  'not run': { fill: '#f2f4f7', stroke: '#98a2b3' },
};

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The transitions out of one state, each target once (a Catch only when no normal path leads there). */
function successors(from: string, state: AslState): Edge[] {
  const edges: Array<[string | undefined, boolean]> = [
    [state.Next, false],
    [state.Default, false],
    ...(state.Choices ?? []).map((c): [string, boolean] => [c.Next, false]),
    ...(state.Catch ?? []).map((c): [string, boolean] => [c.Next, true]),
  ];
  const seen = new Set<string>();
  return edges.flatMap(([to, caught]) => {
    if (to === undefined || seen.has(to)) return [];
    seen.add(to);
    return [{ from, to, caught }];
  });
}

/**
 * States in rows by their distance from StartAt along the normal flow, top to bottom; states only
 * a Catch leads to (the failure path) come in rows below, so the happy path reads straight down.
 */
function layoutMachine(machine: Machine): Layout {
  const edges = Object.entries(machine.States).flatMap(([name, state]) => successors(name, state));
  // a depth-first walk finds the edges that loop back (polling a running export)
  const backEdges = new Set<Edge>();
  const onPath = new Set<string>();
  const visited = new Set<string>();
  const walk = (name: string) => {
    visited.add(name);
    onPath.add(name);
    for (const edge of edges) {
      if (edge.from !== name) continue;
      if (onPath.has(edge.to)) backEdges.add(edge);
      else if (!visited.has(edge.to)) walk(edge.to);
    }
    onPath.delete(name);
  };
  walk(machine.StartAt);
  for (const name of Object.keys(machine.States)) if (!visited.has(name)) walk(name);

  // each state one row below its lowest predecessor; states only a Catch reaches sink below the rest
  const forward = edges.filter((edge) => !backEdges.has(edge));
  const level = new Map<string, number>(Object.keys(machine.States).map((name) => [name, 0]));
  const relax = (follow: (edge: Edge) => boolean) => {
    for (let changed = true; changed; ) {
      changed = false;
      for (const edge of forward) {
        if (!follow(edge) || level.get(edge.to)! > level.get(edge.from)!) continue;
        level.set(edge.to, level.get(edge.from)! + 1);
        changed = true;
      }
    }
  };
  relax((edge) => !edge.caught);
  const normal = new Set(forward.filter((e) => !e.caught).flatMap((e) => [e.from, e.to]));
  normal.add(machine.StartAt);
  const bottom = Math.max(...[...normal].map((name) => level.get(name)!)) + 1;
  for (const name of Object.keys(machine.States)) if (!normal.has(name)) level.set(name, bottom);
  relax(() => true);

  const boxes = new Map<string, Box>();
  for (const [name, state] of Object.entries(machine.States)) {
    const inner = state.Branches ?? [state.ItemProcessor ?? state.Iterator].filter((m) => m !== undefined);
    const children = inner.map(layoutMachine);
    const label = name.length * CHAR_WIDTH + 2 * PAD;
    const width =
      children.length === 0
        ? Math.max(LEAF_TEXT * CHAR_WIDTH + 2 * PAD, label)
        : Math.max(label, children.reduce((sum, c) => sum + c.width, 0) + (children.length + 1) * PAD);
    const height =
      children.length === 0 ? LEAF_HEIGHT : HEADER + Math.max(...children.map((c) => c.height)) + 2 * PAD;
    boxes.set(name, { name, state, x: 0, y: 0, width, height, children });
  }

  const byLevel = new Map<number, Box[]>();
  for (const [name, row] of level) byLevel.set(row, [...(byLevel.get(row) ?? []), boxes.get(name)!]);
  const rows = [...byLevel].sort(([a], [b]) => a - b).map(([, boxesOfRow]) => boxesOfRow);
  const rowWidths = rows.map((row) => row.reduce((sum, b) => sum + b.width, 0) + (row.length - 1) * GAP_X);
  const width = Math.max(...rowWidths);
  let y = 0;
  rows.forEach((row, i) => {
    let x = (width - rowWidths[i]!) / 2;
    const height = Math.max(...row.map((b) => b.height));
    for (const box of row) {
      box.x = x;
      box.y = y;
      x += box.width + GAP_X;
    }
    y += height + GAP_Y;
  });
  return { boxes, edges, width, height: y - GAP_Y };
}

function stateRecords(steps: readonly StepEvent[]): Map<string, StateRecord> {
  const records = new Map<string, StateRecord>();
  const rank: Record<Outcome, number> = { 'not run': 0, succeeded: 1, caught: 2, failed: 3 };
  for (const step of steps) {
    const record = records.get(step.state) ?? {
      visits: 0,
      retries: 0,
      seconds: 0,
      outcome: 'not run' as Outcome,
      error: undefined,
    };
    records.set(step.state, record);
    if (step.outcome === 'retried') {
      record.retries++;
      continue;
    }
    record.visits++;
    record.seconds += (step.endedAt - step.startedAt) / 1000;
    if (rank[step.outcome] >= rank[record.outcome]) record.outcome = step.outcome;
    if (step.error) record.error = step.error;
  }
  return records;
}

function describeRecord(record: StateRecord | undefined): string {
  if (!record) return 'not run';
  const parts = [`${record.outcome}`, `${record.seconds.toFixed(2)} s`];
  if (record.visits > 1) parts.push(`×${record.visits}`);
  if (record.retries > 0) parts.push(`${record.retries} retr${record.retries === 1 ? 'y' : 'ies'}`);
  return parts.join(' · ');
}

function drawLayout(layout: Layout, dx: number, dy: number, records: Map<string, StateRecord>): string[] {
  const parts: string[] = [];
  for (const edge of layout.edges) {
    const from = layout.boxes.get(edge.from);
    const to = layout.boxes.get(edge.to);
    if (!from || !to) continue;
    const x1 = dx + from.x + from.width / 2;
    const y1 = dy + from.y + from.height;
    const x2 = dx + to.x + to.width / 2;
    const y2 = dy + to.y;
    const style = edge.caught ? ` ${EDGE} stroke-dasharray="4 3"` : ` ${EDGE}`;
    if (y2 > y1) {
      const mid = (y1 + y2) / 2;
      parts.push(
        `<path${style} d="M${x1} ${y1} C${x1} ${mid} ${x2} ${mid} ${x2} ${y2 - 2}" marker-end="url(#arrow)"/>`,
      );
    } else {
      // back to an earlier row (a polling loop): around the right-hand side
      const right = dx + Math.max(from.x + from.width, to.x + to.width) + GAP_X;
      const fy = dy + from.y + from.height / 2;
      const ty = dy + to.y + to.height / 2;
      parts.push(
        `<path${style} d="M${dx + from.x + from.width} ${fy} C${right} ${fy} ${right} ${ty} ${dx + to.x + to.width + 2} ${ty}" marker-end="url(#arrow)"/>`,
      );
    }
  }
  for (const box of layout.boxes.values()) {
    const record = records.get(box.name);
    const outcome = record?.outcome ?? 'not run';
    const { fill, stroke } = COLORS[outcome];
    const x = dx + box.x;
    const y = dy + box.y;
    const title = `${box.name} (${box.state.Type}): ${describeRecord(record)}${record?.error ? `\n${record.error}` : ''}`;
    parts.push(
      `<g class="state" data-state="${escapeHtml(box.name)}" data-outcome="${outcome}"><title>${escapeHtml(title)}</title>`,
      `<rect x="${x}" y="${y}" width="${box.width}" height="${box.height}" rx="8" fill="${fill}" stroke="${stroke}"/>`,
      `<text x="${x + box.width / 2}" y="${y + 18}" ${TEXT} font-weight="600">${escapeHtml(box.name)}</text>`,
    );
    if (box.children.length === 0) {
      parts.push(
        `<text x="${x + box.width / 2}" y="${y + 36}" ${TEXT} fill="#475467">${escapeHtml(describeRecord(record))}</text>`,
      );
    }
    parts.push('</g>');
    let childX = x + PAD;
    for (const child of box.children) {
      parts.push(...drawLayout(child, childX, y + HEADER + PAD, records));
      childX += child.width + PAD;
    }
  }
  return parts;
}

/** The state machine as an SVG graph, each state coloured by its outcome in this execution. */
export function stateMachineSvg(definition: Machine, steps: readonly StepEvent[]): string {
  const layout = layoutMachine(definition);
  const margin = 24;
  const width = Math.ceil(layout.width + 2 * margin + GAP_X);
  const height = Math.ceil(layout.height + 2 * margin);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Daily pipeline state machine">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#667085"/></marker></defs>',
    ...drawLayout(layout, margin, margin, stateRecords(steps)),
    '</svg>',
  ].join('\n');
}

function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #101828; margin: 2rem; max-width: 1200px; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.status-SUCCEEDED { color: #079455; } .status-FAILED { color: #d92d20; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #eaecf0; }
td:nth-child(n+2) { font-variant-numeric: tabular-nums; }
svg { max-width: 100%; height: auto; } .graph { overflow-x: auto; border: 1px solid #eaecf0; border-radius: 8px; padding: 8px; }
`;

/** A self-contained HTML page: the run's numbers and the state machine with each step's outcome. */
export function renderRunReport(summary: LocalRunSummary, definition: Record<string, unknown>): string {
  const machine = definition as unknown as Machine;
  const records = stateRecords(summary.execution.steps);
  const status = summary.execution.status;
  const streams = [...summary.streams].map(([name, s]) => [
    name,
    s.recordsIn,
    s.rowsWritten,
    s.parquetFiles.length,
    s.processingFailed,
    s.conversionFailed,
    s.eventTimeOutOfRange,
  ]);
  const captures = [...summary.captures].map(([name, c]) => [
    name,
    c.changes,
    c.changeFiles,
    c.failedChanges,
  ]);
  const stepRows = [...records].map(([name, r]) => [
    name,
    r.outcome,
    r.visits,
    r.retries,
    r.seconds.toFixed(2),
    r.error ?? '',
  ]);
  const sections = [
    `<h1>Tributary local run <code>${escapeHtml(summary.executionName)}</code></h1>`,
    `<p>Run date ${escapeHtml(summary.date)} · daily pipeline <strong class="status-${status}">${status}</strong>` +
      (summary.execution.error
        ? ` · ${escapeHtml(summary.execution.error.name)}: ${escapeHtml(summary.execution.error.cause)}`
        : '') +
      ` · ${summary.timings.map(([stage, s]) => `${escapeHtml(stage)} ${s.toFixed(1)} s`).join(', ')}</p>`,
    '<h2>Daily pipeline</h2>',
    `<div class="graph">${stateMachineSvg(machine, summary.execution.steps)}</div>`,
    table(['state', 'outcome', 'visits', 'retries', 'seconds', 'error'], stepRows),
    '<h2>Lake tables</h2>',
    table(
      ['table', 'rows', 'partitions'],
      summary.tables.map((t) => [t.table, t.rows, t.partitions]),
    ),
    '<h2>Loaded into the database</h2>',
    summary.loads.length > 0
      ? table(
          ['table', 'mode', 'rows', 'created'],
          summary.loads.map((l) => [l.table, l.mode, l.rows, l.created ? 'yes' : 'no']),
        )
      : summary.skippedLoads
        ? `<p>Loads skipped: ${escapeHtml(summary.skippedLoads.reason)}${summary.skippedLoads.skipped.length > 0 ? ` (${escapeHtml(summary.skippedLoads.skipped.join(', '))})` : ''}.</p>`
        : '<p>Nothing was loaded.</p>',
    '<h2>Ingestion</h2>',
    table(
      [
        'stream',
        'records in',
        'rows written',
        'Parquet files',
        'processing failed',
        'conversion failed',
        'event time outside the lake',
      ],
      streams,
    ),
    table(['DynamoDB table', 'changes', 'change files', 'failed changes'], captures),
    summary.quarantined.length > 0
      ? table(
          ['quarantine file', 'lines'],
          summary.quarantined.map((q) => [q.key, q.lines]),
        )
      : '',
    summary.notifications.length > 0
      ? `<h2>Alerts</h2><ul>${summary.notifications.map((m) => `<li>${escapeHtml(m)}</li>`).join('')}</ul>`
      : '',
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>Tributary run ${escapeHtml(summary.executionName)}</title>
<style>${STYLE}</style>
</head>
<body>
${sections.filter(Boolean).join('\n')}
</body>
</html>
`;
}
