/**
 * @jest-environment jsdom
 */
import './dom-setup';
import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { INestedTree } from '@taskcell/core';
import { MIME, treeBundle } from '@taskcell/display';
import { TREE_CLASS, TreeRenderer } from '@taskcell/jupyterlab';

function mimeModel(data: Record<string, unknown>): IRenderMime.IMimeModel {
  return { data, metadata: {}, trusted: true, setData: () => undefined } as unknown as IRenderMime.IMimeModel;
}

const node = (name: string, weight?: number, children?: INestedTree[]): INestedTree => ({
  node_data: { 'node name': name },
  ...(weight !== undefined ? { edge_data: { weight } } : {}),
  ...(children ? { children } : {}),
});

/** A balanced tree with `leaves` leaves named L0, L1, ..., every branch of length 1. */
function balanced(leaves: number): INestedTree {
  let level: INestedTree[] = Array.from({ length: leaves }, (_, i) => node(`L${i}`, 1));
  let k = 0;
  while (level.length > 1) {
    const up: INestedTree[] = [];
    for (let i = 0; i < level.length; i += 2) up.push(i + 1 < level.length ? node(`N${k++}`, 1, level.slice(i, i + 2)) : level[i]);
    level = up;
  }
  return level[0];
}

const labels = (r: TreeRenderer): string[] => [...r.node.querySelectorAll(`.${TREE_CLASS.label}`)].map((l) => l.textContent ?? '');
const row = (r: TreeRenderer, name: string): HTMLElement =>
  [...r.node.querySelectorAll<HTMLElement>(`.${TREE_CLASS.row}`)].find(
    (x) => x.querySelector(`.${TREE_CLASS.label}`)?.textContent === name,
  )!;
