/**
 * `networkx.json`: networkx's node-link JSON (`json.dumps(node_link_data(G))` and
 * `node_link_graph(json.loads(text))` in Girder Worker).
 *
 * Reading accepts both dialects. networkx 1.x, which Girder Worker ran (and which wrote
 * `docs/static/data.json`), gives `links[].source`/`target` as indices into `nodes`; networkx 2 and
 * later give node ids. When every endpoint is a node id the ids are used, otherwise every endpoint
 * must be an index. The edge list may be called `links` or `edges` (networkx 3.4 and later). As in
 * `node_link_graph`, a missing `directed` means undirected, a missing `multigraph` means a
 * multigraph, and a node without an `id` takes its index as id.
 *
 * Writing gives the networkx 2+ dialect, keys in the order `directed, multigraph, graph, nodes,
 * links`, node `id` and link `source`/`target`(/`key`) before the attributes, edges in networkx's
 * iteration order, JSON as Python's `json.dumps` writes it.
 */
import { pythonJson } from '../python-json';
import { parseJsonText, shapeError } from '../tree/text-errors';
import { GraphBuilder, assertGraph, networkxEdges, nodeAttributes } from './graph';
import type { GraphNodeId, IGraph } from './graph';
import { describeKind, isNodeId, isPlainObject } from '../describe';

/** Read node-link JSON text (either dialect) into a graph. */
export function parseNodeLinkJson(text: string): IGraph {
  return nodeLinkToGraph(parseJsonText(text, 'graph', 'networkx.json'));
}

/** Read node-link data already parsed from JSON (either dialect) into a graph. */
export function nodeLinkToGraph(data: unknown): IGraph {
  const fail = (message: string) => shapeError('graph', 'networkx.json', message);
  if (!isPlainObject(data))
    throw fail(`expected a node-link object {directed, multigraph, graph, nodes, links}, got ${describeKind(data)}`);
  const directed = Private.flag(data, 'directed', false, fail);
  const multigraph = Private.flag(data, 'multigraph', true, fail);
  const attrs = data.graph ?? {};
  if (!isPlainObject(attrs)) throw fail(`"graph" is ${describeKind(attrs)}, expected an object of graph attributes`);
  const nodes = data.nodes;
  if (!Array.isArray(nodes)) throw fail(`expected a "nodes" list, got ${nodes === undefined ? 'none' : describeKind(nodes)}`);
  const linksName = data.links !== undefined || data.edges === undefined ? 'links' : 'edges';
  const links = data[linksName];
  if (!Array.isArray(links)) throw fail(`expected a "links" (or "edges") list, got ${links === undefined ? 'none' : describeKind(links)}`);

  const builder = new GraphBuilder({ directed, multigraph, graph: attrs });
  const ids: GraphNodeId[] = [];
  const known = new Set<unknown>();
  nodes.forEach((n: unknown, i) => {
    if (!isPlainObject(n)) throw fail(`nodes[${i}] is ${describeKind(n)}, expected an object`);
    const id = 'id' in n ? n.id : i;
    if (!isNodeId(id)) throw fail(`nodes[${i}].id is ${describeKind(id)}, expected a string or a number`);
    ids.push(id);
    known.add(id);
    builder.addNode(id, n);
  });
  const ends: Array<[unknown, unknown]> = links.map((l: unknown, i) => {
    if (!isPlainObject(l)) throw fail(`${linksName}[${i}] is ${describeKind(l)}, expected an object`);
    for (const end of ['source', 'target']) if (!(end in l)) throw fail(`${linksName}[${i}] has no "${end}"`);
    return [l.source, l.target];
  });
  const isIndex = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < ids.length;
  const byId = ends.every(([s, t]) => known.has(s) && known.has(t));
  if (!byId && !ends.every(([s, t]) => isIndex(s) && isIndex(t))) {
    // Neither dialect fits every link: name the first endpoint that fits neither, or else the mix.
    let i = ends.findIndex(([s, t]) => [s, t].some((v) => !known.has(v) && !isIndex(v)));
    const mixed = i < 0;
    if (mixed) i = ends.findIndex(([s, t]) => !isIndex(s) || !isIndex(t));
    const end = mixed ? (isIndex(ends[i][0]) ? 'target' : 'source') : !known.has(ends[i][0]) && !isIndex(ends[i][0]) ? 'source' : 'target';
    const v = ends[i][end === 'source' ? 0 : 1];
    throw fail(
      mixed
        ? `${linksName}[${i}].${end} is the node id ${JSON.stringify(v)} while other links use indices into "nodes"; links name their endpoints either by node id (networkx 2 and later) or by index (networkx 1.x)`
        : `${linksName}[${i}].${end} is ${JSON.stringify(v)}, which is neither a node id nor an index into "nodes" (0..${ids.length - 1}); links name their endpoints by node id (networkx 2 and later) or by index (networkx 1.x)`,
    );
  }
  const resolve = (v: unknown): GraphNodeId => (byId ? (v as GraphNodeId) : ids[v as number]);
  links.forEach((l: Record<string, unknown>, i) => {
    const key = multigraph && l.key !== undefined ? l.key : undefined;
    if (key !== undefined && !isNodeId(key)) throw fail(`${linksName}[${i}].key is ${describeKind(key)}, expected a string or a number`);
    builder.addEdge(resolve(ends[i][0]), resolve(ends[i][1]), l, key);
  });
  return builder.build();
}

/** Write a graph as node-link JSON text, networkx 2+ dialect. */
export function writeNodeLinkJson(graph: IGraph): string {
  assertGraph(graph);
  const nodes = graph.nodes.map((n) => ({ id: n.id, ...nodeAttributes(n) }));
  const links = networkxEdges(graph).map((e) =>
    graph.multigraph ? { source: e.source, target: e.target, key: e.key, ...e.attrs } : { source: e.source, target: e.target, ...e.attrs },
  );
  return pythonJson({ directed: graph.directed, multigraph: graph.multigraph, graph: graph.graph, nodes, links });
}

namespace Private {
  /** A boolean field, `fallback` when absent (networkx reads it for truth, so 0/1 count too). */
  export function flag(data: Record<string, unknown>, name: string, fallback: boolean, fail: (m: string) => Error): boolean {
    const v = data[name];
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 0 || v === 1) return v === 1;
    throw fail(`"${name}" is ${describeKind(v)}, expected true or false`);
  }
}
