// The page of bench/tree.bench.mjs: the first render of a 10,000-leaf tree with branch lengths,
// by taskcell's TreeRenderer (a phylogram of the rows in view) and by the named peer, d3-hierarchy's
// cluster layout drawn as SVG with lengths to scale, the way phylogeny viewers built on d3 draw
// (every link a path, every leaf a label). Each render starts on an empty host and ends when the
// browser has painted the frame that shows it.
import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { INestedTree } from '@taskcell/core';
import { cluster, hierarchy } from 'd3-hierarchy';
import type { HierarchyPointNode } from 'd3-hierarchy';
import { TreeRenderer } from '../../extension/src/renderers/tree';

const MIME = 'application/vnd.taskcell.tree+json';
const SVG = 'http://www.w3.org/2000/svg';
const ROW = 20;

/** A seeded random tree of `leaves` leaves: clades split at 30–70%, branch lengths 0.02–0.22. */
function makeTree(leaves: number): INestedTree {
  let seed = 11;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  // Explicit stack: the same shape as a recursive builder, without its depth limit.
  const root: INestedTree = { node_data: { 'node name': 'root' } };
  const stack: Array<[INestedTree, number, number]> = [[root, 0, leaves]];
  while (stack.length) {
    const [node, lo, hi] = stack.pop()!;
    if (hi - lo === 1) {
      node.node_data = { 'node name': `t${lo}` };
      continue;
    }
    const mid = lo + Math.max(1, Math.floor((hi - lo) * (0.3 + rand() * 0.4)));
    const a: INestedTree = { node_data: { 'node name': '' }, edge_data: { weight: Math.round((0.02 + rand() * 0.2) * 1000) / 1000 } };
    const b: INestedTree = { node_data: { 'node name': '' }, edge_data: { weight: Math.round((0.02 + rand() * 0.2) * 1000) / 1000 } };
    node.children = [a, b];
    stack.push([b, mid, hi], [a, lo, mid]);
  }
  return root;
}

/** Resolve once the browser has painted the frame after now. */
function painted(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function freshHost(): HTMLElement {
  const host = document.getElementById('host')!;
  host.replaceChildren();
  const box = host.appendChild(document.createElement('div'));
  box.style.cssText = 'width:100%;height:100%;overflow:auto';
  return box;
}

async function taskcell(tree: INestedTree): Promise<number> {
  const box = freshHost();
  await painted();
  const t0 = performance.now();
  const r = new TreeRenderer({ mimeType: MIME });
  const model = { data: { [MIME]: tree }, metadata: {}, trusted: true, setData: () => undefined } as unknown as IRenderMime.IMimeModel;
  await r.renderModel(model);
  Widget.attach(r, box);
  await painted();
  const ms = performance.now() - t0;
  if (Number(r.node.dataset.tcRows) !== r.flat.size)
    throw new Error(`Expected every row of the tree, got ${r.node.dataset.tcRows} of ${r.flat.size}`);
  r.dispose();
  return ms;
}

async function d3(tree: INestedTree): Promise<number> {
  const box = freshHost();
  await painted();
  const t0 = performance.now();
  const root = hierarchy(tree, (d) => d.children);
  const leaves = root.leaves().length;
  const width = box.clientWidth - 200;
  const layout = cluster<INestedTree>()
    .size([leaves * ROW, width])
    .separation(() => 1)(root);
  // Lengths to scale: x across is the distance from the root, as phylogeny viewers on d3 set it.
  const dist = new Map<HierarchyPointNode<INestedTree>, number>();
  let max = 0;
  layout.each((n) => {
    const w = n.data.edge_data?.weight;
    const d = (n.parent ? dist.get(n.parent)! : 0) + (typeof w === 'number' ? w : 0);
    dist.set(n, d);
    if (d > max) max = d;
  });
  const k = width / max;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(width + 200));
  svg.setAttribute('height', String(leaves * ROW + ROW));
  const g = svg.appendChild(document.createElementNS(SVG, 'g'));
  g.setAttribute('transform', `translate(10,${ROW / 2})`);
  g.setAttribute('fill', 'none');
  g.setAttribute('stroke', '#555');
  for (const link of layout.links()) {
    const p = document.createElementNS(SVG, 'path');
    const sx = dist.get(link.source)! * k;
    const tx = dist.get(link.target)! * k;
    p.setAttribute('d', `M${sx},${link.source.x}V${link.target.x}H${tx}`);
    g.appendChild(p);
  }
  const labels = svg.appendChild(document.createElementNS(SVG, 'g'));
  labels.setAttribute('transform', `translate(14,${ROW / 2 + 4})`);
  labels.setAttribute('font-size', '12');
  for (const leaf of layout.leaves()) {
    const t = document.createElementNS(SVG, 'text');
    t.setAttribute('x', String(dist.get(leaf)! * k));
    t.setAttribute('y', String(leaf.x));
    t.textContent = String(leaf.data.node_data?.['node name'] ?? '');
    labels.appendChild(t);
  }
  box.appendChild(svg);
  await painted();
  const ms = performance.now() - t0;
  if (svg.querySelectorAll('text').length !== leaves)
    throw new Error(`Expected ${leaves} labels, got ${svg.querySelectorAll('text').length}`);
  box.replaceChildren();
  return ms;
}

const trees = new Map<number, INestedTree>();
(window as unknown as { bench: unknown }).bench = {
  /** Time one first render of a `leaves`-leaf tree by `who`, in milliseconds. */
  run(who: 'taskcell' | 'd3', leaves: number): Promise<number> {
    if (!trees.has(leaves)) trees.set(leaves, makeTree(leaves));
    return who === 'taskcell' ? taskcell(trees.get(leaves)!) : d3(trees.get(leaves)!);
  },
};
