/**
 * How a graph value is laid out for drawing, shared by the extension's interactive view and the
 * kernel's static SVG: the drawable nodes and edges, the choice of a layered or a force layout, and
 * both layouts. d3-force is passed in, as each side loads it its own way.
 */
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
  const start = Date.now();
  for (let i = 0; i < 300 && sim.alpha() > sim.alphaMin(); i++) {
    sim.tick();
    if (Date.now() - start > budgetMs) break;
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

/**
 * Layered positions for a directed acyclic graph, left to right as the view's dagre layout draws
 * it: each node in the layer of its longest path from a source, the nodes of a layer ordered by the
 * mean place of their neighbours in the layer before and after (a few sweeps each way), so that
 * fewer edges cross. A cycle's nodes stay in the first layer.
 */
export function layeredPositions(g: IViewGraph, spacing = { layer: 150, node: 56 }): Map<string, { x: number; y: number }> {
  const layer = new Map(g.nodes.map((n) => [n.id, 0]));
  const indegree = new Map(g.nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>();
  const into = new Map<string, string[]>();
  for (const e of g.edges) {
    if (e.source === e.target) continue;
    indegree.set(e.target, (indegree.get(e.target) ?? 0) + 1);
    out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
    into.set(e.target, [...(into.get(e.target) ?? []), e.source]);
  }
  const ready = g.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i];
    for (const t of out.get(id) ?? []) {
      layer.set(t, Math.max(layer.get(t) ?? 0, (layer.get(id) ?? 0) + 1));
      const d = (indegree.get(t) ?? 0) - 1;
      indegree.set(t, d);
      if (d === 0) ready.push(t);
    }
  }
  const layers: string[][] = [];
  for (const n of g.nodes) (layers[layer.get(n.id) ?? 0] ??= []).push(n.id);
  const order = new Map<string, number>();
  const number = (ids: string[]): void => ids.forEach((id, i) => order.set(id, i));
  layers.forEach(number);
  const mean = (ids: string[] | undefined, fallback: number): number => {
    const known = (ids ?? []).map((id) => order.get(id) ?? 0);
    return known.length ? known.reduce((a, b) => a + b, 0) / known.length : fallback;
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const seq = down ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const ids of seq) {
      const key = new Map(ids.map((id) => [id, mean(down ? into.get(id) : out.get(id), order.get(id) ?? 0)]));
      ids.sort((a, b) => (key.get(a) ?? 0) - (key.get(b) ?? 0));
      number(ids);
    }
  }
  const positions = new Map<string, { x: number; y: number }>();
  layers.forEach((ids, l) =>
    ids.forEach((id, i) => positions.set(id, { x: l * spacing.layer, y: (i - (ids.length - 1) / 2) * spacing.node })),
  );
  return positions;
}
