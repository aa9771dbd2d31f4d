/**
 * A graph value as a static SVG image, drawn in the kernel so frontends without taskcell's
 * renderer (nbconvert, GitHub, VS Code without the extension) show the graph, not an edge list.
 * The layout is the interactive view's: layered for a directed acyclic graph, force-directed
 * otherwise (d3-force, on the kernel's thread within a 250 ms budget: a 1,000-node graph takes
 * about 300 ms in all). Above GRAPH_SVG_MAX_NODES nodes or GRAPH_SVG_MAX_EDGES edges no image is
 * made: a still picture of thousands of nodes shows a hairball, and its layout would hold the cell.
 */
import { boxHeight, escapeHtml, forcePositions, layeredPositions, layoutKind, viewGraph } from '@taskcell/display';
import type { GraphInput, IViewGraph } from '@taskcell/display';
import type { IGraph } from '@taskcell/core';

/** Above this many nodes a graph gets no static image. */
export const GRAPH_SVG_MAX_NODES = 1000;

/** Above this many edges a graph gets no static image. */
export const GRAPH_SVG_MAX_EDGES = 5000;

/** Above this many nodes the image leaves out node labels (they would cover each other). */
export const GRAPH_SVG_MAX_LABELS = 200;

/** The classes of the image's parts, for styling it where it is shown inline. */
export const CLASS = {
  svg: 'tc-GraphSvg',
  edge: 'tc-GraphSvg-edge',
  node: 'tc-GraphSvg-node',
  label: 'tc-GraphSvg-label',
} as const;

/**
 * The graph as an SVG document (black on white, as a printed figure; arrowheads on a directed
 * graph's edges; each node titled with its label for a hover hint), or undefined when it is too
 * large for a static image.
 */
export function graphSvg(input: GraphInput): string | undefined {
  const graph = viewGraph(input as IGraph);
  if (graph.nodes.length > GRAPH_SVG_MAX_NODES || graph.edges.length > GRAPH_SVG_MAX_EDGES) return undefined;
  const width = Private.WIDTH;
  const height = boxHeight(graph.nodes.length);
  const kind = layoutKind(graph);
  const d3 = kind === 'force' ? Private.d3() : undefined;
  if (kind === 'force' && !d3) return undefined;
  const positions = d3 ? forcePositions(d3, graph, width / height, Private.LAYOUT_BUDGET_MS) : layeredPositions(graph);
  return Private.draw(graph, Private.fit(positions, width, height), width, height);
}

namespace Private {
  /** The image's width in pixels; its height grows with the node count, as the interactive view's box does. */
  export const WIDTH = 720;

  /** The longest the force layout may run on the kernel's thread. */
  export const LAYOUT_BUDGET_MS = 250;

  const PAD = 24;
  const COLORS = { background: '#ffffff', edge: '#6b6b6b', node: '#1565c0', text: '#1a1a1a' };

  let counter = 0;

  /**
   * d3-force, an ES module without top-level await, which Node 20.19 and later `require`. On an
   * older Node it cannot load synchronously: graphs that need a force layout then get no static
   * image (the interactive renderer is unaffected), rather than a failing `display.graph`.
   */
  export function d3(): typeof import('d3-force') | undefined {
    try {
      return require('d3-force') as typeof import('d3-force');
    } catch {
      return undefined;
    }
  }

