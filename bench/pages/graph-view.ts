/**
 * The graph view benchmark's page: a seeded random graph of 5,000 nodes and 20,000 edges drawn by
 * taskcell's graph renderer (a d3-force layout, then sigma on WebGL), by sigma with graphology
 * alone at random positions (the peer: the least it costs to put this graph on screen with the
 * fastest library here), and by cytoscape alone with its default settings. Each draw is timed from
 * the graph value to its first painted frame; `window.tcBench` runs one draw at a time.
 */
import { Widget } from '@lumino/widgets';
import Graph from 'graphology';
// sigma is installed for the extension alone; importing it from there bundles the copy its renderer uses.
import Sigma from '../../extension/node_modules/sigma';
import cytoscape from 'cytoscape';
import { MIME } from '@taskcell/display';
import { GraphRenderer } from '../../extension/src/renderers/graph';

const NODES = 5000;
const EDGES = 20000;

/** The graph value, as `display.graph` sends it: a random tree with random extra edges. */
function randomGraph(): {
  directed: boolean;
  nodes: Array<{ id: string; group: number }>;
  edges: Array<{ source: string; target: string }>;
} {
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const nodes = Array.from({ length: NODES }, (_, i) => ({ id: `n${i}`, group: i % 7 }));
  const edges: Array<{ source: string; target: string }> = [];
  for (let i = 1; i < NODES; i++) edges.push({ source: `n${Math.floor(rand() * i)}`, target: `n${i}` });
  while (edges.length < EDGES) {
    const a = Math.floor(rand() * NODES);
    const b = Math.floor(rand() * NODES);
    if (a !== b) edges.push({ source: `n${a}`, target: `n${b}` });
  }
  return { directed: false, nodes, edges };
}

const frame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** A fresh box for one draw, as tall as the renderer makes its own. */
function box(): HTMLElement {
  const host = document.getElementById('host') as HTMLElement;
  host.replaceChildren();
  const div = host.appendChild(document.createElement('div'));
  div.style.width = '100%';
  div.style.height = '560px';
  return div;
}

/** What one draw reports: its time, and what it drew. */
interface IDraw {
  ms: number;
  nodes: number;
  edges: number;
  view?: string;
}

async function taskcell(): Promise<IDraw> {
  const host = document.getElementById('host') as HTMLElement;
  host.replaceChildren();
  const value = randomGraph();
  const start = performance.now();
  const renderer = new GraphRenderer({ mimeType: MIME.graph });
  Widget.attach(renderer, host);
  await renderer.renderModel({ trusted: true, data: { [MIME.graph]: value as never }, metadata: {}, setData: () => undefined });
  await frame();
  const ms = performance.now() - start;
  const canvas = renderer.node.querySelector('.tc-GraphRenderer-canvas') as GraphRenderer.IHost;
  const drawn = canvas.tcSigma
    ? { nodes: canvas.tcSigma.getGraph().order, edges: canvas.tcSigma.getGraph().size }
    : { nodes: canvas.tcGraph?.nodes().length ?? 0, edges: canvas.tcGraph?.edges().length ?? 0 };
  const view = renderer.node.dataset.tcView;
  renderer.dispose();
  return { ms, ...drawn, view };
}

async function sigma(): Promise<IDraw> {
  const host = box();
  const value = randomGraph();
  const start = performance.now();
  const g = new Graph({ multi: true, type: 'undirected' });
  for (const n of value.nodes) g.addNode(n.id, { x: Math.random(), y: Math.random(), size: 2.5, label: n.id });
  for (const e of value.edges) g.addEdge(e.source, e.target, { size: 0.5 });
  const view = new Sigma(g, host);
  await frame();
  const ms = performance.now() - start;
  const drawn = { nodes: g.order, edges: g.size };
  view.kill();
  return { ms, ...drawn, view: 'webgl' };
}

async function cytoscapeDefault(): Promise<IDraw> {
  const host = box();
  const value = randomGraph();
  const start = performance.now();
  const cy = cytoscape({
    container: host,
    elements: [
      ...value.nodes.map((n) => ({ group: 'nodes' as const, data: { id: n.id } })),
      ...value.edges.map((e, i) => ({ group: 'edges' as const, data: { id: `e${i}`, source: e.source, target: e.target } })),
    ],
  });
  await frame();
  const ms = performance.now() - start;
  const drawn = { nodes: cy.nodes().length, edges: cy.edges().length };
  cy.destroy();
  return { ms, ...drawn, view: 'canvas' };
}

(window as unknown as { tcBench: Record<string, () => Promise<IDraw>> }).tcBench = { taskcell, sigma, cytoscape: cytoscapeDefault };