const key = (r: TreeRenderer, k: string): void => {
  r.node.querySelector('[role="tree"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
};

describe('TreeRenderer', () => {
  const tree = node('root', undefined, [node('A', 2), node('B', 4, [node('B1', 1), node('B2', 3)])]);

  it('places each node at its distance from the root, to scale, with a scale bar', async () => {
    const r = new TreeRenderer({ mimeType: MIME.tree });
    await r.renderModel(mimeModel(treeBundle(tree)));
    expect(labels(r)).toEqual(['root', 'A', 'B', 'B1', 'B2']);
    expect([...r.node.querySelectorAll(`.${TREE_CLASS.length}`)].map((l) => l.textContent)).toEqual(['2', '4', '1', '3']);
    expect(Array.from(r.flat.dist)).toEqual([0, 2, 4, 5, 7]);
    // Horizontal branches: each starts where its parent stands and is as long as its length.
    const branches = [...r.node.querySelectorAll<HTMLElement>(`.${TREE_CLASS.branch}`)].map((b) => [
      parseFloat(b.style.left),
      parseFloat(b.style.width),
    ]);
    const unit = branches[0][1] / 2;
    expect(unit).toBeGreaterThan(10);
    const root = branches[0][0];
    for (const [[left, width], [from, len]] of branches.map((b, i) => [
      b,
      [
        [0, 2],
        [0, 4],
        [4, 1],
        [4, 3],
      ][i],
    ])) {
      expect(Math.abs(left - (root + from * unit))).toBeLessThanOrEqual(1);
      expect(Math.abs(width - len * unit)).toBeLessThanOrEqual(1);
    }
    // The scale bar spans a round length at the same scale.
    const scale = r.node.querySelector(`.${TREE_CLASS.scale}`)!;
    const line = scale.querySelector<HTMLElement>(`.${TREE_CLASS.scaleLine}`)!;
    expect(Math.abs(parseFloat(line.style.width) - Number(scale.textContent) * unit)).toBeLessThanOrEqual(1);
    // The vertical lines join a clade's row to its last child's row.
    const stems = [...r.node.querySelectorAll<HTMLElement>(`.${TREE_CLASS.stem}`)].map((s) => [
      parseFloat(s.style.top),
      parseFloat(s.style.height),
    ]);
    expect(stems).toEqual([
      [10, 40],
      [50, 40],
    ]);
    r.dispose();
  });

  it('draws a tree without lengths by depth, and says so', async () => {
    const r = new TreeRenderer({ mimeType: MIME.tree });
    await r.renderModel(mimeModel(treeBundle(node('r', undefined, [node('a', undefined, [node('b')])]))));
    expect(Array.from(r.flat.dist)).toEqual([0, 1, 2]);
    expect(r.node.querySelector(`.${TREE_CLASS.summary}`)!.textContent).toBe('1 leaf, 3 nodes (no branch lengths: drawn by depth)');
    expect(r.node.querySelector(`.${TREE_CLASS.scaleLine}`)).toBeNull();
    r.dispose();
  });

  it('collapses a clade on click, showing its leaf count, and expands it again', async () => {
    const r = new TreeRenderer({ mimeType: MIME.tree });
    await r.renderModel(mimeModel(treeBundle(tree)));
    Widget.attach(r, document.body);
    expect(row(r, 'B').getAttribute('aria-expanded')).toBe('true');
    row(r, 'B').click();
    expect(labels(r)).toEqual(['root', 'A', 'B']);
    expect(row(r, 'B').getAttribute('aria-expanded')).toBe('false');
    expect(row(r, 'B').querySelector(`.${TREE_CLASS.count}`)!.textContent).toBe('2 leaves');
    expect(r.node.dataset.tcRows).toBe('3');
    row(r, 'B').click();
    expect(labels(r)).toEqual(['root', 'A', 'B', 'B1', 'B2']);
    expect(row(r, 'B').querySelector(`.${TREE_CLASS.count}`)).toBeNull();
    // A leaf does not collapse.
    row(r, 'A').click();
    expect(labels(r)).toHaveLength(5);
    Widget.detach(r);
    r.dispose();
  });

  it('is a keyboard tree: arrows move, close and open, Enter toggles, the active row is the descendant', async () => {
    const r = new TreeRenderer({ mimeType: MIME.tree });
    await r.renderModel(mimeModel(treeBundle(tree)));
    Widget.attach(r, document.body);
    const treeEl = r.node.querySelector('[role="tree"]') as HTMLElement;
    expect(treeEl.tabIndex).toBe(0);
    const active = (): string =>
      document.getElementById(treeEl.getAttribute('aria-activedescendant')!)!.querySelector(`.${TREE_CLASS.label}`)!.textContent!;
    expect(active()).toBe('root');
    key(r, 'ArrowDown');
    key(r, 'ArrowDown');
    expect(active()).toBe('B');
    key(r, 'ArrowLeft');
    expect(r.isCollapsed(2)).toBe(true);
    expect(labels(r)).toEqual(['root', 'A', 'B']);
    key(r, 'ArrowRight');
    expect(labels(r)).toEqual(['root', 'A', 'B', 'B1', 'B2']);
    key(r, 'ArrowRight');
    expect(active()).toBe('B1');
    key(r, 'ArrowLeft');
    expect(active()).toBe('B');
    key(r, 'Enter');
    expect(r.isCollapsed(2)).toBe(true);
    key(r, ' ');
    expect(r.isCollapsed(2)).toBe(false);
    key(r, 'End');
    expect(active()).toBe('B2');
    key(r, 'Home');
    expect(active()).toBe('root');
    // Closing the clade that holds the keyboard's node moves it to the clade.
    r.setActive(4);
    r.setCollapsed(2, true);
    expect(active()).toBe('B');
    r.setCollapsed(2, false);
    const b = row(r, 'B');
    expect([b.getAttribute('role'), b.getAttribute('aria-level'), b.getAttribute('aria-posinset'), b.getAttribute('aria-setsize')]).toEqual(
      ['treeitem', '2', '2', '2'],
    );
    Widget.detach(r);
    r.dispose();
  });

  it('draws only the rows in view of a 10,000-leaf tree, and the lines that cross them', async () => {
    const r = new TreeRenderer({ mimeType: MIME.tree, rowHeight: 20, maxHeight: 400 });
    await r.renderModel(mimeModel({ [MIME.tree]: balanced(10_000) }));
    Widget.attach(r, document.body);
    expect(r.flat.size).toBe(19_999);
    expect(r.flat.leaves[0]).toBe(10_000);
    expect(r.node.querySelector(`.${TREE_CLASS.summary}`)!.textContent).toBe('10,000 leaves, 19,999 nodes');
    expect(r.node.querySelectorAll(`.${TREE_CLASS.row}`).length).toBeLessThan(60);
    const scroll = r.node.querySelector('[role="tree"]') as HTMLElement;
    scroll.scrollTop = 20 * 10_000;
    scroll.dispatchEvent(new Event('scroll'));
    await new Promise((res) => setTimeout(res, 40));
    const shown = [...r.node.querySelectorAll<HTMLElement>(`.${TREE_CLASS.row}`)].map((x) => Number(x.dataset.index));
    expect(shown.length).toBeLessThan(60);
    expect(shown[0]).toBeGreaterThan(9_900);
    // Every stem drawn crosses the window; the ancestors' ones start above it.
    const top = 20 * shown[0];
    const stems = [...r.node.querySelectorAll<HTMLElement>(`.${TREE_CLASS.stem}`)];
    expect(stems.some((s) => parseFloat(s.style.top) < top)).toBe(true);
    for (const s of stems) expect(parseFloat(s.style.top) + parseFloat(s.style.height)).toBeGreaterThanOrEqual(top - 20);
    // Collapsing the root's first clade removes its 5,000-odd rows.
    const before = Number(r.node.dataset.tcRows);
    r.setCollapsed(1, true);
    expect(Number(r.node.dataset.tcRows)).toBe(before - (r.flat.end[1] - 2));
    Widget.detach(r);
    r.dispose();
  });

  it('flattens a 100,000-deep ladder without recursion', () => {
    let t: INestedTree = node('tip', 1);
    for (let i = 0; i < 100_000; i++) t = node(`n${i}`, 1, [t, node(`x${i}`, 1)]);
    const flat = TreeRenderer.flatten(t);
    expect(flat.size).toBe(200_001);
    expect(flat.leaves[0]).toBe(100_001);
    expect(flat.maxDist).toBe(100_000);
  });
});
