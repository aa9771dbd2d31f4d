/**
 * Girder Worker's graph cases (`cases/graph.json`). Their networkx inputs are Python objects; per
 * SCHEMA.md §3.1 they are rebuilt from the fixture `distances` three ways (its edge list, its
 * networkx 1.x node-link JSON, its networkx 2+ node-link JSON), which must agree, and each case
 * runs on every one. Assertions are structural: node sets, edge sets, degrees, isomorphism.
 */
import { GraphBuilder, createRunner } from '@taskcell/core';
import type { GraphNodeId, IGraph } from '@taskcell/core';
import { XMLParser } from 'fast-xml-parser';
import { assertOp, conformance } from './harness';
import type { ICase, ICaseFile } from './harness';

type Json = Record<string, unknown>;
type EdgeSpec = [string, string, Json?];
const runner = createRunner();
const convert = (from: string, to: string, data: unknown) => runner.formats.convert('graph', from, to, data);

/** The fixture's networkx graph, from each of its JSON stand-ins; they must all be the same graph. */
function fixtureGraphs(input: Json): IGraph[] {
  const eq = (input.data as Json).json_equivalent as Json;
  const builder = new GraphBuilder();
  for (const n of eq.node_order as string[]) builder.addNode(n);
  for (const [s, t, attrs] of eq.edges as EdgeSpec[]) builder.addEdge(s, t, attrs);
  const graphs = [
    builder.build(),
    convert('networkx.json', 'networkx', eq.as_networkx_json_networkx1x),
    convert('networkx.json', 'networkx', eq.as_networkx_json_networkx2plus),
  ] as IGraph[];
  for (const g of graphs.slice(1)) expect(edgeSet(g, 'distance')).toEqual(edgeSet(graphs[0], 'distance'));
  return graphs;
}

/** Undirected edges as sorted `a|b|attr` strings. */
function edgeSet(g: IGraph, attr?: string): string[] {
  return g.edges.map((e) => [...[String(e.source), String(e.target)].sort(), attr ? String(e[attr]) : ''].join('|')).sort();
}

/** The degree of a node (a self-loop counts twice, as in networkx). */
function degree(g: IGraph, id: GraphNodeId): number {
  return g.edges.reduce((d, e) => d + (e.source === id ? 1 : 0) + (e.target === id ? 1 : 0), 0);
}

/**
 * Whether an undirected graph is isomorphic to the one given by an edge list, with equal values of
 * `attr` on matched edges when given (networkx `numerical_edge_match`): a search over node mappings,
 * fine for the few nodes of these cases.
 */
function isomorphic(g: IGraph, edges: EdgeSpec[], attr?: string): boolean {
  const other = new GraphBuilder();
  for (const [s, t, a] of edges) other.addEdge(s, t, a ?? {});
  const h = other.build();
  if (g.nodes.length !== h.nodes.length || g.edges.length !== h.edges.length) return false;
  const label = (e: { source: GraphNodeId; target: GraphNodeId; [k: string]: unknown }, map: (x: GraphNodeId) => GraphNodeId) =>
    [...[String(map(e.source)), String(map(e.target))].sort(), attr ? Number(e[attr]) : ''].join('|');
  const want = h.edges
    .map((e) => label(e, (x) => x))
    .sort()
    .join('\n');
  const from = g.nodes.map((n) => n.id);
  const to = h.nodes.map((n) => n.id);
  const used = new Set<number>();
  const map = new Map<GraphNodeId, GraphNodeId>();
  const search = (k: number): boolean => {
    if (k === from.length)
      return (
        g.edges
          .map((e) => label(e, (x) => map.get(x)!))
          .sort()
          .join('\n') === want
      );
    for (let j = 0; j < to.length; j++) {
      if (used.has(j) || degree(g, from[k]) !== degree(h, to[j])) continue;
      used.add(j);
      map.set(from[k], to[j]);
      if (search(k + 1)) return true;
      used.delete(j);
    }
    return false;
  };
  return search(0);
}

/** The root element of XML text, with `{namespace}tag` names as ElementTree gives them, and its child elements. */
function xmlRoot(text: string): { tag: string; children: Array<{ tag: string; node: Json }> } {
  const doc = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '' }).parse(text) as Json[];
  const rootNode = doc.find((n) => !Object.keys(n).some((k) => k.startsWith('?')))!;
  const name = Object.keys(rootNode).find((k) => k !== ':@')!;
  const ns = ((rootNode[':@'] as Json | undefined)?.xmlns as string | undefined) ?? '';
  const qualify = (t: string) => (ns ? `{${ns}}${t}` : t);
  const children = (rootNode[name] as Json[])
    .filter((n) => !('#text' in n))
    .map((n) => ({ tag: qualify(Object.keys(n).find((k) => k !== ':@')!), node: n }));
  return { tag: qualify(name), children };
}

