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

/** A graph as `application/vnd.taskcell.graph+json` (core's graph value) with an HTML edge list and a text fallback. */
export function graphBundle(input: GraphInput): IMimeBundle {
  const graph = toGraph(input);
  const arrow = graph.directed ? '->' : '--';
  const edges = graph.edges.map((l) => `${String(l.source)} ${arrow} ${String(l.target)}`);
  const isolated = graph.nodes.filter((n) => !graph.edges.some((l) => l.source === n.id || l.target === n.id)).map((n) => String(n.id));
  const lines = [...edges, ...isolated];
  return {
    [MIME.graph]: graph,
    [MIME.html]: `<div class="tc-graph"><p>${graph.nodes.length} nodes, ${graph.edges.length} edges</p><ul>${lines
      .map((l) => `<li><code>${escapeHtml(l)}</code></li>`)
      .join('')}</ul></div>`,
    [MIME.plain]: [`graph: ${graph.nodes.length} nodes, ${graph.edges.length} edges`, ...lines.map((l) => `  ${l}`)].join('\n'),
  };
}

/** A workflow's DAG (steps and edges, as a JobEvent carries it) as a graph bundle. */
export function dagBundle(dag: { steps: string[]; edges: Array<[string, string]> }): IMimeBundle {
  return graphBundle({
    directed: true,
    nodes: dag.steps.map((id) => ({ id })),
    edges: dag.edges.map(([source, target]) => ({ source, target })),
  });
}
