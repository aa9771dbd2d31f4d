/**
 * `clique.json`: a Clique graph, a JSON list of Mongo documents, nodes `{_id: {$oid}, type:
 * "node", data?}` and links `{_id, source: {$oid}, target: {$oid}, type: "link", data?}`.
 *
 * Reading follows Girder Worker's converter: a directed graph (a multigraph when some source and
 * target pair repeats), node ids the `$oid` strings, attributes the `data` objects, documents of
 * any other type ignored, and a link to an undeclared node adds that node. An `_id` may also be a
 * bare string or number.
 *
 * Writing follows it too (SCHEMA.md trap 6): every node gets a fresh ObjectId, node attributes
 * become `data` (left out when empty), and a link carries `data` only from an edge attribute
 * literally named `data`; other edge attributes are lost. Text as `bson.json_util.dumps` wrote it.
 */
import { ObjectId } from 'bson';
import { pythonJson } from '../python-json';
import { parseJsonText, shapeError } from '../tree/text-errors';
import { GraphBuilder, assertGraph, networkxEdges, nodeAttributes } from './graph';
import type { GraphNodeId, IGraph } from './graph';
import { describeKind, isPlainObject } from '../describe';

/** Read Clique JSON text into a directed graph. */
export function parseCliqueJson(text: string): IGraph {
  const docs = parseJsonText(text, 'graph', 'clique.json');
  const fail = (message: string) => shapeError('graph', 'clique.json', message);
  if (!Array.isArray(docs)) throw fail(`expected a list of node and link documents, got ${describeKind(docs)}`);
  const nodes: Array<[GraphNodeId, Record<string, unknown>]> = [];
  const links: Array<[GraphNodeId, GraphNodeId, Record<string, unknown>]> = [];
  docs.forEach((doc: unknown, i) => {
    if (!isPlainObject(doc)) throw fail(`item ${i} is ${describeKind(doc)}, expected a document (an object)`);
    if (doc.type !== 'node' && doc.type !== 'link') return;
    const data = doc.data ?? {};
    if (!isPlainObject(data)) throw fail(`item ${i}: "data" is ${describeKind(data)}, expected an object`);
    if (doc.type === 'node') {
      if ('id' in data) throw fail(`item ${i}: node data has an "id" attribute, which would clash with the node id`);
      nodes.push([Private.oid(doc._id, i, '_id', fail), data]);
    } else {
      for (const reserved of ['source', 'target']) {
        if (reserved in data)
          throw fail(`item ${i}: link data has a "${reserved}" attribute, which would clash with the link's ${reserved}`);
      }
      links.push([Private.oid(doc.source, i, 'source', fail), Private.oid(doc.target, i, 'target', fail), data]);
    }
  });
  const pairs = new Map<GraphNodeId, Set<GraphNodeId>>();
  let multigraph = false;
  for (const [s, t] of links) {
    const row = pairs.get(s) ?? new Set();
    if (row.has(t)) multigraph = true;
    row.add(t);
    pairs.set(s, row);
  }
  if (multigraph && links.some(([, , data]) => 'key' in data))
    throw fail('link data has a "key" attribute, which would clash with the multigraph edge key');
  const builder = new GraphBuilder({ directed: true, multigraph });
  for (const [id, data] of nodes) builder.addNode(id, data);
  for (const [s, t, data] of links) builder.addEdge(s, t, data);
  return builder.build();
}

/** Write a graph as Clique JSON text with fresh ObjectIds (see the module comment for what is kept). */
export function writeCliqueJson(graph: IGraph): string {
  assertGraph(graph);
  const oids = new Map<GraphNodeId, string>();
  const docs: unknown[] = [];
  for (const n of graph.nodes) {
    const oid = new ObjectId().toHexString();
    oids.set(n.id, oid);
    const data = nodeAttributes(n);
    docs.push(Object.keys(data).length ? { _id: { $oid: oid }, type: 'node', data } : { _id: { $oid: oid }, type: 'node' });
  }
  for (const e of networkxEdges(graph)) {
    const doc: Record<string, unknown> = {
      _id: { $oid: new ObjectId().toHexString() },
      source: { $oid: oids.get(e.source) },
      target: { $oid: oids.get(e.target) },
      type: 'link',
    };
    if ('data' in e.attrs) doc.data = e.attrs.data;
    docs.push(doc);
  }
  return pythonJson(docs);
}

namespace Private {
  /** The id in `{$oid: "..."}` (or a bare string or number id). */
  export function oid(v: unknown, i: number, field: string, fail: (m: string) => Error): GraphNodeId {
    const id = isPlainObject(v) ? v.$oid : v;
    if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) return id;
    throw fail(`item ${i}: "${field}" is ${v === undefined ? 'missing' : describeKind(v)}, expected {"$oid": "<24 hex digits>"}`);
  }
}