/** Check one case on one input graph (or text). */
function check(c: ICase, all: ICaseFile, input: unknown): void {
  const output = convert(c.from_format!, c.to_format!, input);
  const derived = c.derived as Json | undefined;
  switch (c.name.split('#')[1]) {
    case 'clique_to_networkx': {
      const g = output as IGraph;
      const [names, count, deg] = c.assertions!;
      assertOp(
        g.nodes.map((n) => n.name),
        names.op,
        names.value,
      );
      assertOp(g.edges.length, count.op, count.value);
      assertOp(degree(g, '55ba5019f8883b5bf35f3e30'), deg.op, deg.value);
      // Derived: a DiGraph (no repeated source/target pair), with these ids, attributes and edges.
      expect([g.directed, g.multigraph]).toEqual([true, false]);
      expect(g.nodes.map((n) => n.id)).toEqual(derived!.node_ids);
      expect(Object.fromEntries(g.nodes.map(({ id, ...attrs }) => [id, attrs]))).toEqual(derived!.node_attrs);
      expect(g.edges.map(({ source, target, ...attrs }) => [source, target, attrs])).toEqual(derived!.edges);
      break;
    }
    case 'networkx_to_clique_roundtrip': {
      const docs = JSON.parse(output as string) as Json[];
      const nodes = docs.filter((d) => d.type === 'node');
      const links = docs.filter((d) => d.type === 'link');
      const [names, count, pairs] = c.assertions!;
      assertOp(nodes.map((n) => (n.data as Json).name).sort(), names.op, names.value);
      assertOp(links.length, count.op, count.value);
      const nameOf = new Map(nodes.map((n) => [(n._id as Json).$oid, (n.data as Json).name]));
      assertOp(
        links.map((l) => [nameOf.get((l.source as Json).$oid), nameOf.get((l.target as Json).$oid)]),
        pairs.op,
        pairs.value,
      );
      // Fresh 24-hex-digit ObjectIds everywhere, and the edge attribute "name" is not written back (trap 6).
      for (const d of docs) expect((d._id as Json).$oid).toMatch(/^[0-9a-f]{24}$/);
      const clique = JSON.parse((all.cases.find((o) => o.from_format === 'clique.json')!.input as Json).data as string) as Json[];
      const original = new Set(clique.map((d) => (d._id as Json).$oid));
      for (const d of docs) expect(original.has((d._id as Json).$oid)).toBe(false);
      for (const l of links) expect(l.data).toBeUndefined();
      break;
    }
    case 'networkx_to_adjacencylist': {
      const text = output as string;
      const edges = text.split('\n').flatMap((line) => {
        const [src, ...ts] = line.split(' ');
        return ts.map((t) => [src, t]);
      });
      expect(new Set(edges.map((e) => e.join('|'))).size).toBe(edges.length);
      const [a] = c.assertions!;
      assertOp(edges, a.op, a.value);
      expect(text).toBe(derived!.data);
      break;
    }
    case 'adjacencylist_to_networkx': {
      const g = output as IGraph;
      const [a] = c.assertions!;
      expect(a.op).toBe('isomorphic_ignoring_edge_attrs');
      expect(isomorphic(g, (a.value as Json).edges as EdgeSpec[])).toBe(true);
      expect(g.nodes.every((n) => typeof n.id === 'string')).toBe(true);
      expect([g.directed, g.multigraph]).toEqual([false, false]);
      break;
    }
    case 'networkx_to_graphml': {
      const [isString, length, tag0, tag1, edges] = c.assertions!;
      assertOp(output, isString.op, isString.value);
      const root = xmlRoot(output as string);
      assertOp(root.children, length.op, length.value);
      assertOp(root.children[0].tag, tag0.op, tag0.value);
      assertOp(root.children[1].tag, tag1.op, tag1.value);
      const keys = new Map<string, string>();
      for (const { node } of root.children.filter((ch) => ch.tag.endsWith('}key')))
        keys.set((node[':@'] as Json).id as string, (node[':@'] as Json)['attr.name'] as string);
      const graphEl = root.children[1].node.graph as Json[];
      const found = graphEl
        .filter((n) => 'edge' in n)
        .map((n) => {
          const at = n[':@'] as Json;
          const data = (n.edge as Json[]).find((d) => 'data' in d)!;
          expect(keys.get((data[':@'] as Json).key as string)).toBe('distance');
          return [at.source, at.target, parseInt(((data.data as Json[])[0] as Json)['#text'] as string, 10)];
        });
      assertOp(found, edges.op, edges.value);
      expect(output).toBe(derived!.data);
      break;
    }
    case 'graphml_to_networkx': {
      const [a] = c.assertions!;
      const { attr, edges } = a.value as { attr: string; edges: EdgeSpec[] };
      expect(a.op).toBe('isomorphic_with_edge_attr');
      const g = output as IGraph;
      expect(g.edges.every((e) => typeof e[attr] === 'number')).toBe(true);
      expect(isomorphic(g, edges, attr)).toBe(true);
      break;
    }
    default:
      throw new Error(`no check for case ${c.name}`);
  }
}

conformance('graph.json', (c, all) => {
  expect(c.kind).toBe('convert');
  const input = c.input as Json;
  if (input.from_case) {
    // The networkx graph another case produced.
    const source = all.cases.find((o) => o.name === input.from_case)!;
    const from = source.input as Json;
    check(c, all, convert(from.format as string, 'networkx', from.data));
  } else if (input.format === 'networkx') {
    for (const g of fixtureGraphs(input)) check(c, all, g);
  } else check(c, all, input.data);
});
