import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { CheckOutcome } from '../checks/check-run';
import { DynamoLayout } from '../dynamodb/layout';
import { describeTableChange } from '../loading/table-change';
import type { LoadOutcome } from '../loading/types';
import type { CaptureStats, QuarantineSummary, TableSummary } from '../local/local-pipeline';
import { LakeLayout } from '../pipeline/lake-layout';
import type { Pipeline } from '../pipeline/pipeline';
import { declaredSources, ingestedLakeTables, lakeTablesOf, sourceKind } from '../sources/registry';
import { forSource, type PerSourceKind } from '../sources/source-kind';
import type { DeliveryStats } from '../standins/firehose/local-delivery-stream';
import type { PublishOutcome } from '../transforms/publish';
import { edgePath, layeredOptions, layoutGraph, round } from './graph-layout';
import { escapeHtml, formatCount, plural, shortenMiddle, textWidth } from './html';
import { OUTCOME_COLORS } from './state-graph';
import { type StateOutcome, worstOutcome } from './step-tally';

/** What the lineage view shows of a run; paths are relative to the lake bucket. */
export interface LineageFacts {
  readonly pipeline: Pipeline;
  readonly streams: ReadonlyMap<string, DeliveryStats>;
  readonly captures: ReadonlyMap<string, CaptureStats>;
  readonly quarantined: readonly QuarantineSummary[];
  readonly tables: readonly TableSummary[];
  readonly published: readonly PublishOutcome[];
  readonly loads: readonly LoadOutcome[];
  /** Whether the daily pipeline failed: a transform or load with no outcome then failed, not skipped. */
  readonly pipelineFailed: boolean;
  /** Where the loads went, for the loaded tables' captions. */
  readonly loadDestination: string | undefined;
  /** The run's data checks: a table whose check failed is marked where it sits in the lineage. */
  readonly checks: readonly CheckOutcome[];
}

type Stage = 'source' | 'lake' | 'transform' | 'load';

interface LineageLine {
  readonly text: string;
  readonly tone?: 'warn' | 'bad' | 'muted' | 'path';
  /** The full text, when `text` is shortened. */
  readonly title?: string;
}

export interface LineageNode {
  readonly id: string;
  readonly stage: Stage;
  readonly kind: string;
  readonly name: string;
  readonly outcome: StateOutcome;
  readonly lines: readonly LineageLine[];
  /** The checks on this table that failed in this run. */
  readonly failedChecks?: readonly string[];
}

const STAGE_TITLES: Record<Stage, string> = {
  source: 'Sources',
  lake: 'Lake tables',
  transform: 'Transforms',
  load: 'Loaded tables',
};

const NAME_SIZE = 13;
const LINE_SIZE = 11.5;
const LINE_HEIGHT = 16;
const NODE_WIDTH_MIN = 170;
const PATH_CHARS = 42;

/**
 * A URL or path as lines of at most `width` characters, broken after a `/` or `@` or before a
 * space, so that a host, port or database name is never cut; only a single part longer than
 * `width` is left for the caller to shorten.
 */
