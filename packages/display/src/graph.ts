import { escapeHtml } from './html';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/** A graph node: an id and any data. */
export interface IGraphNode {
  id: string | number;
  [key: string]: unknown;
}

/** A graph edge between two node ids. */
export interface IGraphLink {
  source: string | number;
  target: string | number;
  [key: string]: unknown;
}

/** A graph in networkx's node-link form, which Girder Worker's `networkx.json` format also uses. */
export interface IGraph {
  directed?: boolean;
  nodes: IGraphNode[];
  links: IGraphLink[];
}

/** A graph as `application/vnd.taskcell.graph+json` with an HTML edge list and a text fallback. */
export function graphBundle(graph: IGraph): IMimeBundle {
  const arrow = graph.directed === false ? '--' : '->';
  const edges = graph.links.map((l) => `${String(l.source)} ${arrow} ${String(l.target)}`);
  const isolated = graph.nodes.filter((n) => !graph.links.some((l) => l.source === n.id || l.target === n.id)).map((n) => String(n.id));
  const lines = [...edges, ...isolated];
  return {
    [MIME.graph]: graph,
    [MIME.html]: `<div class="tc-graph"><p>${graph.nodes.length} nodes, ${graph.links.length} edges</p><ul>${lines
      .map((l) => `<li><code>${escapeHtml(l)}</code></li>`)
      .join('')}</ul></div>`,
    [MIME.plain]: [`graph: ${graph.nodes.length} nodes, ${graph.links.length} edges`, ...lines.map((l) => `  ${l}`)].join('\n'),
  };
}

/** A workflow's DAG (steps and edges, as a JobEvent carries it) as a graph bundle. */
export function dagBundle(dag: { steps: string[]; edges: Array<[string, string]> }): IMimeBundle {
  return graphBundle({
    directed: true,
    nodes: dag.steps.map((id) => ({ id })),
    links: dag.edges.map(([source, target]) => ({ source, target })),
  });
}
