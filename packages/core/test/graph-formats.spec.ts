import { readFileSync } from 'node:fs';
import {
  ConversionError,
  GraphBuilder,
  ValidationError,
  createRunner,
  networkxEdges,
  parseAdjacencyList,
  parseCliqueJson,
  parseGraphml,
  parseNodeLinkJson,
  validateGraph,
  writeAdjacencyList,
  writeCliqueJson,
  writeGraphml,
  writeNodeLinkJson,
} from '@taskcell/core';
import type { GraphNodeId, IGraph } from '@taskcell/core';
import { SHARED, loadCases, rawPath } from '../../../test/conformance/harness';
import { thrown } from './helpers';

const runner = createRunner();
const TEXT_FORMATS = ['networkx.json', 'graphml', 'adjacencylist', 'clique.json'];
const convert = (from: string, to: string, data: unknown) => runner.formats.convert('graph', from, to, data);
const read = (rel: string) => readFileSync(rawPath(rel), 'utf8');

/**
 * A VTK legacy graph file (`historical_jan2017/tests/data/*.txt`, Girder Worker's `vtkgraph`
 * format, which taskcell does not register) as a pivot graph: vertices 0..n-1, edges with their
 * EDGE_DATA fields as attributes; a repeated edge makes a multigraph.
 */
function vtkGraph(text: string): IGraph {
  const tokens = text.split(/\s+/).filter(Boolean);
  const at = (word: string) => tokens.indexOf(word);
  const directed = tokens[at('DATASET') + 1] === 'DIRECTED_GRAPH';
  const vertices = Number(tokens[at('VERTICES') + 1]);
  const m = Number(tokens[at('EDGES') + 1]);
  const pairs = Array.from({ length: m }, (_, i) => [Number(tokens[at('EDGES') + 2 + 2 * i]), Number(tokens[at('EDGES') + 3 + 2 * i])]);
  const attrs: Array<Record<string, number>> = pairs.map(() => ({}));
  let k = at('FieldData') + 2;
  for (let f = Number(tokens[at('FieldData') + 1]); f > 0; f--) {
    const name = tokens[k];
    const count = Number(tokens[k + 2]);
    for (let i = 0; i < count; i++) attrs[i][name] = Number(tokens[k + 4 + i]);
    k += 4 + count;
  }
  const seen = new Set<string>();
  const multigraph = pairs.some(([a, b]) => {
    const key = directed ? `${a}>${b}` : `${Math.min(a, b)}-${Math.max(a, b)}`;
    return seen.has(key) || !seen.add(key);
  });
  const builder = new GraphBuilder({ directed, multigraph });
  for (let v = 0; v < vertices; v++) builder.addNode(v);
  pairs.forEach(([a, b], i) => builder.addEdge(a, b, attrs[i]));
  return builder.build();
}

const graphCases = loadCases('graph.json');
const fixture = (graphCases.fixtures!.distances as { json_equivalent: Record<string, string> }).json_equivalent;
const graphmlInput = (graphCases.cases.find((c) => c.from_format === 'graphml')!.input as { data: string }).data;
const corpora: Record<string, IGraph> = {
  'tests/data/clique.json': parseCliqueJson(read('raw/tests/data/clique.json')),
  'docs/static/data.json (networkx 1.x)': parseNodeLinkJson(read('raw/docs/static/data.json')),
  'docs/static/facebook-sample-data.txt': parseAdjacencyList(read('raw/docs/static/facebook-sample-data.txt')),
  'vtkDiGraph.txt': vtkGraph(read('raw/historical_jan2017/tests/data/vtkDiGraph.txt')),
  'vtkDistancesUndirectedGraph.txt': vtkGraph(read('raw/historical_jan2017/tests/data/vtkDistancesUndirectedGraph.txt')),
  'vtkGrantsDirectedGraph.txt (directed multigraph)': vtkGraph(read('raw/historical_jan2017/tests/data/vtkGrantsDirectedGraph.txt')),
  'fixture distances (networkx 2+)': parseNodeLinkJson(fixture.as_networkx_json_networkx2plus),
  'graphml case input': parseGraphml(graphmlInput),
};

