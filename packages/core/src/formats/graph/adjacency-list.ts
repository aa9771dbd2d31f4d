/**
 * `adjacencylist`: networkx's adjacency list text (`read_adjlist` / `generate_adjlist` joined with
 * `\n`, as Girder Worker used them).
 *
 * Reading: `#` starts a comment; each remaining line is split on runs of blanks; its first token is
 * a node and every other token a neighbour joined to it by an edge. The result is an undirected,
 * simple graph with string node ids and no attributes. A line that holds only blanks is skipped
 * (networkx failed on it).
 *
 * Writing: one line per node in node order, the node then its neighbours separated by single
 * spaces; in an undirected graph an edge is listed once, on the line of the endpoint met first; a
 * multigraph repeats a neighbour once per parallel edge. Attributes, direction and id types are
 * lost, as they were in Girder Worker.
 */
import { shapeError } from '../tree/text-errors';
import { GraphBuilder, assertGraph, networkxEdges } from './graph';
import type { GraphNodeId, IGraph } from './graph';

/** Read adjacency list text into an undirected graph with string node ids. */
export function parseAdjacencyList(text: string): IGraph {
  if (typeof text !== 'string') throw shapeError('graph', 'adjacencylist', `expected adjacency list text (a string), got ${typeof text}`);
  const builder = new GraphBuilder();
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (!line) continue;
    const [u, ...vs] = line.split(/\s+/);
    builder.addNode(u);
    for (const v of vs) builder.addEdge(u, v);
  }
  return builder.build();
}

/** Write a graph as adjacency list text. */
export function writeAdjacencyList(graph: IGraph): string {
  assertGraph(graph);
  const lines = new Map<GraphNodeId, string[]>();
  for (const n of graph.nodes) lines.set(n.id, [String(n.id)]);
  for (const e of networkxEdges(graph)) lines.get(e.source)!.push(String(e.target));
  return [...lines.values()].map((l) => l.join(' ')).join('\n');
}
