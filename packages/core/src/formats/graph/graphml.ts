/**
 * `graphml`: GraphML text, read and written with networkx's semantics (`read_graphml`,
 * `write_graphml`), through fast-xml-parser.
 *
 * Reading: `<key>` declarations give each data key its name, scope and type (`boolean`, `int`,
 * `long`, `float`, `double`, `string`; string when left out), and values are converted by type.
 * The first `<graph>` is read; `edgedefault="directed"` makes it directed. Nodes inside nested
 * graphs are read as nodes of the one graph. Edges to undeclared nodes add them. When some node
 * pair has parallel edges the graph is a multigraph whose edge keys are the edge ids; otherwise
 * an edge's id becomes its `id` attribute. A key's `<default>` applies to every node or edge that
 * has no value for it (networkx kept defaults aside in `node_default`/`edge_default`). Keys without
 * `attr.name` (yFiles graphics) are skipped with their data. Malformed XML, undeclared keys, bad
 * values and missing ids are ValidationErrors with line and column.
 *
 * Writing: one `<key>` per attribute name and scope, typed from all its values (all booleans:
 * boolean; all integers: int, or long beyond 32 bits; other numbers: double; otherwise string),
 * keys listed newest first as networkx lists them, nodes in order, edges in networkx's iteration
 * order, two-space indentation. Attribute values that are lists, objects or null have no GraphML
 * form and fail with a ConversionError.
 */
import { ConversionError } from '../../errors';
import { pythonJson } from '../python-json';
import { shapeError } from '../tree/text-errors';
import { escapeXml, parseXmlText, positionOf } from '../tree/xml-text';
import type { IXmlElement } from '../tree/xml-text';
import { GraphBuilder, assertGraph, networkxEdges, nodeAttributes } from './graph';
import type { IGraph } from './graph';

