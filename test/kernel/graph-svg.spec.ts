/**
 * The static SVG of a graph over the kernel's real sockets: `display.graph`, `display(value,
 * "graph:FORMAT")` and a run's graph output in its job card carry the graph drawn in the kernel
 * (`image/svg+xml`, and inside the text/html fallback), so frontends without taskcell's renderer
 * show a picture; a graph above 1,000 nodes gets none and keeps its edge list.
 */
import { KernelClient } from './client';
import type { IMsg } from './client';

const JOB = 'application/vnd.taskcell.job+json';
const GRAPH = 'application/vnd.taskcell.graph+json';
const SVG = 'image/svg+xml';
const of = (iopub: IMsg[], type: string): IMsg[] => iopub.filter((m) => m.header.msg_type === type);
const shown = (iopub: IMsg[]): Array<Record<string, unknown>> =>
  of(iopub, 'display_data').map((m) => m.content.data as Record<string, unknown>);

/** What an SVG of a graph draws: node circles, edge paths, arrowheads, labels. */
function marks(svg: string): { nodes: number; edges: number; arrows: number; labels: string[] } {
  return {
    nodes: (svg.match(/<circle class="tc-GraphSvg-node"/g) ?? []).length,
    edges: (svg.match(/class="tc-GraphSvg-edge"/g) ?? []).length,
    arrows: (svg.match(/marker-end="url\(#/g) ?? []).length,
    labels: [...svg.matchAll(/<text class="tc-GraphSvg-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]),
  };
}

/** The centre of each node's circle, by its title. */
function centres(svg: string): Map<string, { x: number; y: number }> {
  const found = [...svg.matchAll(/<circle class="tc-GraphSvg-node" cx="([\d.-]+)" cy="([\d.-]+)"[^>]*><title>([^<]*)<\/title>/g)];
  return new Map(found.map((m) => [m[3], { x: Number(m[1]), y: Number(m[2]) }]));
}

describe('static SVG of graphs', () => {
  const k = new KernelClient();
  beforeAll(async () => {
    await k.start();
    const setup = await k.execute(
      [
        'import { task, run, display } from "taskcell";',
        'const steps = ["fetch", "parse", "clean", "train", "report"];',
        'const dag = { directed: true, nodes: steps.map((id) => ({ id })),',
        '  edges: [["fetch", "parse"], ["parse", "clean"], ["clean", "train"], ["train", "report"], ["clean", "report"]].map(([source, target]) => ({ source, target })) };',
        'const ring = { nodes: Array.from({ length: 12 }, (_, i) => ({ id: "r" + i })), edges: Array.from({ length: 12 }, (_, i) => ({ source: "r" + i, target: "r" + ((i + 1) % 12) })) };',
        'const links = task({ name: "links", inputs: {}, outputs: { g: "graph:adjacencylist" } }, () => ({ g: "a b c\\nb c\\n" }));',
      ].join('\n'),
    );
    expect([setup.reply.content.status, setup.reply.content.evalue]).toEqual(['ok', undefined]);
  });
  afterAll(() => k.close());

  it('draws a DAG in layers, left to right, with an arrowhead on every edge and a label on every node', async () => {
    const { reply, iopub } = await k.execute('display.graph(dag)');
    expect(reply.content.status).toBe('ok');
    const [data] = shown(iopub);
    expect(Object.keys(data)).toEqual([GRAPH, SVG, 'text/html', 'text/plain']);
    const svg = String(data[SVG]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(marks(svg)).toEqual({ nodes: 5, edges: 5, arrows: 5, labels: ['fetch', 'parse', 'clean', 'train', 'report'] });
    const at = centres(svg);
    const x = (id: string): number => (at.get(id) as { x: number }).x;
    expect(x('fetch')).toBeLessThan(x('parse'));
    expect(x('parse')).toBeLessThan(x('clean'));
    expect(x('clean')).toBeLessThan(x('train'));
    expect(x('train')).toBeLessThan(x('report'));
    // The graph spreads across the image rather than sitting in a corner of it.
    const width = Number(/ width="(\d+)"/.exec(svg)?.[1]);
    expect(x('report') - x('fetch')).toBeGreaterThan(0.8 * width);
    // The edge that skips a layer bows around the node in its way.
    expect(svg).toMatch(/d="M[\d.-]+,[\d.-]+Q/);
    expect(String(data['text/html'])).toContain(svg);
    expect(String(data['text/plain'])).toContain('graph: 5 nodes, 5 edges');
  });

  it('draws an undirected graph by force, without arrowheads, every node apart from the others', async () => {
    const { iopub } = await k.execute('display.graph(ring)');
    const svg = String(shown(iopub)[0][SVG]);
    expect(marks(svg)).toMatchObject({ nodes: 12, edges: 12, arrows: 0 });
    const points = [...centres(svg).values()];
    for (const p of points) for (const q of points) if (p !== q) expect(Math.hypot(p.x - q.x, p.y - q.y)).toBeGreaterThan(12);
  });

  it('draws a value shown by a graph type and format', async () => {
    const { iopub } = await k.execute('display("x y\\ny z\\nz x\\n", "graph:adjacencylist")');
    expect(marks(String(shown(iopub)[0][SVG]))).toMatchObject({ nodes: 3, edges: 3 });
  });

  it("carries the SVG of a run's graph output in the job card, and in the card's HTML fallback", async () => {
    const { reply, iopub } = await k.execute('await run(links, {}, { cache: false })');
    expect(reply.content.status).toBe('ok');
    const data = of(iopub, 'execute_result')[0].content.data as Record<string, unknown>;
    const results = (data[JOB] as { results: Array<{ port: string; data: Record<string, unknown> }> }).results;
    const svg = String(results.find((o) => o.port === 'g')?.data[SVG]);
    expect(marks(svg)).toMatchObject({ nodes: 3, edges: 3 });
    expect(String(data['text/html'])).toContain(svg);
  });

  it('makes no image of a graph above 1,000 nodes, whose HTML fallback stays an edge list', async () => {
    const { reply, iopub } = await k.execute(
      'display.graph({ nodes: Array.from({ length: 1001 }, (_, i) => ({ id: i })), edges: [{ source: 0, target: 1 }] })',
    );
    expect(reply.content.status).toBe('ok');
    const [data] = shown(iopub);
    expect(Object.keys(data)).toEqual([GRAPH, 'text/html', 'text/plain']);
    expect(String(data['text/html'])).toContain('<li><code>0 -- 1</code></li>');
  });
});
