/**
 * The `graph` type's pivot, registered under the format name `networkx` so Girder Worker specs
 * that name it run unchanged. Girder Worker held graphs as networkx objects; taskcell holds them as
 * plain JSON-able data instead of a class, so a graph can be hashed for the result cache, sent to
 * a worker thread or over Redis, and written as JSON without a custom serializer:
 *
 * ```
 * {directed, multigraph, graph: {attrs}, nodes: [{id, ...attrs}], edges: [{source, target, key?, ...attrs}]}
 * ```
 *
 * This is networkx's node-link form (networkx 2 and later) with `links` named `edges`. As there,
 * attributes sit beside the reserved fields: a node attribute may not be called `id`, an edge
 * attribute may not be called `source` or `target`, nor `key` in a multigraph (in a simple graph
 * `key` is an ordinary attribute). Node ids are strings or numbers; `1` and `"1"` are different
 * nodes, as in networkx. An undirected edge is listed once, in either orientation; a graph that is
 * not a multigraph has at most one edge per node pair (per ordered pair when directed).
 *
 * `GraphBuilder` builds graphs with networkx's `add_node`/`add_edge` semantics (adding an existing
 * node or simple edge merges its attributes), and `networkxEdges` lists edges in the order networkx
 * iterates them, which every writer follows so the text matches what networkx wrote.
 */
import { ValidationError } from '../../errors';
import { describeKind, isNodeId, isPlainObject } from '../describe';

/** A node id. */
export type GraphNodeId = string | number;

/** A node: its id and its attributes. */
export interface IGraphNode {
  id: GraphNodeId;
  [attr: string]: unknown;
}

/** An edge: its endpoints, its key in a multigraph, and its attributes. */
export interface IGraphEdge {
  source: GraphNodeId;
  target: GraphNodeId;
  /** The edge's key among parallel edges of a multigraph; assigned like networkx when left out. */
  key?: GraphNodeId;
  [attr: string]: unknown;
}

/** A graph in taskcell's pivot form (see the module comment). */
export interface IGraph {
  directed: boolean;
  multigraph: boolean;
  /** Graph attributes. */
  graph: Record<string, unknown>;
  nodes: IGraphNode[];
  edges: IGraphEdge[];
}

/** One edge as networkx iterates it: endpoints in iteration orientation, its key, and its attributes. */
export interface INetworkxEdge {
  source: GraphNodeId;
  target: GraphNodeId;
  /** Set for multigraphs only. */
  key?: GraphNodeId;
  attrs: Record<string, unknown>;
}

/**
 * Builds an `IGraph` with networkx's semantics: adding a node that exists merges attributes,
 * adding an edge adds missing endpoints, an edge added again to a simple graph merges attributes,
 * and a multigraph edge without a key gets the lowest free integer key for its node pair.
 * Attributes named like a reserved field (`id`; `source`, `target`, and `key` in a multigraph) are
 * ignored; readers that must report such a clash check before they add.
 */
export class GraphBuilder {
  private nodes = new Map<GraphNodeId, IGraphNode>();
  private edges: IGraphEdge[] = [];
  private index = new Map<GraphNodeId, Map<GraphNodeId, IGraphEdge[]>>();
  private readonly directed: boolean;
  private readonly multigraph: boolean;
  private readonly graph: Record<string, unknown>;

  constructor(options: GraphBuilder.IOptions = {}) {
    this.directed = options.directed ?? false;
    this.multigraph = options.multigraph ?? false;
    this.graph = { ...(options.graph ?? {}) };
  }

  /** Add a node, or merge attributes into an existing one. */
  addNode(id: GraphNodeId, attrs: Record<string, unknown> = {}): this {
    const node = this.nodes.get(id);
    if (node) Object.assign(node, Private.without(attrs, ['id']));
    else this.nodes.set(id, { id, ...Private.without(attrs, ['id']) });
    return this;
  }

  /** True when the node exists. */
  hasNode(id: GraphNodeId): boolean {
    return this.nodes.has(id);
  }