/**
 * What survives a trip through a format, as a model: networkx.json keeps everything; GraphML
 * keeps attributes but makes ids and multigraph keys strings, and a multigraph without parallel
 * edges simple; an adjacency list keeps only string ids and undirected node pairs; Clique JSON
 * makes the graph directed, keeps node attributes, keeps only an edge attribute named `data`, and
 * gives nodes fresh ids.
 */
function project(g: IGraph, format: string): IGraph {
  const str = (id: GraphNodeId) => String(id);
  switch (format) {
    case 'networkx.json':
      return g;
    case 'graphml': {
      const parallel =
        g.multigraph && new Set(networkxEdges(g).map((e) => pairKey(g.directed, str(e.source), str(e.target)))).size < g.edges.length;
      const b = new GraphBuilder({ directed: g.directed, multigraph: parallel, graph: g.graph });
      for (const { id, ...a } of g.nodes) b.addNode(str(id), a);
      for (const e of networkxEdges(g))
        b.addEdge(
          str(e.source),
          str(e.target),
          g.multigraph && !parallel ? { ...e.attrs, id: str(e.key!) } : e.attrs,
          parallel ? str(e.key!) : undefined,
        );
      return b.build();
    }
    case 'adjacencylist': {
      // read_adjlist meets nodes in the order the lines name them: each node, then its neighbours.
      const b = new GraphBuilder();
      const bySource = new Map<GraphNodeId, GraphNodeId[]>(g.nodes.map((n) => [n.id, []]));
      for (const e of networkxEdges(g)) bySource.get(e.source)!.push(e.target);
      for (const [n, targets] of bySource) {
        b.addNode(str(n));
        for (const t of targets) b.addEdge(str(n), str(t));
      }
      return b.build();
    }
    case 'clique.json': {
      const edges = networkxEdges(g);
      const multigraph = new Set(edges.map((e) => `${str(e.source)}>${str(e.target)}`)).size < edges.length;
      const b = new GraphBuilder({ directed: true, multigraph });
      for (const { id, ...a } of g.nodes) b.addNode(id, a);
      for (const e of edges) b.addEdge(e.source, e.target, 'data' in e.attrs ? (e.attrs.data as Record<string, unknown>) : {});
      return b.build();
    }
    default:
      throw new Error(format);
  }
}