  /** Positions scaled into the box, keeping their aspect ratio, centred, and never enlarged past 1.5×. */
  export function fit(
    positions: Map<string, { x: number; y: number }>,
    width: number,
    height: number,
  ): Map<string, { x: number; y: number }> {
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const p of positions.values()) [x0, x1, y0, y1] = [Math.min(x0, p.x), Math.max(x1, p.x), Math.min(y0, p.y), Math.max(y1, p.y)];
    if (!positions.size) return positions;
    const w = x1 - x0;
    const h = y1 - y0;
    const scale = Math.min(1.5, w > 0 ? (width - 2 * PAD) / w : Infinity, h > 0 ? (height - 2 * PAD) / h : Infinity);
    const s = Number.isFinite(scale) ? scale : 1;
    const dx = (width - w * s) / 2 - x0 * s;
    const dy = (height - h * s) / 2 - y0 * s;
    return new Map([...positions].map(([id, p]) => [id, { x: p.x * s + dx, y: p.y * s + dy }]));
  }

  const num = (v: number): string => String(Math.round(v * 10) / 10);

  type Point = { x: number; y: number };

  /** Whether a node other than the ends lies on the segment from a to b (within two radii). */
  export function blocked(a: Point, b: Point, r: number, nodes: Iterable<Point>): boolean {
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len2 = dx * dx + dy * dy || 1;
    for (const p of nodes) {
      if (p === a || p === b) continue;
      const t = ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2;
      if (t <= 0 || t >= 1) continue;
      if (Math.hypot(a.x + t * dx - p.x, a.y + t * dy - p.y) < 2 * r) return true;
    }
    return false;
  }

  /**
   * An edge from a to b: straight, or bowed to one side when a node lies in its way (a layered
   * DAG's edge that skips a layer). A directed edge stops at the target's rim, so its arrowhead
   * (`marker`) shows.
   */
  export function edge(a: Point, b: Point, r: number, marker: string | undefined, bowed: boolean): string {
    const d = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    // The control point of a bowed edge, a quarter of its length to the left of its middle.
    const c = bowed ? { x: (a.x + b.x) / 2 + ((a.y - b.y) / d) * d * 0.25, y: (a.y + b.y) / 2 + ((b.x - a.x) / d) * d * 0.25 } : a;
    const from = bowed ? c : a;
    const k = marker ? (r + 1) / (Math.hypot(b.x - from.x, b.y - from.y) || 1) : 0;
    const tip = { x: b.x - (b.x - from.x) * k, y: b.y - (b.y - from.y) * k };
    const end = marker ? ` marker-end="url(#${marker})"` : '';
    const path = bowed
      ? `M${num(a.x)},${num(a.y)}Q${num(c.x)},${num(c.y)} ${num(tip.x)},${num(tip.y)}`
      : `M${num(a.x)},${num(a.y)}L${num(tip.x)},${num(tip.y)}`;
    return `<path class="${CLASS.edge}" d="${path}"${end}/>`;
  }

  /** The SVG markup of a laid-out graph. */
  export function draw(graph: IViewGraph, at: Map<string, { x: number; y: number }>, width: number, height: number): string {
    const small = graph.nodes.length <= GRAPH_SVG_MAX_LABELS;
    const r = small ? 6 : 3;
    const arrow = `tc-graph-arrow-${++counter}`;
    const summary = `${graph.directed ? 'directed' : 'undirected'} graph, ${graph.nodes.length} nodes, ${graph.edges.length} edges`;
    const out: string[] = [
      `<svg xmlns="http://www.w3.org/2000/svg" class="${CLASS.svg}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${summary}">`,
      `<title>${summary}</title>`,
      `<rect width="${width}" height="${height}" fill="${COLORS.background}"/>`,
    ];
    if (graph.directed)
      out.push(
        `<defs><marker id="${arrow}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="${small ? 7 : 5}" markerHeight="${small ? 7 : 5}" orient="auto-start-reverse">`,
        `<path d="M0,0L10,5L0,10z" fill="${COLORS.edge}"/></marker></defs>`,
      );
    out.push(`<g stroke="${COLORS.edge}" stroke-width="${small ? 1.2 : 0.6}" fill="none">`);
    for (const e of graph.edges) {
      const a = at.get(e.source) as { x: number; y: number };
      const b = at.get(e.target) as { x: number; y: number };
      if (e.source === e.target) {
        // A self-loop: a small circle above the node.
        out.push(`<circle class="${CLASS.edge}" cx="${num(a.x)}" cy="${num(a.y - 2 * r)}" r="${num(1.6 * r)}"/>`);
        continue;
      }
      out.push(edge(a, b, r, graph.directed ? arrow : undefined, blocked(a, b, r, at.values())));
    }
    out.push('</g>', `<g stroke="${COLORS.background}" stroke-width="1">`);
    for (const n of graph.nodes) {
      const p = at.get(n.id) as { x: number; y: number };
      const fill = n.color ? escapeHtml(n.color) : COLORS.node;
      out.push(
        `<circle class="${CLASS.node}" cx="${num(p.x)}" cy="${num(p.y)}" r="${r}" fill="${fill}"><title>${escapeHtml(n.label)}</title></circle>`,
      );
    }
    out.push('</g>');
    if (small) {
      // Labels above their nodes, outlined in the background colour so edges do not cross them out.
      out.push(
        `<g font-family="sans-serif" font-size="11" text-anchor="middle" fill="${COLORS.text}" stroke="${COLORS.background}" stroke-width="3" paint-order="stroke">`,
      );
      for (const n of graph.nodes) {
        const p = at.get(n.id) as { x: number; y: number };
        out.push(`<text class="${CLASS.label}" x="${num(p.x)}" y="${num(p.y - r - 4)}">${escapeHtml(n.label)}</text>`);
      }
      out.push('</g>');
    }
    out.push('</svg>');
    return out.join('');
  }
}