export function wrapAtSeparators(text: string, width: number): string[] {
  const parts = text.split(/(?<=[/@])|(?= )/);
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    if (line !== '' && line.length + part.length > width) {
      lines.push(line);
      line = part.trimStart();
    } else {
      line += part;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** A source's node in the lineage, with this run's numbers, by kind of source. */
const SOURCE_LINEAGE: PerSourceKind<[LineageFacts], LineageNode> = {
  stream: (stream, facts) => {
    const stats = facts.streams.get(stream.name);
    const lines: LineageLine[] = [];
    let outcome: StateOutcome = 'not run';
    if (stats) {
      const failed = stats.processingFailed + stats.conversionFailed + stats.activePartitionExceeded;
      outcome = failed > 0 ? 'caught' : 'succeeded';
      lines.push({ text: `${plural(stats.recordsIn, 'record')} in` });
      if (failed > 0) {
        lines.push(
          { text: `${formatCount(failed)} failed, waiting in`, tone: 'warn' },
          { text: LakeLayout.firehoseErrors(stream.name), tone: 'path' },
        );
      } else lines.push({ text: 'none failed', tone: 'muted' });
      if (stats.undeclaredColumns.size > 0) {
        lines.push({
          text: `${plural(stats.undeclaredColumns.size, 'undeclared column')} dropped`,
          tone: 'warn',
        });
      }
    }
    return {
      id: `stream:${stream.name}`,
      stage: 'source',
      kind: sourceKind('stream').title,
      name: stream.name,
      outcome,
      lines,
    };
  },
  dynamodb: (table, facts) => {
    const stats = facts.captures.get(table.name);
    const lines: LineageLine[] = [];
    let outcome: StateOutcome = 'not run';
    if (stats) {
      outcome = stats.failedChanges > 0 ? 'caught' : 'succeeded';
      lines.push({ text: `${plural(stats.changes, 'change')} in ${plural(stats.changeFiles, 'file')}` });
      lines.push(
        stats.failedChanges > 0
          ? { text: `${formatCount(stats.failedChanges)} failed after retries`, tone: 'warn' }
          : { text: 'none failed', tone: 'muted' },
      );
    }
    const id = `dynamodb:${table.name}`;
    return { id, stage: 'source', kind: sourceKind('dynamodb').title, name: table.name, outcome, lines };
  },
};

/** Streams and DynamoDB tables → lake tables → transforms → loaded tables, with this run's numbers. */
export function lineageNodes(facts: LineageFacts): { nodes: LineageNode[]; edges: Array<[string, string]> } {
  const { pipeline } = facts;
  const nodes: LineageNode[] = [];
  const edges: Array<[string, string]> = [];
  const rowsOf = new Map(facts.tables.map((t) => [t.table, t]));
  const lakeLine = (name: string): LineageLine[] => {
    const table = rowsOf.get(name);
    if (!table) return [{ text: 'not queried in this run', tone: 'muted' }];
    return [
      {
        text: `${plural(table.rows, 'row')}${table.partitions > 0 ? ` · ${plural(table.partitions, 'partition')}` : ''}`,
      },
    ];
  };

  for (const source of declaredSources(pipeline)) {
    const node = forSource(source, SOURCE_LINEAGE, facts);
    nodes.push(node);
    for (const table of lakeTablesOf(source)) edges.push([node.id, `lake:${table.name}`]);
  }
  for (const table of pipeline.aurora) {
    const id = `aurora:${table.name}`;
    nodes.push({
      id,
      stage: 'source',
      kind: 'Aurora export',
      name: `${table.database}.${table.table}`,
      outcome: 'not run',
      lines: [{ text: 'no Aurora cluster on this machine', tone: 'muted' }],
    });
    edges.push([id, `lake:${table.name}`]);
  }

  const lakeTables = [
    ...ingestedLakeTables(pipeline).map((t) => t.name),
    ...pipeline.aurora.map((t) => t.name),
  ];
  for (const name of lakeTables) {
    const quarantine = facts.quarantined.filter((q) => DynamoLayout.quarantinedLakeTable(q.key) === name);
    const lines = lakeLine(name);
    const quarantinedLines = quarantine.reduce((sum, q) => sum + q.lines, 0);
    if (quarantinedLines > 0) {
      lines.push(
        { text: `${plural(quarantinedLines, 'line')} quarantined in`, tone: 'warn' },
        ...quarantine.map((q) => ({
          text: shortenMiddle(q.key, PATH_CHARS),
          tone: 'path' as const,
          title: q.key,
        })),
      );
    }
    const outcome: StateOutcome = !rowsOf.has(name)
      ? 'not run'
      : quarantinedLines > 0
        ? 'caught'
        : 'succeeded';
    nodes.push({ id: `lake:${name}`, stage: 'lake', kind: 'lake table', name, outcome, lines });
  }

  const transforms = new Set(pipeline.transforms.map((t) => t.name));
  for (const transform of pipeline.transforms) {
    const published = facts.published.find((p) => p.target === transform.name);
    const lines: LineageLine[] = [
      {
        text: `${transform.mode}, ${transform.partitionedBy.length > 0 ? `by ${transform.partitionedBy.join(', ')}` : 'one file set'}`,
        tone: 'muted',
      },
    ];
    let outcome: StateOutcome;
    if (published) {
      outcome = 'succeeded';
      lines.push(...lakeLine(transform.name), {
        text: `published ${plural(published.days, 'day')}, ${plural(published.files, 'file')}`,
        tone: 'muted',
      });
    } else {
      outcome = facts.pipelineFailed ? 'failed' : 'not run';
      lines.push({
        text: facts.pipelineFailed ? 'not published: see the alert' : 'not run',
        tone: facts.pipelineFailed ? 'bad' : 'muted',
      });
    }
    nodes.push({
      id: `transform:${transform.name}`,
      stage: 'transform',
      kind: 'transform',
      name: transform.name,
      outcome,
      lines,
    });
    for (const source of transform.sources) {
      edges.push([
        transforms.has(source) ? `transform:${source}` : `lake:${source}`,
        `transform:${transform.name}`,
      ]);
    }
  }

  for (const load of pipeline.loads) {
    const outcome = facts.loads.find((l) => l.table === load.table);
    const lines: LineageLine[] = [{ text: `${load.mode} on ${load.keys.join(', ')}`, tone: 'muted' }];
    if (outcome) {
      lines.push({
        text: `${plural(outcome.rows, 'row')} loaded${describeTableChange(outcome)}`,
      });
    } else {
      lines.push(
        facts.pipelineFailed
          ? { text: 'not loaded: see the alert', tone: 'bad' }
          : { text: 'not run', tone: 'muted' },
      );
    }
    if (facts.loadDestination) {
      for (const part of wrapAtSeparators(facts.loadDestination, PATH_CHARS)) {
        lines.push({ text: shortenMiddle(part, PATH_CHARS), tone: 'path', title: facts.loadDestination });
      }
    }
    nodes.push({
      id: `load:${load.name}`,
      stage: 'load',
      kind: 'loaded table',
      name: load.table,
      outcome: outcome ? 'succeeded' : facts.pipelineFailed ? 'failed' : 'not run',
      lines,
    });
    edges.push([`transform:${load.transform}`, `load:${load.name}`]);
  }
  const ids = new Set(nodes.map((n) => n.id));
  return {
    nodes: nodes.map((node) => withFailedChecks(node, facts.checks)),
    edges: edges.filter(([from, to]) => ids.has(from) && ids.has(to)),
  };
}

/** A lake table or transform output whose checks failed: red for an error check, amber for a warning. */
function withFailedChecks(node: LineageNode, checks: readonly CheckOutcome[]): LineageNode {
  if (node.stage !== 'lake' && node.stage !== 'transform') return node;
  const failed = checks.filter((c) => !c.passed && c.table === node.name);
  if (failed.length === 0) return node;
  return {
    ...node,
    outcome: worstOutcome([
      node.outcome,
      ...failed.map((c) => (c.severity === 'error' ? 'failed' : 'caught') as StateOutcome),
    ]),
    lines: [
      ...node.lines,
      ...failed.map((c) => ({
        text: `check ${c.check} failed: ${plural(c.failures, 'row')}`,
        tone: c.severity === 'error' ? ('bad' as const) : ('warn' as const),
      })),
    ],
    failedChecks: failed.map((c) => c.check),
  };
}

const TONES: Record<NonNullable<LineageLine['tone']> | 'plain', string> = {
  plain: '#344054',
  warn: '#b54708',
  bad: '#b42318',
  muted: '#667085',
  path: '#175cd3',
};

function nodeSize(node: LineageNode): { width: number; height: number } {
  const width = Math.max(
    NODE_WIDTH_MIN,
    textWidth(node.name, NAME_SIZE, true),
    textWidth(node.kind.toUpperCase(), 9.5),
    ...node.lines.map(
      (line) =>
        textWidth(line.text, line.tone === 'path' ? LINE_SIZE - 0.5 : LINE_SIZE, false) *
        (line.tone === 'path' ? 1.12 : 1),
    ),
  );
  return { width: width + 28, height: 44 + node.lines.length * LINE_HEIGHT + 8 };
}

function drawLineageNode(node: LineageNode, layout: ElkNode): string {
  const { fill, stroke } = OUTCOME_COLORS[node.outcome];
  const width = round(layout.width ?? 0);
  const height = round(layout.height ?? 0);
  const lines = node.lines.map((line, i) => {
    const y = 52 + i * LINE_HEIGHT;
    const mono =
      line.tone === 'path' ? ' font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"' : '';
    const size = line.tone === 'path' ? LINE_SIZE - 0.5 : LINE_SIZE;
    const title = line.title ? `<title>${escapeHtml(line.title)}</title>` : '';
    return `<text class="label" x="14" y="${y}" font-size="${size}" fill="${TONES[line.tone ?? 'plain']}"${mono}>${title}${escapeHtml(line.text)}</text>`;
  });
  return [
    `<g class="lineage-node" data-box="${escapeHtml(node.id)}" data-stage="${node.stage}" data-outcome="${node.outcome}"${node.failedChecks ? ` data-failed-checks="${escapeHtml(node.failedChecks.join(' '))}"` : ''} transform="translate(${round(layout.x ?? 0)} ${round(layout.y ?? 0)})">`,
    `<rect class="frame" width="${width}" height="${height}" rx="10" fill="${fill}" stroke="${stroke}" stroke-width="1.2"/>`,
    `<rect x="0" y="0" width="5" height="${height}" rx="2.5" fill="${stroke}"/>`,
    `<text class="label" x="14" y="18" font-size="9.5" letter-spacing="0.06em" fill="#667085">${escapeHtml(node.kind.toUpperCase())}</text>`,
    `<text class="label" x="14" y="35" font-size="${NAME_SIZE}" font-weight="600" fill="#101828">${escapeHtml(node.name)}</text>`,
    ...lines,
    '</g>',
  ].join('');
}

/** The lineage as an SVG graph laid out left to right, one column per stage. */
export async function lineageSvg(facts: LineageFacts): Promise<string> {
  const { nodes, edges } = lineageNodes(facts);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const layerOf: Record<Stage, number> = { source: 0, lake: 1, transform: 2, load: 3 };
  const elkEdges: ElkExtendedEdge[] = edges.map(([from, to], i) => ({
    id: `l${i}`,
    sources: [from],
    targets: [to],
  }));
  // one width per column, so each stage reads as a column
  const sizes = new Map(nodes.map((node) => [node.id, nodeSize(node)]));
  const columnWidth = new Map<Stage, number>();
  for (const node of nodes) {
    columnWidth.set(node.stage, Math.max(columnWidth.get(node.stage) ?? 0, sizes.get(node.id)!.width));
  }
  const graph = await layoutGraph({
    id: 'lineage',
    layoutOptions: {
      ...layeredOptions('RIGHT', '[top=40,left=12,bottom=12,right=12]'),
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.spacing.nodeNode': '18',
      'elk.partitioning.activate': 'true',
    },
    children: nodes.map((node) => ({
      id: node.id,
      width: columnWidth.get(node.stage)!,
      height: sizes.get(node.id)!.height,
      layoutOptions: {
        'elk.partitioning.partition': String(
          layerOf[node.stage] +
            (node.stage === 'transform' ? transformDepth(node, edges, byId) : node.stage === 'load' ? 10 : 0),
        ),
      },
    })),
    edges: elkEdges,
  });
  const width = Math.ceil(graph.width ?? 0);
  const height = Math.ceil(graph.height ?? 0);
  const placed = new Map((graph.children ?? []).map((child) => [child.id, child]));
  // a caption over each stage's column
  const captions = (Object.keys(STAGE_TITLES) as Stage[]).flatMap((stage) => {
    const column = nodes.filter((n) => n.stage === stage).map((n) => placed.get(n.id)!);
    if (column.length === 0) return [];
    const left = Math.min(...column.map((c) => c.x ?? 0));
    return [
      `<text x="${round(left)}" y="22" font-size="11" font-weight="600" letter-spacing="0.08em" fill="#475467">${STAGE_TITLES[stage].toUpperCase()}</text>`,
    ];
  });
  return [
    `<svg class="lineage" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Pipeline lineage" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif">`,
    '<defs><marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#667085"/></marker></defs>',
    ...captions,
    ...(graph.edges ?? []).map((edge) => {
      const from = byId.get(edge.sources[0]!)!;
      const to = byId.get(edge.targets[0]!)!;
      const live = from.outcome !== 'not run' && to.outcome !== 'not run';
      return `<path class="edge" data-source="${escapeHtml(from.id)}" data-target="${escapeHtml(to.id)}" d="${edgePath(edge)}" fill="none" stroke="${live ? '#667085' : '#d0d5dd'}" stroke-width="1.4" marker-end="url(#lineage-arrow)"/>`;
    }),
    ...nodes.map((node) => drawLineageNode(node, placed.get(node.id)!)),
    '</svg>',
  ].join('\n');
}

/** Transforms reading other transforms sit in later columns, still before the loaded tables. */
function transformDepth(
  node: LineageNode,
  edges: ReadonlyArray<[string, string]>,
  byId: ReadonlyMap<string, LineageNode>,
): number {
  let depth = 0;
  let frontier = [node.id];
  const seen = new Set(frontier);
  while (frontier.length > 0) {
    const parents = edges
      .filter(
        ([from, to]) => frontier.includes(to) && byId.get(from)?.stage === 'transform' && !seen.has(from),
      )
      .map(([from]) => from);
    if (parents.length === 0) break;
    for (const parent of parents) seen.add(parent);
    depth++;
    frontier = parents;
  }
  return depth;
}