function pairKey(directed: boolean, a: string, b: string): string {
  return directed || a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/**
 * A comparable form of a graph: kind, nodes with attributes, and the multiset of edges with their
 * attributes (undirected endpoints sorted). With `byPosition`, node ids are replaced by the node's
 * position, for formats that rename nodes but keep their order.
 */
function canonical(g: IGraph, byPosition = false): unknown {
  const position = new Map(g.nodes.map((n, i) => [n.id, i]));
  const name = (id: GraphNodeId) => (byPosition ? `#${position.get(id)}` : JSON.stringify(id));
  const edges = g.edges
    .map((e) => {
      const { source, target, key, ...attrs } = e;
      const all = g.multigraph ? attrs : key === undefined ? attrs : { ...attrs, key };
      return `${pairKey(g.directed, name(source), name(target))} ${JSON.stringify(Object.entries(all).sort())}`;
    })
    .sort();
  const nodes = g.nodes.map(({ id, ...a }) => `${name(id)} ${JSON.stringify(Object.entries(a).sort())}`).sort();
  return { directed: g.directed, multigraph: g.multigraph, graph: g.graph, nodes, edges };
}

describe('graph formats: round trips on the corpora', () => {
  for (const [name, graph] of Object.entries(corpora)) {
    describe(name, () => {
      test('is a valid pivot graph', () => {
        expect(validateGraph(graph)).toBe(true);
        expect(graph.nodes.length).toBeGreaterThan(0);
      });

      for (const a of TEXT_FORMATS) {
        for (const b of ['networkx', ...TEXT_FORMATS]) {
          if (a === b) continue;
          test(`networkx -> ${a} -> ${b} -> networkx keeps what both formats can hold`, () => {
            const back = convert(b, 'networkx', convert(a, b, convert('networkx', a, graph))) as IGraph;
            const expected = b === 'networkx' ? project(graph, a) : project(project(graph, a), b);
            // Clique JSON renames nodes but keeps their order: compare those by position.
            const renamed = a === 'clique.json' || b === 'clique.json';
            expect(canonical(back, renamed)).toEqual(canonical(expected, renamed));
            expect(validateGraph(back)).toBe(true);
          });
        }
      }
    });
  }

  test('the corpora read as their sources describe them', () => {
    expect(corpora['docs/static/data.json (networkx 1.x)'].nodes).toHaveLength(159);
    expect(corpora['docs/static/data.json (networkx 1.x)'].edges).toHaveLength(300);
    expect(corpora['docs/static/facebook-sample-data.txt'].edges.length).toBeGreaterThan(4000);
    const grants = corpora['vtkGrantsDirectedGraph.txt (directed multigraph)'];
    expect([grants.directed, grants.multigraph]).toEqual([true, true]);
    expect(grants.edges.map((e) => [e.source, e.target, e.key])).toEqual([
      [2, 1, 0],
      [2, 1, 1],
      [2, 0, 0],
      [2, 3, 0],
    ]);
  });
});

describe('networkx.json', () => {
  const one = fixture.as_networkx_json_networkx1x;
  const two = fixture.as_networkx_json_networkx2plus;

  test('reads both dialects to the same graph and writes the networkx 2+ dialect', () => {
    expect(parseNodeLinkJson(one)).toEqual(parseNodeLinkJson(two));
    expect(writeNodeLinkJson(parseNodeLinkJson(one))).toBe(two);
  });

  test('networkx 1.x links index into nodes even when ids are numbers', () => {
    const text = JSON.stringify({
      directed: true,
      multigraph: false,
      nodes: [{ id: 10 }, { id: 20 }, { id: 30 }],
      links: [{ source: 0, target: 2, w: 1 }],
    });
    expect(parseNodeLinkJson(text).edges).toEqual([{ source: 10, target: 30, w: 1 }]);
    const byId = JSON.stringify({ directed: true, multigraph: false, nodes: [{ id: 1 }, { id: 0 }], links: [{ source: 1, target: 0 }] });
    expect(parseNodeLinkJson(byId).edges).toEqual([{ source: 1, target: 0 }]);
  });

  test("node_link_graph's defaults: multigraph unless said, ids from positions, `edges` for `links`", () => {
    const g = parseNodeLinkJson(
      '{"nodes": [{"name": "a"}, {"name": "b"}], "edges": [{"source": 0, "target": 1}, {"source": 0, "target": 1, "key": "x"}]}',
    );
    expect([g.directed, g.multigraph]).toEqual([false, true]);
    expect(g.nodes).toEqual([
      { id: 0, name: 'a' },
      { id: 1, name: 'b' },
    ]);
    expect(g.edges.map((e) => e.key)).toEqual([0, 'x']);
    expect(writeNodeLinkJson(g)).toBe(
      '{"directed": false, "multigraph": true, "graph": {}, "nodes": [{"id": 0, "name": "a"}, {"id": 1, "name": "b"}], ' +
        '"links": [{"source": 0, "target": 1, "key": 0}, {"source": 0, "target": 1, "key": "x"}]}',
    );
  });

  test.each([
    ['{"nodes": [], "links": [}', 1, 25, 'expected a JSON value at line 1, column 25'],
    [
      '{"nodes": [{"id": "a"}],\n "links": [{"source": "a", "target": "b"}]}',
      undefined,
      undefined,
      'links[0].target is "b", which is neither a node id nor an index',
    ],
    [
      '{"nodes": [{"id": "a"}, {"id": "b"}], "links": [{"source": "a", "target": "b"}, {"source": 0, "target": 1}]}',
      undefined,
      undefined,
      'links[0].source is the node id "a" while other links use indices',
    ],
    ['{}', undefined, undefined, 'expected a "nodes" list, got none'],
    ['{"nodes": [], "links": [], "directed": "yes"}', undefined, undefined, '"directed" is string "yes", expected true or false'],
  ])('error for %j', (text, line, column, message) => {
    const err = thrown<ValidationError>(() => convert('networkx.json', 'networkx', text));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain(message);
    expect(err.context).toMatchObject({ type: 'graph', format: 'networkx.json', line, column });
  });
});

describe('graphml', () => {
  test('types keys from their values, applies defaults, keeps direction and parallel edge ids', () => {
    const b = new GraphBuilder({ directed: true, multigraph: true, graph: { title: 'g & "h"' } });
    b.addNode('a', { flag: true, size: 1.5, count: 3, big: 2 ** 40, label: 'x<y' });
    b.addNode('b', { flag: false, size: 2, count: 4 });
    b.addEdge('a', 'b', { w: 1 }).addEdge('a', 'b', { w: 2 }, 'second');
    const text = writeGraphml(b.build());
    expect(text).toContain('<key id="d0" for="graph" attr.name="title" attr.type="string" />');
    expect(text).toContain('attr.name="flag" attr.type="boolean"');
    expect(text).toContain('attr.name="size" attr.type="double"');
    expect(text).toContain('attr.name="count" attr.type="int"');
    expect(text).toContain('attr.name="big" attr.type="long"');
    expect(text).toContain('<data key="d0">g &amp; "h"</data>');
    expect(text).toContain('<edge source="a" target="b" id="second">');
    // networkx lists keys newest first.
    expect(text.indexOf('attr.name="w"')).toBeLessThan(text.indexOf('attr.name="title"'));
    const g = parseGraphml(text);
    expect([g.directed, g.multigraph]).toEqual([true, true]);
    expect(g.graph).toEqual({ title: 'g & "h"' });
    expect(g.nodes).toEqual([
      { id: 'a', flag: true, size: 1.5, count: 3, big: 2 ** 40, label: 'x<y' },
      { id: 'b', flag: false, size: 2, count: 4 },
    ]);
    expect(g.edges).toEqual([
      { source: 'a', target: 'b', key: '0', w: 1 },
      { source: 'a', target: 'b', key: 'second', w: 2 },
    ]);
  });

  test('reads defaults, nested graphs, yFiles keys, edge ids and undeclared endpoints like networkx', () => {
    const text = `<?xml version="1.0"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:y="http://www.yworks.com/xml/graphml">
  <key id="color" for="node" attr.name="color" attr.type="string"><default>yellow</default></key>
  <key id="w" for="edge" attr.name="weight" attr.type="double"/>
  <key id="g" for="node" yfiles.type="nodegraphics"/>
  <graph id="G" edgedefault="undirected">
    <node id="n0"><data key="color">green</data><data key="g"><y:ShapeNode/></data></node>
    <node id="n1">
      <graph id="inner" edgedefault="undirected"><node id="n1::a"/></graph>
    </node>
    <edge id="e0" source="n0" target="n1"><data key="w">INF</data></edge>
    <edge source="n1" target="n2"><data key="w">.5</data></edge>
  </graph>
</graphml>`;
    const g = parseGraphml(text);
    expect([g.directed, g.multigraph]).toEqual([false, false]);
    expect(g.nodes).toEqual([{ id: 'n0', color: 'green' }, { id: 'n1', color: 'yellow' }, { id: 'n1::a', color: 'yellow' }, { id: 'n2' }]);
    expect(g.edges).toEqual([
      { source: 'n0', target: 'n1', weight: Infinity, id: 'e0' },
      { source: 'n1', target: 'n2', weight: 0.5 },
    ]);
    expect(writeGraphml(g)).toContain('<data key="d1">inf</data>');
  });

  test('the case input round trips byte for byte', () => {
    expect(writeGraphml(parseGraphml(graphmlInput))).toBe(graphmlInput);
  });

  test('values GraphML cannot hold are a ConversionError', () => {
    const g = new GraphBuilder().addNode('a', { pos: [1, 2] }).build();
    expect(() => convert('networkx', 'graphml', g)).toThrow(ConversionError);
    expect(() => writeGraphml(g)).toThrow(/node "a" attribute "pos" is a list/);
  });

  test.each([
    [
      '<graphml>\n  <graph>\n    <node id="a">\n  </graph>\n</graphml>',
      4,
      3,
      "expected well-formed XML at line 4, column 3: Expected closing tag 'node'",
    ],
    [
      '<graphml>\n<graph>\n  <node id="a"><data key="d9">1</data></node>\n</graph></graphml>',
      3,
      16,
      'data key "d9" is not declared by any <key>',
    ],
    [
      '<graphml><key id="d0" for="node" attr.name="n" attr.type="int"/>\n<graph><node id="a">\n<data key="d0">4.5</data></node></graph></graphml>',
      3,
      1,
      'expected a int value for key "d0", got "4.5"',
    ],
    ['<graphml><graph>\n <edge source="a"/></graph></graphml>', 2, 2, 'expected source and target attributes on <edge>'],
    ['<graphml><graph>\n<node/></graph></graphml>', 2, 1, 'expected an id attribute on <node>'],
    ['<graphml/>', 1, 1, 'expected a <graph> element in <graphml>, got none'],
    ['<graph/>', 1, 1, 'expected a <graphml> root element, got <graph>'],
    [
      '<graphml><graph edgedefault="undirected">\n<edge source="a" target="b" directed="true"/></graph></graphml>',
      2,
      1,
      'a directed="true" edge in an undirected graph',
    ],
    [
      '<graphml><key id="k" for="node" attr.name="id"/><graph>\n<node id="a"><data key="k">x</data></node></graph></graphml>',
      2,
      14,
      'node attribute "id" would clash',
    ],
  ])('error in %j at line %i, column %i', (text, line, column, message) => {
    const err = thrown<ValidationError>(() => convert('graphml', 'networkx', text));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain(message);
    expect(err.context).toMatchObject({ type: 'graph', format: 'graphml', line, column });
  });
});

describe('adjacencylist', () => {
  test('reads comments, tabs, blank lines and repeated edges as networkx read_adjlist does', () => {
    const g = parseAdjacencyList('# a comment\na\tb  c # trailing\n\n   \nb a\nd\n');
    expect(g.nodes.map((n) => n.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(g.edges).toEqual([
      { source: 'a', target: 'b' },
      { source: 'a', target: 'c' },
    ]);
    expect(writeAdjacencyList(g)).toBe('a b c\nb\nc\nd');
  });

  test('writes successors of a directed graph, parallel edges repeated, self-loops once', () => {
    const d = new GraphBuilder({ directed: true, multigraph: true }).addEdge(1, 2).addEdge(1, 2).addEdge(2, 1).addEdge(3, 3).build();
    expect(writeAdjacencyList(d)).toBe('1 2 2\n2 1\n3 3');
    const u = new GraphBuilder().addEdge('x', 'x').addEdge('y', 'x').build();
    expect(writeAdjacencyList(u)).toBe('x x y\ny');
  });

  test('is text only', () => {
    const err = thrown<ValidationError>(() => parseAdjacencyList(42 as unknown as string));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain('expected adjacency list text (a string), got number');
  });
});

describe('clique.json', () => {
  test('repeated links make a multigraph, other documents are ignored, unknown endpoints become nodes', () => {
    const text = JSON.stringify([
      { _id: { $oid: 'a' }, type: 'node' },
      { _id: { $oid: 'x' }, type: 'comment' },
      { _id: { $oid: 'l1' }, source: { $oid: 'a' }, target: { $oid: 'b' }, type: 'link', data: { w: 1 } },
      { _id: { $oid: 'l2' }, source: { $oid: 'a' }, target: { $oid: 'b' }, type: 'link' },
    ]);
    const g = parseCliqueJson(text);
    expect([g.directed, g.multigraph]).toEqual([true, true]);
    expect(g.nodes).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(g.edges).toEqual([
      { source: 'a', target: 'b', key: 0, w: 1 },
      { source: 'a', target: 'b', key: 1 },
    ]);
  });

  test('writes fresh ObjectIds, node data, and only an edge attribute named data (trap 6)', () => {
    const g = new GraphBuilder({ directed: true })
      .addNode('p', { name: 'P' })
      .addNode('q')
      .addEdge('p', 'q', { name: 'lost', data: { kept: true } })
      .build();
    const docs = JSON.parse(writeCliqueJson(g)) as Array<Record<string, unknown>>;
    expect(docs.map((d) => Object.keys(d))).toEqual([
      ['_id', 'type', 'data'],
      ['_id', 'type'],
      ['_id', 'source', 'target', 'type', 'data'],
    ]);
    expect(docs[2]).toMatchObject({ source: docs[0]._id, target: docs[1]._id, data: { kept: true } });
    expect(new Set(docs.map((d) => (d._id as { $oid: string }).$oid)).size).toBe(3);
    const again = JSON.parse(writeCliqueJson(g)) as Array<Record<string, unknown>>;
    expect(again[0]._id).not.toEqual(docs[0]._id);
  });

  test.each([
    ['[\n  {"type": "node", "_id": {"$oid": "a"}},\n  {"type": "link" "source": 1}\n]', 3, 19, "expected ',' or '}' at line 3, column 19"],
    ['{"type": "node"}', undefined, undefined, 'expected a list of node and link documents, got an object'],
    ['[{"type": "node"}]', undefined, undefined, 'item 0: "_id" is missing, expected {"$oid": "<24 hex digits>"}'],
    ['[{"type": "node", "_id": "a", "data": {"id": 1}}]', undefined, undefined, 'node data has an "id" attribute'],
  ])('error for %j', (text, line, column, message) => {
    const err = thrown<ValidationError>(() => convert('clique.json', 'networkx', text));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain(message);
    expect(err.context).toMatchObject({ type: 'graph', format: 'clique.json', line, column });
  });
});

describe('the networkx pivot', () => {
  test.each([
    [[], 'expected a graph object {directed, multigraph, graph, nodes, edges}, got a list'],
    [{ directed: false, graph: {}, nodes: [], edges: [] }, 'multigraph is missing, expected a boolean'],
    [
      { directed: false, multigraph: false, graph: {}, nodes: [{ id: 'a' }, { id: 'a' }], edges: [] },
      'nodes[1].id "a" is used by an earlier node',
    ],
    [
      { directed: false, multigraph: false, graph: {}, nodes: [{ id: true }], edges: [] },
      'nodes[0].id is boolean true, expected a string or a number',
    ],
    [
      { directed: false, multigraph: false, graph: {}, nodes: [{ id: 'a' }], edges: [{ source: 'a', target: 'b' }] },
      'edges[0].target "b" is not the id of any node',
    ],
    [
      {
        directed: false,
        multigraph: false,
        graph: {},
        nodes: [{ id: 'a' }, { id: 'b' }],
        edges: [
          { source: 'a', target: 'b' },
          { source: 'b', target: 'a' },
        ],
      },
      'edges[1] joins the same nodes as edges[0]; a graph that is not a multigraph has one edge per node pair',
    ],
    [
      {
        directed: false,
        multigraph: true,
        graph: {},
        nodes: [{ id: 'a' }, { id: 'b' }],
        edges: [
          { source: 'a', target: 'b', key: 0 },
          { source: 'b', target: 'a', key: 0 },
        ],
      },
      'edges[1] has the same key 0 as edges[0] between the same nodes',
    ],
  ])('rejects %j', (value, message) => {
    expect(validateGraph(value)).toBe(message);
    expect(() => runner.formats.validate('graph', 'networkx', value)).toThrow(ValidationError);
  });

  test('accepts directed reverse edges and multigraph parallels, and the built graphs', () => {
    const directed = {
      directed: true,
      multigraph: false,
      graph: {},
      nodes: [{ id: 'a' }, { id: 'b' }],
      edges: [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'a' },
      ],
    };
    expect(validateGraph(directed)).toBe(true);
    expect(validateGraph(new GraphBuilder({ multigraph: true }).addEdge(1, 2).addEdge(2, 1).build())).toBe(true);
    expect(runner.formats.isValid('graph', 'networkx.json', '{}')).toBe(true);
    expect(runner.formats.isValid('graph', 'graphml', '<graphml/>')).toBe(true);
  });

  test('networkx edge order: node by node, neighbours in first-joined order, undirected edges once', () => {
    const g = new GraphBuilder().addNode('A').addNode('B').addNode('C').addEdge('C', 'A').addEdge('B', 'A').addEdge('B', 'C').build();
    expect(networkxEdges(g).map((e) => `${e.source}${e.target}`)).toEqual(['AC', 'AB', 'BC']);
  });

  test('is plain data: it survives structuredClone and JSON', () => {
    const g = corpora['tests/data/clique.json'];
    expect(structuredClone(g)).toEqual(g);
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
  });
});

describe('graph converter paths', () => {
  test("equal Girder Worker's shortest paths (the same with or without R)", () => {
    const paths = JSON.parse(readFileSync(`${SHARED}/conversion_paths.json`, 'utf8')) as Record<
      string,
      { reachable: Array<{ type: string; from: string; to: string; path: string[] }> }
    >;
    for (const set of ['types_only', 'types_and_r']) {
      const graph = paths[set].reachable.filter((r) => r.type === 'graph');
      expect(graph).toHaveLength(20);
      for (const r of graph) expect([r.from, r.to, runner.formats.converterPath('graph', r.from, r.to)]).toEqual([r.from, r.to, r.path]);
    }
  });
});