  /** Add an edge (and its missing endpoints), or merge attributes into an existing simple edge. */
  addEdge(source: GraphNodeId, target: GraphNodeId, attrs: Record<string, unknown> = {}, key?: GraphNodeId): this {
    if (!this.nodes.has(source)) this.addNode(source);
    if (!this.nodes.has(target)) this.addNode(target);
    const reserved = this.multigraph ? ['source', 'target', 'key'] : ['source', 'target'];
    const data = Private.without(attrs, reserved);
    const existing = this.between(source, target);
    if (!this.multigraph) {
      if (existing.length) {
        Object.assign(existing[0], data);
        return this;
      }
      this.push({ source, target, ...data });
      return this;
    }
    if (key !== undefined) {
      const same = existing.find((e) => e.key === key);
      if (same) {
        Object.assign(same, data);
        return this;
      }
    } else {
      const used = new Set(existing.map((e) => e.key));
      let k = existing.length;
      while (used.has(k)) k++;
      key = k;
    }
    this.push({ source, target, key, ...data });
    return this;
  }

  /** The edges between two nodes (either orientation when undirected), in insertion order. */
  between(source: GraphNodeId, target: GraphNodeId): IGraphEdge[] {
    return this.index.get(source)?.get(target) ?? [];
  }

  /** The graph built so far. */
  build(): IGraph {
    return {
      directed: this.directed,
      multigraph: this.multigraph,
      graph: this.graph,
      nodes: [...this.nodes.values()],
      edges: this.edges,
    };
  }

  private push(edge: IGraphEdge): void {
    this.edges.push(edge);
    this.link(edge.source, edge.target, edge);
    if (!this.directed && edge.source !== edge.target) this.link(edge.target, edge.source, edge);
  }

  private link(a: GraphNodeId, b: GraphNodeId, edge: IGraphEdge): void {
    let row = this.index.get(a);
    if (!row) this.index.set(a, (row = new Map()));
    const list = row.get(b);
    if (list) list.push(edge);
    else row.set(b, [edge]);
  }
}

/** Options of a GraphBuilder. */
export namespace GraphBuilder {
  /** What kind of graph to build; a simple undirected graph by default. */
  export interface IOptions {
    directed?: boolean;
    multigraph?: boolean;
    /** Graph attributes. */
    graph?: Record<string, unknown>;
  }
}

/**
 * Check a value is a graph in the pivot form: the five fields with the right types, node ids
 * strings or numbers and unique, edge endpoints among the nodes, no parallel edges unless it is a
 * multigraph, keys unique per node pair. Returns `true` or what is wrong (`edges[3].target "x" is
 * not a node id`).
 */
export function validateGraph(value: unknown): true | string {
  if (!isPlainObject(value)) return `expected a graph object {directed, multigraph, graph, nodes, edges}, got ${describeKind(value)}`;
  const g = value as Record<string, unknown>;
  for (const f of ['directed', 'multigraph'] as const) {
    if (typeof g[f] !== 'boolean') return `${f} is ${g[f] === undefined ? 'missing' : describeKind(g[f])}, expected a boolean`;
  }
  if (!isPlainObject(g.graph))
    return `graph is ${g.graph === undefined ? 'missing' : describeKind(g.graph)}, expected an object of graph attributes`;
  if (!Array.isArray(g.nodes)) return `nodes is ${g.nodes === undefined ? 'missing' : describeKind(g.nodes)}, expected a list of nodes`;
  if (!Array.isArray(g.edges)) return `edges is ${g.edges === undefined ? 'missing' : describeKind(g.edges)}, expected a list of edges`;
  const ids = new Set<GraphNodeId>();
  for (let i = 0; i < g.nodes.length; i++) {
    const n: unknown = g.nodes[i];
    if (!isPlainObject(n)) return `nodes[${i}] is ${describeKind(n)}, expected a node object {id, ...attrs}`;
    const id = (n as Record<string, unknown>).id;
    if (!isNodeId(id)) return `nodes[${i}].id is ${id === undefined ? 'missing' : describeKind(id)}, expected a string or a number`;
    if (ids.has(id)) return `nodes[${i}].id ${JSON.stringify(id)} is used by an earlier node`;
    ids.add(id);
  }
  const directed = g.directed as boolean;
  const multigraph = g.multigraph as boolean;
  const pairs = new Map<GraphNodeId, Map<GraphNodeId, Array<{ i: number; key: unknown }>>>();
  for (let i = 0; i < g.edges.length; i++) {
    const e: unknown = g.edges[i];
    if (!isPlainObject(e)) return `edges[${i}] is ${describeKind(e)}, expected an edge object {source, target, ...attrs}`;
    const edge = e as Record<string, unknown>;
    for (const end of ['source', 'target'] as const) {
      const v = edge[end];
      if (!isNodeId(v)) return `edges[${i}].${end} is ${v === undefined ? 'missing' : describeKind(v)}, expected a node id`;
      if (!ids.has(v)) return `edges[${i}].${end} ${JSON.stringify(v)} is not the id of any node`;
    }
    const key = multigraph ? edge.key : undefined;
    if (key !== undefined && !isNodeId(key)) return `edges[${i}].key is ${describeKind(key)}, expected a string or a number`;
    const [a, b] = [edge.source as GraphNodeId, edge.target as GraphNodeId];
    const earlier = pairs.get(a)?.get(b) ?? [];
    if (!multigraph && earlier.length) {
      return `edges[${i}] joins the same nodes as edges[${earlier[0].i}]; a graph that is not a multigraph has one edge per node pair`;
    }
    if (key !== undefined) {
      const twin = earlier.find((x) => x.key === key);
      if (twin) return `edges[${i}] has the same key ${JSON.stringify(key)} as edges[${twin.i}] between the same nodes`;
    }
    const entry = { i, key };
    Private.remember(pairs, a, b, entry);
    if (!directed && a !== b) Private.remember(pairs, b, a, entry);
  }
  return true;
}

