import type { IGraph } from '@taskcell/core';
import type * as D3Force from 'd3-force';

/** A node as the graph view draws it: its id, label, optional colour, and every attribute for the tooltip. */
export interface IViewNode {
  id: string;
  label: string;
  color?: string;
  attrs: Record<string, unknown>;
}

/** An edge between two drawn nodes, with every attribute for the tooltip. */
export interface IViewEdge {
  id: string;
  source: string;
  target: string;
  attrs: Record<string, unknown>;
}

/** The nodes and edges of a graph value that can be drawn; edges to unknown nodes are dropped. */
export interface IViewGraph {
  directed: boolean;
  nodes: IViewNode[];
  edges: IViewEdge[];
}

/** How the view places nodes: layered (dagre) for a directed acyclic graph, force-directed otherwise. */
export type LayoutKind = 'layered' | 'force';

/** Above this many nodes a DAG is laid out by force too: dagre takes seconds there. */
export const LAYERED_MAX_NODES = 1000;

/** The drawable part of core's graph value (a malformed value draws as an empty graph). */
export function viewGraph(graph: IGraph): IViewGraph {
  const raw = Array.isArray(graph?.nodes) ? graph.nodes : [];
  const nodes: IViewNode[] = [];
  const ids = new Set<string>();
  for (const n of raw) {
    const id = String(n.id);
    if (ids.has(id)) continue;
    ids.add(id);
    const label = typeof n.label === 'string' ? n.label : id;
    nodes.push({ id, label, ...(typeof n.color === 'string' ? { color: n.color } : {}), attrs: { ...n } });
  }
  const links = Array.isArray(graph?.edges) ? graph.edges : [];
  const edges: IViewEdge[] = [];
  links.forEach((l, i) => {
    const source = String(l.source);
    const target = String(l.target);
    if (ids.has(source) && ids.has(target)) edges.push({ id: `e${i}`, source, target, attrs: { ...l } });
  });
  return { directed: graph?.directed === true, nodes, edges };
}

/** Whether a directed graph has no cycle (Kahn's algorithm); a self-loop is a cycle. */
export function isAcyclic(g: IViewGraph): boolean {
  const indegree = new Map(g.nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>();
  for (const e of g.edges) {
    indegree.set(e.target, (indegree.get(e.target) ?? 0) + 1);
    const list = out.get(e.source);
    if (list) list.push(e.target);
    else out.set(e.source, [e.target]);
  }
  const ready = [...indegree].filter(([, d]) => d === 0).map(([id]) => id);
  let seen = 0;
  while (ready.length > 0) {
    const id = ready.pop() as string;
    seen++;
    for (const t of out.get(id) ?? []) {
      const d = (indegree.get(t) as number) - 1;
      indegree.set(t, d);
      if (d === 0) ready.push(t);
    }
  }
  return seen === g.nodes.length;
}

/** The layout a graph gets: layered for a directed acyclic graph with edges, up to LAYERED_MAX_NODES nodes. */
export function layoutKind(g: IViewGraph): LayoutKind {
  return g.directed && g.edges.length > 0 && g.nodes.length <= LAYERED_MAX_NODES && isAcyclic(g) ? 'layered' : 'force';
}

/** The height in pixels of a graph's box: a few nodes get a small box, large graphs stop at 560 px. */
export function boxHeight(nodes: number): number {
  return Math.round(Math.max(240, Math.min(560, 160 + 40 * Math.sqrt(nodes))));
}

/**
 * Force-directed positions (d3-force's many-body, link and centring forces), computed without
 * drawing: up to 300 steps, or as many as fit in `budgetMs` for large graphs. The positions are then
 * stretched (at most twofold) to the box's aspect ratio, so the graph fills a wide box rather than
 * sitting as a disc in its middle. d3-force is passed in, as the renderer loads it on first use.
 */
export function forcePositions(d3: typeof D3Force, g: IViewGraph, aspect: number, budgetMs = 450): Map<string, { x: number; y: number }> {
  type SimNode = D3Force.SimulationNodeDatum & { id: string };
  const nodes: SimNode[] = g.nodes.map((n) => ({ id: n.id }));
  const links = g.edges.filter((e) => e.source !== e.target).map((e) => ({ source: e.source, target: e.target }));
  // A small graph is spread wider, so that it fills its box at a readable zoom with room for labels.
  const small = nodes.length < 50;
  const sim = d3
    .forceSimulation(nodes)
    .force(
      'charge',
      d3
        .forceManyBody()
        .strength(small ? -400 : -40)
        .distanceMax(400),
    )
    .force(
      'link',
      d3
        .forceLink<SimNode, { source: string | SimNode; target: string | SimNode }>(links)
        .id((n) => n.id)
        .distance(small ? 90 : 30),
    )
    .force('x', d3.forceX().strength(0.05))
    .force('y', d3.forceY().strength(0.05))
    .stop();
  const start = performance.now();
  for (let i = 0; i < 300 && sim.alpha() > sim.alphaMin(); i++) {
    sim.tick();
    if (performance.now() - start > budgetMs) break;
  }
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const n of nodes) {
    x0 = Math.min(x0, n.x as number);
    x1 = Math.max(x1, n.x as number);
    y0 = Math.min(y0, n.y as number);
    y1 = Math.max(y1, n.y as number);
  }
  const w = x1 - x0 || 1;
  const h = y1 - y0 || 1;
  // Stretch the narrower side towards the box's aspect ratio, by a factor between 1 and 2.
  const want = aspect > 0 && Number.isFinite(aspect) ? aspect : 1;
  const sx = Math.min(2, Math.max(1, (want * h) / w));
  const sy = Math.min(2, Math.max(1, w / (want * h)));
  return new Map(nodes.map((n) => [n.id, { x: (n.x as number) * sx, y: (n.y as number) * sy }]));
}

/** A tooltip's lines for an element's attributes: `key: value`, long values cut at 80 characters, 20 lines at most. */
export function attributeLines(attrs: Record<string, unknown>): string[] {
  const entries = Object.entries(attrs);
  const lines = entries.slice(0, 20).map(([k, v]) => {
    const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
    return `${k}: ${text.length > 80 ? `${text.slice(0, 79)}…` : text}`;
  });
  if (entries.length > 20) lines.push(`… ${entries.length - 20} more`);
  return lines;
}

/** Show `attrs` in `tooltip` at (x, y) in its container's pixels. */
export function showTooltip(tooltip: HTMLElement, attrs: Record<string, unknown>, x: number, y: number): void {
  tooltip.replaceChildren(
    ...attributeLines(attrs).map((l) => {
      const div = document.createElement('div');
      div.textContent = l;
      return div;
    }),
  );
  tooltip.style.left = `${x + 12}px`;
  tooltip.style.top = `${y + 12}px`;
  tooltip.hidden = false;
}