/** Read GraphML text into a graph. */
export function parseGraphml(text: string): IGraph {
  const root = parseXmlText(text, 'graph', 'graphml');
  const fail = (el: IXmlElement, message: string) => shapeError('graph', 'graphml', message, positionOf(text, el));
  if (root.name !== 'graphml') throw fail(root, `expected a <graphml> root element, got <${root.name}>`);

  const keys = new Map<string, Private.IKey | null>();
  for (const el of root.children) {
    if (el.name !== 'key') continue;
    const id = el.attrs.id;
    if (id === undefined) throw fail(el, 'expected an id attribute on <key>');
    const name = el.attrs['attr.name'];
    if (name === undefined) {
      keys.set(id, null);
      continue;
    }
    const type = el.attrs['attr.type'] ?? 'string';
    if (!Private.TYPES.includes(type))
      throw fail(el, `expected attr.type boolean, int, long, float, double or string, got ${JSON.stringify(type)}`);
    const key: Private.IKey = { name, type, scope: el.attrs.for ?? 'all' };
    const def = el.children.find((c) => c.name === 'default');
    if (def)
      key.default = Private.value(key, def.text, () =>
        fail(def, `expected a ${type} default for key ${JSON.stringify(id)}, got ${JSON.stringify(def.text)}`),
      );
    keys.set(id, key);
  }
  const top = root.children.find((c) => c.name === 'graph');
  if (!top) throw fail(root, 'expected a <graph> element in <graphml>, got none');
  const directed = top.attrs.edgedefault === 'directed';

  const decode = (el: IXmlElement, scope: string, reserved: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const d of el.children) {
      if (d.name !== 'data') continue;
      const id = d.attrs.key;
      if (id === undefined) throw fail(d, 'expected a key attribute on <data>');
      if (!keys.has(id)) throw fail(d, `data key ${JSON.stringify(id)} is not declared by any <key>`);
      const key = keys.get(id);
      if (!key) continue;
      if (reserved.includes(key.name))
        throw fail(d, `${scope} attribute ${JSON.stringify(key.name)} would clash with the ${scope}'s own ${key.name}`);
      const v = Private.value(key, d.text, () =>
        fail(d, `expected a ${key.type} value for key ${JSON.stringify(id)}, got ${JSON.stringify(d.text)}`),
      );
      if (v !== undefined) out[key.name] = v;
    }
    for (const key of keys.values()) {
      if (key && key.default !== undefined && (key.scope === scope || key.scope === 'all') && !(key.name in out))
        out[key.name] = key.default;
    }
    return out;
  };

  const nodes: IXmlElement[] = [];
  const edges: IXmlElement[] = [];
  const graphs = [top];
  while (graphs.length) {
    const g = graphs.shift()!;
    for (const el of g.children) {
      if (el.name === 'hyperedge') throw fail(el, 'expected nodes and edges; hyperedges are not supported');
      if (el.name === 'edge') edges.push(el);
      if (el.name !== 'node') continue;
      nodes.push(el);
      for (const sub of el.children) if (sub.name === 'graph') graphs.push(sub);
    }
  }

  const ends = edges.map((el): [string, string] => {
    const { source, target } = el.attrs;
    if (source === undefined || target === undefined) throw fail(el, `expected source and target attributes on <edge>`);
    const dir = el.attrs.directed;
    if (dir === 'true' && !directed) throw fail(el, 'a directed="true" edge in an undirected graph');
    if (dir === 'false' && directed) throw fail(el, 'a directed="false" edge in a directed graph');
    return [source, target];
  });
  const seen = new Map<string, Set<string>>();
  let multigraph = false;
  for (const [s, t] of ends) {
    if (seen.get(s)?.has(t)) multigraph = true;
    Private.add(seen, s, t);
    if (!directed) Private.add(seen, t, s);
  }

  const builder = new GraphBuilder({ directed, multigraph, graph: decode(top, 'graph', []) });
  for (const el of nodes) {
    const id = el.attrs.id;
    if (id === undefined) throw fail(el, 'expected an id attribute on <node>');
    builder.addNode(id, decode(el, 'node', ['id']));
  }
  edges.forEach((el, i) => {
    const attrs = decode(el, 'edge', multigraph ? ['source', 'target', 'key'] : ['source', 'target']);
    const id = el.attrs.id;
    if (multigraph) builder.addEdge(ends[i][0], ends[i][1], attrs, id);
    else builder.addEdge(ends[i][0], ends[i][1], id === undefined ? attrs : { ...attrs, id });
  });
  return builder.build();
}