/** Throw a ValidationError naming `format` unless `value` is a valid pivot graph. */
export function assertGraph(value: unknown, format = 'networkx'): IGraph {
  const check = validateGraph(value);
  if (check !== true) throw new ValidationError(`Invalid graph (type "graph", format "${format}"): ${check}`, { type: 'graph', format });
  return value as IGraph;
}

/**
 * A graph's edges in the order networkx iterates them (`G.edges(keys=True, data=True)`): node by
 * node in node order, each node's neighbours in the order they were first joined to it, an
 * undirected edge once, from the endpoint that comes first. Multigraph edges without a key get
 * networkx's automatic key (the lowest free integer for their node pair, in edge list order).
 */
export function networkxEdges(graph: IGraph): INetworkxEdge[] {
  const adjacency = new Map<GraphNodeId, Map<GraphNodeId, INetworkxEdge[]>>();
  for (const n of graph.nodes) adjacency.set(n.id, new Map());
  const keys = new Map<GraphNodeId, Map<GraphNodeId, Set<GraphNodeId>>>();
  for (const e of graph.edges) {
    const reserved = graph.multigraph ? ['source', 'target', 'key'] : ['source', 'target'];
    const item: INetworkxEdge = { source: e.source, target: e.target, attrs: Private.without(e, reserved) };
    if (graph.multigraph) item.key = Private.takeKey(keys, e.source, e.target, graph.directed, e.key);
    Private.remember(adjacency, e.source, e.target, item);
    if (!graph.directed && e.source !== e.target) Private.remember(adjacency, e.target, e.source, item);
  }
  const out: INetworkxEdge[] = [];
  const seen = new Set<GraphNodeId>();
  for (const [n, neighbours] of adjacency) {
    for (const [m, list] of neighbours) {
      if (!graph.directed && seen.has(m)) continue;
      for (const item of list) out.push({ ...item, source: n, target: m });
    }
    if (!graph.directed) seen.add(n);
  }
  return out;
}

/** A node's attributes: everything but its `id`. */
export function nodeAttributes(node: IGraphNode): Record<string, unknown> {
  return Private.without(node, ['id']);
}

namespace Private {
  export function without(o: object, keys: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) out[k] = v;
    return out;
  }

  export function remember<T>(m: Map<GraphNodeId, Map<GraphNodeId, T[]>>, a: GraphNodeId, b: GraphNodeId, v: T): void {
    let row = m.get(a);
    if (!row) m.set(a, (row = new Map()));
    const list = row.get(b);
    if (list) list.push(v);
    else row.set(b, [v]);
  }

  /**
   * Record `key` as used between a and b (one pair for both orientations when undirected), or,
   * with no key, take networkx's next automatic key: the count of keys so far, raised past any
   * that is taken.
   */
  export function takeKey(
    keys: Map<GraphNodeId, Map<GraphNodeId, Set<GraphNodeId>>>,
    a: GraphNodeId,
    b: GraphNodeId,
    directed: boolean,
    key?: GraphNodeId,
  ): GraphNodeId {
    let row = keys.get(a);
    if (!row) keys.set(a, (row = new Map()));
    let used = row.get(b);
    if (!used) {
      used = new Set();
      row.set(b, used);
      if (!directed) {
        let back = keys.get(b);
        if (!back) keys.set(b, (back = new Map()));
        back.set(a, used);
      }
    }
    if (key === undefined) {
      let k = used.size;
      while (used.has(k)) k++;
      key = k;
    }
    used.add(key);
    return key;
  }
}
