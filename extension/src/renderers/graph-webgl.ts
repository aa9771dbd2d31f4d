import type Sigma from 'sigma';
import type { IViewGraph } from './graph-layout';
import { showTooltip } from './graph-layout';

/** The theme colours the WebGL view draws with. */
export interface IWebGLColors {
  text: string;
  edge: string;
  node: string;
  selected: string;
  font: string;
}

/** A large graph drawn with sigma on WebGL: restyle it, fit it, and kill it. */
export interface IWebGLView {
  sigma: Sigma;
  restyle(colors: IWebGLColors): void;
  fit(): void;
  kill(): void;
}

/** Whether this browser gives a canvas a WebGL context (sigma needs one). */
export function hasWebGL(): boolean {
  const canvas = document.createElement('canvas');
  return (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) !== null;
}

/**
 * Draw a large graph with sigma (graphology holds the graph) at the given positions: WebGL draws
 * 20,000 edges in a frame where a 2D canvas takes a second, and building the view is a fraction of
 * what cytoscape's element model costs. Wheel zooms, dragging pans, hovering shows attributes,
 * clicking a node fades all but its neighbourhood; labels show once zoomed in far enough to read.
 */
export async function webglView(
  host: HTMLElement,
  tooltip: HTMLElement,
  graph: IViewGraph,
  positions: Map<string, { x: number; y: number }>,
  colors: IWebGLColors,
): Promise<IWebGLView> {
  const [{ default: Graph }, { default: SigmaClass }] = await Promise.all([import('graphology'), import('sigma')]);
  const g = new Graph({ multi: true, allowSelfLoops: true, type: graph.directed ? 'directed' : 'undirected' });
  for (const n of graph.nodes) {
    const p = positions.get(n.id) ?? { x: 0, y: 0 };
    // Sigma's y axis points up; the layout's points down.
    g.addNode(n.id, { x: p.x, y: -p.y, size: 2.5, label: n.label, attrs: n.attrs, own: n.color });
  }
  for (const e of graph.edges) g.addEdgeWithKey(e.id, e.source, e.target, { size: 0.5, attrs: e.attrs });
  let theme = colors;
  let selected: { node: string; near: Set<string> } | undefined;
  const sigma = new SigmaClass(g, host, {
    defaultEdgeType: graph.directed ? 'arrow' : 'line',
    defaultEdgeColor: theme.edge,
    labelColor: { color: theme.text },
    labelFont: theme.font,
    labelSize: 11,
    labelRenderedSizeThreshold: 8,
    stagePadding: 16,
    enableEdgeEvents: true,
    hideEdgesOnMove: true,
    minCameraRatio: 0.01,
    maxCameraRatio: 4,
    nodeReducer: (node, data) => {
      const faded = selected !== undefined && !selected.near.has(node);
      const color = node === selected?.node ? theme.selected : ((data.own as string | undefined) ?? theme.node);
      return { ...data, color, ...(faded ? { color: theme.edge, label: '' } : {}) };
    },
    edgeReducer: (edge, data) => {
      if (!selected) return data;
      const [s, t] = g.extremities(edge);
      return s === selected.node || t === selected.node ? { ...data, color: theme.selected, size: 1 } : { ...data, hidden: true };
    },
  });
  const attrsOf = (data: Record<string, unknown>): Record<string, unknown> => data.attrs as Record<string, unknown>;
  sigma.on('enterNode', ({ node, event }) => showTooltip(tooltip, attrsOf(g.getNodeAttributes(node)), event.x, event.y));
  sigma.on('enterEdge', ({ edge, event }) => showTooltip(tooltip, attrsOf(g.getEdgeAttributes(edge)), event.x, event.y));
  sigma.on('leaveNode', () => (tooltip.hidden = true));
  sigma.on('leaveEdge', () => (tooltip.hidden = true));
  sigma.getCamera().on('updated', () => (tooltip.hidden = true));
  sigma.on('clickNode', ({ node }) => {
    selected = { node, near: new Set([node, ...g.neighbors(node)]) };
    sigma.refresh();
  });
  sigma.on('clickStage', () => {
    selected = undefined;
    sigma.refresh();
  });
  return {
    sigma,
    restyle(next) {
      theme = next;
      sigma.setSettings({ defaultEdgeColor: theme.edge, labelColor: { color: theme.text } });
    },
    fit() {
      sigma.getCamera().setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
    },
    kill() {
      sigma.kill();
    },
  };
}
