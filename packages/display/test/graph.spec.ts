import { MIME, graphBundle, layeredPositions, layoutKind, viewGraph } from '@taskcell/display';

const chain = (ids: string[], extra: Array<[string, string]> = []) =>
  viewGraph({
    directed: true,
    multigraph: false,
    graph: {},
    nodes: ids.map((id) => ({ id })),
    edges: [...ids.slice(1).map((id, i) => [ids[i], id] as [string, string]), ...extra].map(([source, target]) => ({ source, target })),
  });

describe('layeredPositions', () => {
  it('puts each node in the layer of its longest path from a source, left to right', () => {
    const g = chain(['a', 'b', 'c', 'd'], [['a', 'c']]);
    expect(layoutKind(g)).toBe('layered');
    const at = layeredPositions(g, { layer: 100, node: 50 });
    expect(['a', 'b', 'c', 'd'].map((id) => at.get(id)?.x)).toEqual([0, 100, 200, 300]);
  });

  it('spreads the nodes of one layer apart, centred on the axis', () => {
    const g = viewGraph({
      directed: true,
      multigraph: false,
      graph: {},
      nodes: ['s', 'x', 'y', 'z'].map((id) => ({ id })),
      edges: ['x', 'y', 'z'].map((target) => ({ source: 's', target })),
    });
    const ys = ['x', 'y', 'z'].map((id) => layeredPositions(g, { layer: 100, node: 50 }).get(id)?.y);
    expect([...ys].sort((p, q) => (p as number) - (q as number))).toEqual([-50, 0, 50]);
  });

  it('places every node of a graph with a cycle, the cycle in the first layer', () => {
    const g = chain(['a', 'b', 'c'], [['c', 'a']]);
    const at = layeredPositions(g);
    expect(at.size).toBe(3);
    expect(at.get('a')?.x).toBe(0);
  });
});

describe('graphBundle', () => {
  const graph = { directed: true, nodes: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], edges: [{ source: 'a', target: 'b' }] };

  it('carries a static SVG as image/svg+xml and inside its HTML fallback', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><circle r="3"/></svg>';
    const bundle = graphBundle(graph, { svg });
    expect(Object.keys(bundle)).toEqual([MIME.graph, MIME.svg, MIME.html, MIME.plain]);
    expect(bundle[MIME.html]).toBe(`<div class="tc-graph" title="graph: 3 nodes, 1 edges">${svg}</div>`);
    expect(bundle[MIME.plain]).toBe('graph: 3 nodes, 1 edges\n  a -> b\n  c');
  });

  it('falls back to an edge list, with isolated nodes, without an SVG', () => {
    const bundle = graphBundle(graph);
    expect(Object.keys(bundle)).toEqual([MIME.graph, MIME.html, MIME.plain]);
    expect(bundle[MIME.html]).toContain('<li><code>a -&gt; b</code></li><li><code>c</code></li>');
  });
});
