/**
 * The value types hold at compile time: one table, tree, graph and image type shared by tasks and
 * display, and workflow wiring by type whatever the formats. The `@ts-expect-error` lines are
 * checked by `tsc -p test/tsconfig.json` (run by `npm test`): an error that disappears, or one that
 * appears on a line meant to compile, fails the type check. The jest tests run what must also work.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner, decodePng, display, run, setRunner, task, workflow } from 'taskcell';
import type { IGraph, INestedTree, IRgbaImage, IRows } from 'taskcell';

const graphTask = task({ inputs: {}, outputs: { g: 'graph' } }, () => ({
  directed: true,
  multigraph: false,
  graph: {},
  nodes: [{ id: 'a' }, { id: 'b' }],
  edges: [{ source: 'a', target: 'b' }],
}));
const treeTask = task({ inputs: {}, outputs: { t: 'tree' } }, () => ({ node_data: { name: 'root' }, children: [] }));
const tableTask = task({ inputs: {}, outputs: { tab: 'table' } }, () => ({ fields: ['x'], rows: [{ x: 1 }] }));

/** An image literal kept in a variable, without `as const`. */
const red = { width: 2, height: 1, channels: 4, data: new Uint8Array([255, 0, 0, 255, 255, 0, 0, 255]) };

const paint = task({ name: 'paint', inputs: {}, outputs: { img: 'image' } }, () => red);
const toBase64 = task({ name: 'b64', inputs: { png: 'image:png' }, outputs: { bytes: 'image:png', sig: 'string' } }, ({ png }) => ({
  bytes: png,
  sig: Array.from(png.subarray(1, 4), (b) => String.fromCharCode(b)).join(''),
}));
const rows = task({ name: 'rows', inputs: { t: 'table' }, outputs: { n: 'integer' } }, ({ t }) => t.rows.length);
const csvRows = task({ name: 'csv', inputs: { text: 'table:csv' }, outputs: { out: 'string' } }, ({ text }) => text);
const leaves = task({ name: 'leaves', inputs: { t: 'tree' }, outputs: { n: 'integer' } }, ({ t }) => t.children?.length ?? 0);
const newick = task({ name: 'newick', inputs: { t: 'tree:newick' }, outputs: { n: 'integer' } }, ({ t }) => t.length);
const degree = task({ name: 'degree', inputs: { g: 'graph' }, outputs: { n: 'integer' } }, ({ g }) => g.edges.length);
const graphml = task({ name: 'graphml', inputs: { g: 'graph:graphml' }, outputs: { out: 'string' } }, ({ g }) => g);

/** Compiled, never called: each `@ts-expect-error` must meet an error, and every other line must compile. */
export function typeChecks(): void {
  // Values of each type fit the shared definitions, and what is not one is refused.
  const g: IGraph = graphTask.__outputs.g;
  const t: INestedTree = treeTask.__outputs.t;
  const r: IRows = tableTask.__outputs.tab;
  const img: IRgbaImage = red;
  // @ts-expect-error a table is not a graph
  const notGraph: IGraph = r;
  // @ts-expect-error a graph is not a table
  const notRows: IRows = g;
  // @ts-expect-error a string (newick text) is not the nested tree
  const notTree: INestedTree = '(a,b);';
  // @ts-expect-error a graph is not an image
  const notImage: IRgbaImage = g;
  // @ts-expect-error an image needs its pixels
  const noData: IRgbaImage = { width: 1, height: 1, channels: 4 };

  // An image kept in a variable is a valid input, and a table is not.
  const encode = task({ inputs: { img: 'image' }, outputs: { png: 'image:png' } }, ({ img }) => ({ png: new Uint8Array(img.data.length) }));
  void run(encode, { img: red });
  // @ts-expect-error a table is not an image input
  void run(encode, { img: r });

  // A task's graph, tree and table results go to display as they are.
  display.graph(g);
  display.graph({ nodes: [{ id: 1 }], edges: [] });
  display.tree(t);
  display.table(r);
  display.image(paint.__outputs.img);
  display.image(toBase64.__outputs.bytes);
  // @ts-expect-error display.image takes an image, not a table
  display.image(r);
  // @ts-expect-error display.graph takes a graph, not a table
  display.graph(r);
  // @ts-expect-error display.table takes a table, not a graph
  display.table(g);
  // @ts-expect-error display.tree takes the nested tree, not a graph
  display.tree(g);
  // @ts-expect-error the graph's edges are `edges` (networkx's `links` is the networkx.json text format)
  display.graph({ nodes: [{ id: 1 }], links: [] });

  // connect: the same type whatever the formats compiles; another type does not.
  workflow().step('paint', paint).step('b64', toBase64).connect('paint.img', 'b64.png');
  workflow().step('make', tableTask).step('csv', csvRows).connect('make.tab', 'csv.text');
  workflow().step('make', tableTask).step('rows', rows).connect('make.tab', 'rows.t');
  workflow().step('make', treeTask).step('newick', newick).connect('make.t', 'newick.t');
  workflow().step('make', graphTask).step('graphml', graphml).connect('make.g', 'graphml.g');
  // @ts-expect-error an image is not a table
  workflow().step('paint', paint).step('rows', rows).connect('paint.img', 'rows.t');
  // @ts-expect-error a table is not an image
  workflow().step('make', tableTask).step('b64', toBase64).connect('make.tab', 'b64.png');
  // @ts-expect-error a tree is not a graph
  workflow().step('make', treeTask).step('degree', degree).connect('make.t', 'degree.g');
  // @ts-expect-error a graph is not a tree
  workflow().step('make', graphTask).step('leaves', leaves).connect('make.g', 'leaves.t');
  // @ts-expect-error a table in csv is not a tree in newick
  workflow().step('make', tableTask).step('newick', newick).connect('make.tab', 'newick.t');
  void [notGraph, notRows, notTree, notImage, noData, img];
}

describe('value types at run time', () => {
  beforeEach(() => setRunner(createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-types-')) })));

  test('connect image (pil) -> image:png converts along the way', async () => {
    const wf = workflow('paint then encode').step('paint', paint).step('b64', toBase64).connect('paint.img', 'b64.png');
    const result = await run(wf, {});
    expect(result.data.sig).toBe('PNG');
    const back = decodePng(result.data.bytes as Uint8Array);
    expect([back.width, back.height, Array.from(back.data)]).toEqual([2, 1, Array.from(red.data)]);
  });

  test('connect table (rows) -> table:csv and graph (networkx) -> graph:graphml convert along the way', async () => {
    const tables = workflow().step('make', tableTask).step('csv', csvRows).connect('make.tab', 'csv.text');
    expect((await run(tables, {})).data.out).toBe('x\r\n1\r\n');
    const graphs = workflow().step('make', graphTask).step('graphml', graphml).connect('make.g', 'graphml.g');
    expect((await run(graphs, {})).data.out).toMatch(/<graphml[\s\S]*<edge source="a" target="b"/);
  });

  test('connecting two types fails when the workflow is built, whatever the compiler saw', () => {
    const wf = workflow().step('paint', paint).step('rows', rows) as ReturnType<typeof workflow>;
    expect(() => wf.connect('paint.img' as never, 'rows.t' as never)).toThrow(
      'Cannot connect paint.img (type "image") to rows.t (type "table")',
    );
  });
});
