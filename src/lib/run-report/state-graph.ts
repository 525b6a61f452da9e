import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { StepEvent } from '../standins/stepfunctions/local-state-machine';
import { edgePath, layeredOptions, layoutGraph, round } from './graph-layout';
import { escapeHtml, formatSeconds, plural, textWidth } from './html';
import { type StateOutcome, type StateTally, tallySteps, worstOutcome } from './step-tally';

/** A state machine as Amazon States Language writes it, as far as drawing it needs. */
export interface Machine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: ReadonlyArray<{ readonly Next: string }>;
  readonly Catch?: ReadonlyArray<{ readonly Next: string }>;
  readonly Branches?: readonly Machine[];
  readonly ItemProcessor?: Machine;
  readonly Iterator?: Machine;
}

export const OUTCOME_COLORS: Record<StateOutcome, { fill: string; stroke: string; text: string }> = {
  succeeded: { fill: '#ecfdf3', stroke: '#12b76a', text: '#067647' },
  failed: { fill: '#fef3f2', stroke: '#f04438', text: '#b42318' },
  caught: { fill: '#fffaeb', stroke: '#f79009', text: '#b54708' },
  'not run': { fill: '#f9fafb', stroke: '#d0d5dd', text: '#667085' },
};

const NAME_SIZE = 13;
const STATUS_SIZE = 11.5;
const LEAF_HEIGHT = 48;
const PAD_X = 14;
const GROUP_HEADER = 48;

/** One box of the drawing: a state, or a branch of a Parallel state. */
interface BoxInfo {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly kind: 'state' | 'branch';
  readonly tally: StateTally | undefined;
  /** The box's colour: a leaf's own outcome; a group's from the states inside it. */
  readonly outcome: StateOutcome;
  readonly status: string;
}

/** The transitions out of one state, each target once (a Catch only when no normal path leads there). */
function transitions(state: AslState): Array<{ to: string; caught: boolean }> {
  const all: Array<[string | undefined, boolean]> = [
    [state.Next, false],
    [state.Default, false],
    ...(state.Choices ?? []).map((c): [string, boolean] => [c.Next, false]),
    ...(state.Catch ?? []).map((c): [string, boolean] => [c.Next, true]),
  ];
  const seen = new Set<string>();
  return all.flatMap(([to, caught]) => {
    if (to === undefined || seen.has(to)) return [];
    seen.add(to);
    return [{ to, caught }];
  });
}

/**
 * The states of a machine from which no path ends in success: the failure path (the Pass states
 * that name the failed step, the alert, the Fail). When a run takes it, it reports a failure, and
 * is drawn as one even though each of its states did its job.
 */
export function failurePathStates(machine: Machine): Set<string> {
  const canSucceed = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, state] of Object.entries(machine.States)) {
      if (canSucceed.has(name)) continue;
      const ends = state.Type === 'Succeed' || (state.End === true && state.Type !== 'Fail');
      if (ends || transitions(state).some(({ to }) => canSucceed.has(to))) {
        canSucceed.add(name);
        changed = true;
      }
    }
  }
  return new Set(Object.keys(machine.States).filter((name) => !canSucceed.has(name)));
}

export function describeTally(tally: StateTally | undefined): string {
  if (!tally || tally.runs + tally.retries === 0) return 'not run';
  const parts = [tally.outcome, formatSeconds(tally.seconds)];
  if (tally.runs > 1) parts.push(`×${tally.runs}`);
  if (tally.retries > 0) parts.push(plural(tally.retries, 'retry', 'retries'));
  return parts.join(' · ');
}

class StateGraphBuilder {
  readonly boxes = new Map<string, BoxInfo>();
  readonly caughtEdges = new Set<string>();
  private edgeCount = 0;

  constructor(private readonly tallies: ReadonlyMap<string, StateTally>) {}