/** Write a graph as GraphML text (see the module comment). */
export function writeGraphml(graph: IGraph): string {
  assertGraph(graph);
  const edges = networkxEdges(graph);
  const keys = new Map<string, { id: string; name: string; scope: string; values: unknown[] }>();
  const collect = (scope: string, attrs: Record<string, unknown>, owner: string) => {
    for (const [name, v] of Object.entries(attrs)) {
      if (v === undefined) continue;
      if (v === null || typeof v === 'object' || typeof v === 'function') {
        throw new ConversionError(
          `Cannot write graph as graphml: ${owner} attribute ${JSON.stringify(name)} is ${Array.isArray(v) ? 'a list' : v === null ? 'null' : 'an object'}; GraphML data values are strings, numbers or booleans`,
          { type: 'graph', format: 'networkx', to: 'graphml' },
        );
      }
      const k = `${scope}\u0000${name}`;
      const key = keys.get(k) ?? { id: `d${keys.size}`, name, scope, values: [] };
      key.values.push(v);
      keys.set(k, key);
    }
  };
  collect('graph', graph.graph, 'the graph');
  for (const n of graph.nodes) collect('node', nodeAttributes(n), `node ${JSON.stringify(n.id)}`);
  for (const e of edges) collect('edge', e.attrs, `edge ${JSON.stringify(e.source)} -> ${JSON.stringify(e.target)}`);
  const types = new Map([...keys.entries()].map(([k, key]) => [k, Private.typeOf(key.values)]));

  const out: string[] = [
    "<?xml version='1.0' encoding='utf-8'?>",
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
      'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
  ];
  for (const [k, key] of [...keys.entries()].reverse()) {
    out.push(`  <key id="${key.id}" for="${key.scope}" attr.name="${escapeXml(key.name, true)}" attr.type="${types.get(k)}" />`);
  }
  out.push(`  <graph edgedefault="${graph.directed ? 'directed' : 'undirected'}">`);
  const data = (scope: string, attrs: Record<string, unknown>, pad: string) => {
    const lines: string[] = [];
    for (const [name, v] of Object.entries(attrs)) {
      if (v === undefined) continue;
      const k = `${scope}\u0000${name}`;
      lines.push(`${pad}<data key="${keys.get(k)!.id}">${escapeXml(Private.text(v, types.get(k)!))}</data>`);
    }
    return lines;
  };
  out.push(...data('graph', graph.graph, '    '));
  for (const n of graph.nodes) {
    const lines = data('node', nodeAttributes(n), '      ');
    const open = `    <node id="${escapeXml(String(n.id), true)}"`;
    if (lines.length) out.push(`${open}>`, ...lines, '    </node>');
    else out.push(`${open} />`);
  }
  for (const e of edges) {
    const lines = data('edge', e.attrs, '      ');
    const id = graph.multigraph ? ` id="${escapeXml(String(e.key), true)}"` : '';
    const open = `    <edge source="${escapeXml(String(e.source), true)}" target="${escapeXml(String(e.target), true)}"${id}`;
    if (lines.length) out.push(`${open}>`, ...lines, '    </edge>');
    else out.push(`${open} />`);
  }
  out.push('  </graph>', '</graphml>', '');
  return out.join('\n');
}

namespace Private {
  /** A declared data key. */
  export interface IKey {
    name: string;
    type: string;
    scope: string;
    default?: unknown;
  }

  export const TYPES = ['boolean', 'int', 'long', 'float', 'double', 'string'];

  export function add(m: Map<string, Set<string>>, a: string, b: string): void {
    const s = m.get(a);
    if (s) s.add(b);
    else m.set(a, new Set([b]));
  }

  /** A data text as a value of the key's type; undefined for empty non-string data (networkx skips it). */
  export function value(key: IKey, raw: string, bad: () => Error): unknown {
    if (key.type === 'string') return raw;
    const s = raw.trim();
    if (s === '') return undefined;
    switch (key.type) {
      case 'boolean': {
        const b = s.toLowerCase();
        if (b === 'true' || b === '1') return true;
        if (b === 'false' || b === '0') return false;
        throw bad();
      }
      case 'int':
      case 'long':
        if (!/^[+-]?\d+$/.test(s)) throw bad();
        return Number(s);
      default: {
        const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
        if (special) return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
        const n = Number(s);
        if (Number.isNaN(n) || /[xob]/i.test(s)) throw bad();
        return n;
      }
    }
  }

  /** The GraphML type of all values of one key. */
  export function typeOf(values: unknown[]): string {
    if (values.every((v) => typeof v === 'boolean')) return 'boolean';
    if (values.every((v) => typeof v === 'number')) {
      const ints = values as number[];
      if (!ints.every((v) => Number.isInteger(v))) return 'double';
      return ints.every((v) => Math.abs(v) <= 2147483647) ? 'int' : 'long';
    }
    return 'string';
  }

  /** A value's text under its key's type. */
  export function text(v: unknown, type: string): string {
    if (type === 'double') {
      const n = v as number;
      if (Number.isNaN(n)) return 'nan';
      if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
      return Number.isInteger(n) && Math.abs(n) < 1e16 ? `${Object.is(n, -0) ? '-0' : String(n)}.0` : pythonJson(n);
    }
    if (type === 'boolean') return v ? 'true' : 'false';
    return String(v);
  }
}
