import type { ELK as ElkApi, ElkNode } from 'elkjs/lib/elk-api';

/**
 * Graph layout by ELK's layered algorithm (Eclipse Layout Kernel, compiled to JavaScript), run here
 * in Node so the report is finished SVG that needs no script in the browser. Loaded on first use:
 * it is large, and only the run report needs it.
 */
let elk: Promise<ElkApi> | undefined;

function loadElk(): Promise<ElkApi> {
  elk ??= import('elkjs/lib/elk.bundled.js').then((module) => {
    const Elk = (module as unknown as { default: new () => ElkApi }).default ?? module;
    return new (Elk as new () => ElkApi)();
  });
  return elk;
}

/** Options for every graph and compound node: layered, edges orthogonal and kept off other boxes. */
export function layeredOptions(direction: 'DOWN' | 'RIGHT', padding: string): Record<string, string> {
  return {
    'elk.algorithm': 'layered',
    'elk.direction': direction,
    'elk.edgeRouting': 'ORTHOGONAL',
    'elk.padding': padding,
    'elk.spacing.nodeNode': '28',
    'elk.spacing.edgeNode': '16',
    'elk.spacing.edgeEdge': '10',
    'elk.layered.spacing.nodeNodeBetweenLayers': '40',
    'elk.layered.spacing.edgeNodeBetweenLayers': '16',
    'elk.layered.spacing.edgeEdgeBetweenLayers': '10',
    'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
    'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    'elk.layered.mergeEdges': 'false',
  };
}

export async function layoutGraph(graph: ElkNode): Promise<ElkNode> {
  return (await loadElk()).layout(graph);
}

/** An ELK edge section as an SVG path, in the coordinates of the node that contains the edge. */
export function edgePath(edge: {
  sections?: ReadonlyArray<{
    startPoint: { x: number; y: number };
    endPoint: { x: number; y: number };
    bendPoints?: ReadonlyArray<{ x: number; y: number }>;
  }>;
}): string {
  return (edge.sections ?? [])
    .map((section) =>
      [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]
        .map((p, i) => `${i === 0 ? 'M' : 'L'}${round(p.x)} ${round(p.y)}`)
        .join(' '),
    )
    .join(' ');
}

export function round(value: number): number {
  return Math.round(value * 10) / 10;
}