  /** The states of one machine as ELK children, and its transitions as ELK edges. */
  machine(machine: Machine, parent: string): { children: ElkNode[]; edges: ElkExtendedEdge[] } {
    const id = (name: string) => `${parent}/${name}`;
    const failurePath = failurePathStates(machine);
    const children = Object.entries(machine.States).map(([name, state]) =>
      this.state(id(name), name, state, failurePath.has(name)),
    );
    const edges = Object.entries(machine.States).flatMap(([name, state]) =>
      transitions(state)
        .filter(({ to }) => to in machine.States)
        .map(({ to, caught }) => {
          const edgeId = `e${++this.edgeCount}`;
          if (caught) this.caughtEdges.add(edgeId);
          return {
            id: edgeId,
            sources: [id(name)],
            targets: [id(to)],
            layoutOptions: { 'elk.layered.priority.straightness': caught ? '0' : '10' },
          };
        }),
    );
    return { children, edges };
  }

  private state(id: string, name: string, state: AslState, onFailurePath: boolean): ElkNode {
    const tally = this.tallies.get(name);
    const inner = state.Branches ?? [state.ItemProcessor ?? state.Iterator].filter((m) => m !== undefined);
    if (inner.length === 0) {
      const tookFailurePath = onFailurePath && tally?.outcome === 'succeeded';
      const status = tookFailurePath
        ? describeTally(tally).replace(/^succeeded/, 'failure path')
        : describeTally(tally);
      this.boxes.set(id, {
        id,
        name,
        type: state.Type,
        kind: 'state',
        tally,
        outcome: tookFailurePath ? 'failed' : (tally?.outcome ?? 'not run'),
        status,
      });
      const width = Math.max(
        textWidth(name, NAME_SIZE, true),
        textWidth(status, STATUS_SIZE) + textWidth(state.Type, 10),
        120,
      );
      return { id, width: width + 2 * PAD_X, height: LEAF_HEIGHT };
    }
    const content =
      state.Branches !== undefined
        ? {
            children: state.Branches.map((branch, i) => this.branch(`${id}#${i + 1}`, branch)),
            edges: [],
          }
        : this.machine(inner[0]!, id);
    const innerOutcome = worstOutcome(content.children.map((child) => this.boxes.get(child.id)!.outcome));
    const own = tally?.outcome ?? 'not run';
    const outcome = worstOutcome([innerOutcome, own === 'failed' || own === 'caught' ? own : 'not run']);
    const status =
      innerOutcome === 'not run' && own === 'succeeded'
        ? `${describeTally(tally)} · nothing inside ran`
        : describeTally(tally);
    this.boxes.set(id, { id, name, type: state.Type, kind: 'state', tally, outcome, status });
    const headerWidth = Math.max(
      textWidth(`${name}  ${state.Type}`, NAME_SIZE, true),
      textWidth(status, STATUS_SIZE),
    );
    return {
      id,
      layoutOptions: {
        ...layeredOptions('DOWN', `[top=${GROUP_HEADER},left=16,bottom=16,right=16]`),
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${headerWidth + 2 * PAD_X}, ${GROUP_HEADER + 20})`,
      },
      ...content,
    };
  }

  private branch(id: string, machine: Machine): ElkNode {
    const content = this.machine(machine, id);
    const outcome = worstOutcome(content.children.map((child) => this.boxes.get(child.id)!.outcome));
    this.boxes.set(id, {
      id,
      name: `branch ${id.slice(id.lastIndexOf('#') + 1)}`,
      type: 'Branch',
      kind: 'branch',
      tally: undefined,
      outcome,
      status: '',
    });
    return { id, layoutOptions: layeredOptions('DOWN', '[top=14,left=12,bottom=12,right=12]'), ...content };
  }
}

function drawNode(node: ElkNode, builder: StateGraphBuilder, depth: number): string[] {
  const box = builder.boxes.get(node.id)!;
  const { fill, stroke, text } = OUTCOME_COLORS[box.outcome];
  const width = round(node.width ?? 0);
  const height = round(node.height ?? 0);
  const compound = (node.children?.length ?? 0) > 0;
  const attributes = [
    `class="${box.kind}${compound ? ' group' : ''}"`,
    `data-box="${escapeHtml(box.id)}"`,
    box.kind === 'state' ? `data-state="${escapeHtml(box.name)}"` : '',
    `data-outcome="${box.outcome}"`,
    box.kind === 'state'
      ? `data-runs="${box.tally?.runs ?? 0}" data-retries="${box.tally?.retries ?? 0}"`
      : '',
    `transform="translate(${round(node.x ?? 0)} ${round(node.y ?? 0)})"`,
  ].filter(Boolean);
  const parts = [`<g ${attributes.join(' ')}>`];
  if (box.kind === 'branch') {
    parts.push(
      `<rect class="frame" width="${width}" height="${height}" rx="10" fill="none" stroke="#d0d5dd" stroke-dasharray="4 4"/>`,
    );
  } else {
    const tooltip = `${box.name} (${box.type}): ${box.status}${box.tally?.error ? `\n${box.tally.error}` : ''}`;
    const radius = box.type === 'Succeed' || box.type === 'Fail' ? height / 2 : compound ? 12 : 8;
    parts.push(
      `<title>${escapeHtml(tooltip)}</title>`,
      `<rect class="frame" width="${width}" height="${height}" rx="${round(radius)}" fill="${compound ? (depth % 2 === 0 ? '#ffffff' : '#fcfcfd') : fill}" stroke="${stroke}" stroke-width="${compound ? 1.5 : 1.2}"/>`,
    );
    if (compound) {
      parts.push(
        `<rect width="${width}" height="6" rx="3" fill="${stroke}"/>`,
        `<text class="label" x="${PAD_X}" y="24" font-size="${NAME_SIZE}" font-weight="600" fill="#101828">${escapeHtml(box.name)}<tspan font-weight="400" fill="#667085" font-size="10.5">  ${escapeHtml(box.type)}</tspan></text>`,
        `<text class="label" x="${PAD_X}" y="40" font-size="${STATUS_SIZE}" fill="${text}">${escapeHtml(box.status)}</text>`,
      );
    } else {
      parts.push(
        `<text class="label" x="${round(width / 2)}" y="20" font-size="${NAME_SIZE}" font-weight="600" fill="#101828" text-anchor="middle">${escapeHtml(box.name)}</text>`,
        `<text class="label" x="${round(width / 2)}" y="37" font-size="${STATUS_SIZE}" fill="${text}" text-anchor="middle">${escapeHtml(box.status)}<tspan fill="#98a2b3" font-size="10">  ${escapeHtml(box.type)}</tspan></text>`,
      );
    }
  }
  parts.push(...drawEdges(node, builder));
  for (const child of node.children ?? []) parts.push(...drawNode(child, builder, depth + 1));
  parts.push('</g>');
  return parts;
}

function drawEdges(node: ElkNode, builder: StateGraphBuilder): string[] {
  return (node.edges ?? []).map((edge) => {
    const caught = builder.caughtEdges.has(edge.id);
    const source = builder.boxes.get(edge.sources[0]!)!;
    const target = builder.boxes.get(edge.targets[0]!)!;
    const taken = source.outcome !== 'not run' && target.outcome !== 'not run';
    const color = caught ? (taken ? '#f04438' : '#fda29b') : taken ? '#475467' : '#c4c9d2';
    return `<path class="edge${caught ? ' catch' : ''}" data-source="${escapeHtml(source.id)}" data-target="${escapeHtml(target.id)}" d="${edgePath(edge)}" fill="none" stroke="${color}" stroke-width="${taken ? 1.6 : 1.2}"${caught ? ' stroke-dasharray="5 4"' : ''} marker-end="url(#${caught ? 'arrow-catch' : 'arrow'})"/>`;
  });
}

/** The state machine as an SVG graph, each state coloured by its outcome in this execution. */
export async function stateMachineSvg(definition: Machine, steps: readonly StepEvent[]): Promise<string> {
  const builder = new StateGraphBuilder(tallySteps(steps));
  const root = builder.machine(definition, '');
  const graph = await layoutGraph({
    id: 'root',
    layoutOptions: layeredOptions('DOWN', '[top=16,left=16,bottom=16,right=16]'),
    ...root,
  });
  const width = Math.ceil(graph.width ?? 0);
  const height = Math.ceil(graph.height ?? 0);
  return [
    `<svg class="state-machine" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Daily pipeline state machine" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif">`,
    '<defs>',
    '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#475467"/></marker>',
    '<marker id="arrow-catch" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#f04438"/></marker>',
    '</defs>',
    ...drawEdges(graph, builder),
    ...(graph.children ?? []).flatMap((child) => drawNode(child, builder, 0)),
    '</svg>',
  ].join('\n');
}
