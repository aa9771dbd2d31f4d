import type { IGraph } from '@taskcell/core';
import { escapeHtml } from './html';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/**
 * What `graphBundle` accepts: core's graph value (the `graph` type in its `networkx` format, as a
 * task returns it), where the flags and graph attributes may be left out (then an undirected simple
 * graph without attributes, as networkx makes by default).
 */
export type GraphInput = Pick<IGraph, 'nodes' | 'edges'> & Partial<IGraph>;

/** A graph with every field, as `application/vnd.taskcell.graph+json` carries it. */
export function toGraph(graph: GraphInput): IGraph {
  return {
    directed: graph.directed ?? false,
    multigraph: graph.multigraph ?? false,
    graph: graph.graph ?? {},
    nodes: graph.nodes,
    edges: graph.edges,
  };
}

/** What a graph's bundle carries besides the graph. */
export interface IGraphBundleOptions {
  /** The graph as an SVG document, drawn ahead (by the kernel) for frontends without taskcell's renderer. */
  svg?: string;
}

/**
 * A graph as `application/vnd.taskcell.graph+json` (core's graph value) with a text fallback. With
 * `svg`, the bundle also carries it as `image/svg+xml` and the HTML fallback shows it, so nbconvert
 * and other frontends show the graph; without, the HTML fallback is an edge list.
 */
export function graphBundle(input: GraphInput, options: IGraphBundleOptions = {}): IMimeBundle {
  const graph = toGraph(input);
  const arrow = graph.directed ? '->' : '--';
  const edges = graph.edges.map((l) => `${String(l.source)} ${arrow} ${String(l.target)}`);
  const linked = new Set(graph.edges.flatMap((l) => [l.source, l.target]));
  const isolated = graph.nodes.filter((n) => !linked.has(n.id)).map((n) => String(n.id));
  const lines = [...edges, ...isolated];
  const summary = `${graph.nodes.length} nodes, ${graph.edges.length} edges`;
  const bundle: IMimeBundle = { [MIME.graph]: graph };
  if (options.svg) {
    bundle[MIME.svg] = options.svg;
    bundle[MIME.html] = `<div class="tc-graph" title="${escapeHtml(`graph: ${summary}`)}">${options.svg}</div>`;
  } else {
    bundle[MIME.html] =
      `<div class="tc-graph"><p>${summary}</p><ul>${lines.map((l) => `<li><code>${escapeHtml(l)}</code></li>`).join('')}</ul></div>`;
  }
  bundle[MIME.plain] = [`graph: ${summary}`, ...lines.map((l) => `  ${l}`)].join('\n');
  return bundle;
}

/** A workflow's DAG (steps and edges, as a JobEvent carries it) as a graph bundle. */
export function dagBundle(dag: { steps: string[]; edges: Array<[string, string]> }): IMimeBundle {
  return graphBundle({
    directed: true,
    nodes: dag.steps.map((id) => ({ id })),
    edges: dag.edges.map(([source, target]) => ({ source, target })),
  });
}
