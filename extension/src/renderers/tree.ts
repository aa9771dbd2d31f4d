import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { INestedTree } from '@taskcell/core';

/** The classes of the tree renderer's parts (rules in style/base.css). */
export const TREE_CLASS = {
  root: 'tc-TreeRenderer',
  bar: 'tc-TreeRenderer-bar',
  summary: 'tc-TreeRenderer-summary',
  scale: 'tc-TreeRenderer-scale',
  scaleLine: 'tc-TreeRenderer-scaleLine',
  scroll: 'tc-TreeRenderer-scroll',
  spacer: 'tc-TreeRenderer-spacer',
  body: 'tc-TreeRenderer-body',
  row: 'tc-TreeRenderer-row',
  branch: 'tc-TreeRenderer-branch',
  stem: 'tc-TreeRenderer-stem',
  toggle: 'tc-TreeRenderer-toggle',
  leaf: 'tc-TreeRenderer-leaf',
  text: 'tc-TreeRenderer-text',
  label: 'tc-TreeRenderer-label',
  length: 'tc-TreeRenderer-length',
  count: 'tc-TreeRenderer-count',
  active: 'tc-mod-active',
  collapsed: 'tc-mod-collapsed',
} as const;

/**
 * Renders `application/vnd.taskcell.tree+json` (Girder Worker's nested tree) as a phylogram: one
 * row per node in pre-order, each node placed at its distance from the root (branch lengths from
 * `edge_data.weight`, `branch_length` or `length`, drawn to scale, with a scale bar), or by depth
 * when the tree has no lengths. A clade collapses and expands on click, or from the keyboard (the
 * rows are an ARIA `tree`); a collapsed clade shows how many leaves it holds.
 *
 * Only the rows in view are in the DOM, as in the table renderer: the tree is flattened once into
 * typed arrays (without recursion, so a deep ladder cannot overflow the stack), and each scroll
 * draws the rows of the window and the parts of the vertical lines that cross it. A 10,000-leaf
 * tree costs one flattening pass and a few dozen rows, whatever its shape, and every leaf stays
 * one scroll away; collapsing deep levels instead would still draw a flat or ladder-like tree in
 * full, and would hide leaves the reader asked to see.
 */
export class TreeRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: TreeRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.rowHeight = options.rowHeight ?? 20;
    this.maxHeight = options.maxHeight ?? 480;
    this.uid = `tc-tree-${Private.nextId()}`;
    this.addClass(TREE_CLASS.root);
    const bar = this.node.appendChild(Private.el('div', TREE_CLASS.bar));
    this.summaryEl = bar.appendChild(Private.el('span', TREE_CLASS.summary));
    this.scaleEl = bar.appendChild(Private.el('span', TREE_CLASS.scale));
    this.scrollEl = this.node.appendChild(Private.el('div', TREE_CLASS.scroll));
    this.scrollEl.setAttribute('role', 'tree');
    this.scrollEl.tabIndex = 0;
    this.spacerEl = this.scrollEl.appendChild(Private.el('div', TREE_CLASS.spacer));
    this.bodyEl = this.spacerEl.appendChild(Private.el('div', TREE_CLASS.body));
    this.scrollEl.addEventListener('scroll', () => this.scheduleDraw(), { passive: true });
    this.scrollEl.addEventListener('click', (e) => this.onClick(e));
    this.scrollEl.addEventListener('keydown', (e) => this.onKeyDown(e));
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** The flattened tree shown (empty before the first render). */
  get flat(): TreeRenderer.IFlatTree {
    return this.tree;
  }

  /** The nodes shown as rows, in order (pre-order indexes; a collapsed clade's nodes are left out). */
  get rows(): readonly number[] {
    return this.visible;
  }

  /** The node the keyboard acts on. */
  get active(): number {
    return this._active;
  }

  /** Render a model's tree, every clade expanded. */
  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const start = performance.now();
    this.tree = TreeRenderer.flatten(model.data[this.mimeType] as unknown as INestedTree);
    this.collapsed = new Uint8Array(this.tree.size);
    this._active = 0;
    const t = this.tree;
    const leaves = t.size ? t.leaves[0] : 0;
    this.summaryEl.textContent =
      `${leaves.toLocaleString()} ${leaves === 1 ? 'leaf' : 'leaves'}, ${t.size.toLocaleString()} nodes` +
      (t.hasLengths ? '' : ' (no branch lengths: drawn by depth)');
    this.scrollEl.style.maxHeight = `${this.maxHeight}px`;
    this.scrollEl.setAttribute('aria-label', `Tree of ${leaves.toLocaleString()} leaves`);
    this.width = 0;
    this.relayout();
    this.node.dataset.tcRenderMs = String(Math.round(performance.now() - start));
    return Promise.resolve();
  }

  /** Collapse or expand the clade of node `index` (pre-order); leaves do not change. */
  setCollapsed(index: number, collapsed: boolean): void {
    const t = this.tree;
    if (index < 0 || index >= t.size || t.end[index] === index + 1) return;
    if (Boolean(this.collapsed[index]) === collapsed) return;
    this.collapsed[index] = collapsed ? 1 : 0;
    // A keyboard node inside the clade that closes moves up to the clade's row.
    if (collapsed && this._active > index && this._active < t.end[index]) this._active = index;
    this.relayout();
  }

  /** Whether node `index`'s clade is collapsed. */
  isCollapsed(index: number): boolean {
    return this.collapsed[index] === 1;
  }

  /** Make node `index` the keyboard's node, expanding the clades above it and scrolling it into view. */
  setActive(index: number): void {
    const t = this.tree;
    if (index < 0 || index >= t.size) return;
    let opened = false;
    for (let p = t.parent[index]; p >= 0; p = t.parent[p]) {
      if (this.collapsed[p]) {
        this.collapsed[p] = 0;
        opened = true;
      }
    }
    this._active = index;
    if (opened) this.relayout();
    const row = this.rowOf[index];
    const top = row * this.rowHeight;
    const view = this.scrollEl.clientHeight || this.maxHeight;
    if (top < this.scrollEl.scrollTop) this.scrollEl.scrollTop = top;
    else if (top + this.rowHeight > this.scrollEl.scrollTop + view) this.scrollEl.scrollTop = top + this.rowHeight - view;
    this.first = -1;
    this.draw();
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.width = 0;
    this.relayout();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.scheduleDraw();
  }

  protected override onBeforeDetach(msg: Message): void {
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
    super.onBeforeDetach(msg);
  }

  /** Rebuild the visible rows (after a collapse or a new tree), then draw. */
  private relayout(): void {
    const t = this.tree;
    const rows: number[] = [];
    this.rowOf = new Int32Array(t.size).fill(-1);
    for (let i = 0; i < t.size;) {
      this.rowOf[i] = rows.length;
      rows.push(i);
      i = this.collapsed[i] ? t.end[i] : i + 1;
    }
    this.visible = rows;
    this.node.dataset.tcRows = String(rows.length);
    this.spacerEl.style.height = `${rows.length * this.rowHeight}px`;
    this.first = -1;
    this.draw();
  }

  private scheduleDraw(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Horizontal scale: pixels per unit of branch length (or per level without lengths). */
  private measure(): void {
    const width = this.scrollEl.clientWidth || Private.DEFAULT_WIDTH;
    if (width === this.width) return;
    this.width = width;
    const t = this.tree;
    const room = Math.max(Private.MIN_TREE_WIDTH, width - Private.PAD - Private.labelRoom(t));
    this.scale = t.maxDist > 0 ? (t.hasLengths ? room / t.maxDist : Math.min(Private.MAX_STEP, room / t.maxDist)) : 0;
    this.spacerEl.style.minWidth = `${Math.ceil(Private.PAD + t.maxDist * this.scale + Private.labelRoom(t))}px`;
    this.drawScale();
    this.first = -1;
  }

  /** The scale bar: a round length and the pixels it spans. */
  private drawScale(): void {
    this.scaleEl.textContent = '';
    if (!this.tree.hasLengths || this.scale <= 0) return;
    const unit = Private.niceLength(Private.SCALE_PX / this.scale);
    const line = this.scaleEl.appendChild(Private.el('span', TREE_CLASS.scaleLine));
    line.style.width = `${Math.max(1, Math.round(unit * this.scale))}px`;
    this.scaleEl.appendChild(document.createTextNode(String(Number(unit.toPrecision(3)))));
    this.scaleEl.title = 'Branch lengths are drawn to this scale';
  }

  private x(index: number): number {
    return Private.PAD + this.tree.dist[index] * this.scale;
  }

  /** Draw the rows in view plus a margin, and the vertical lines that cross them. */
  private draw(): void {
    const t = this.tree;
    this.measure();
    const n = this.visible.length;
    const h = this.rowHeight;
    const view = this.scrollEl.clientHeight || this.maxHeight;
    const first = Math.max(0, Math.floor(this.scrollEl.scrollTop / h) - Private.MARGIN);
    const last = Math.min(n, first + Math.ceil(view / h) + 2 * Private.MARGIN);
    if (first === this.first && last === this.last) return;
    this.first = first;
    this.last = last;
    const frag = document.createDocumentFragment();
    // The vertical line of an expanded clade runs from its row to its last child's row; the
    // ones that start above the window belong to ancestors of the window's first node.
    const top = this.visible[first] ?? 0;
    for (let p = t.parent[top]; p >= 0; p = t.parent[p]) this.stem(frag, p, first, last);
    for (let r = first; r < last; r++) {
      const i = this.visible[r];
      frag.appendChild(this.row(i, r));
      this.stem(frag, i, first, last);
    }
    this.bodyEl.replaceChildren(frag);
    const active = this.rowOf[this._active];
    if (active >= first && active < last) this.scrollEl.setAttribute('aria-activedescendant', `${this.uid}-${this._active}`);
    else this.scrollEl.removeAttribute('aria-activedescendant');
  }

  private stem(frag: DocumentFragment, p: number, first: number, last: number): void {
    const t = this.tree;
    if (t.end[p] === p + 1 || this.collapsed[p]) return;
    const from = Math.max(this.rowOf[p], first - 1);
    const to = Math.min(this.rowOf[t.lastChild[p]], last);
    if (to < first || from >= last) return;
    const h = this.rowHeight;
    const s = frag.appendChild(Private.el('div', TREE_CLASS.stem));
    s.style.left = `${Math.round(this.x(p))}px`;
    s.style.top = `${from * h + h / 2}px`;
    s.style.height = `${(to - from) * h}px`;
  }

  private row(i: number, r: number): HTMLElement {
    const t = this.tree;
    const h = this.rowHeight;
    const internal = t.end[i] !== i + 1;
    const row = Private.el('div', TREE_CLASS.row);
    row.id = `${this.uid}-${i}`;
    row.dataset.index = String(i);
    row.setAttribute('role', 'treeitem');
    row.setAttribute('aria-level', String(t.depth[i] + 1));
    const p = t.parent[i];
    row.setAttribute('aria-setsize', String(p >= 0 ? t.childCount[p] : 1));
    row.setAttribute('aria-posinset', String(t.sibling[i] + 1));
    row.style.top = `${r * h}px`;
    row.style.height = `${h}px`;
    row.style.lineHeight = `${h}px`;
    if (i === this._active) row.classList.add(TREE_CLASS.active);
    const x = Math.round(this.x(i));
    if (p >= 0) {
      const px = Math.round(this.x(p));
      const b = row.appendChild(Private.el('span', TREE_CLASS.branch));
      b.style.left = `${px}px`;
      b.style.width = `${Math.max(1, x - px)}px`;
    }
    const mark = row.appendChild(Private.el('span', internal ? TREE_CLASS.toggle : TREE_CLASS.leaf));
    mark.style.left = `${x - Private.MARK / 2}px`;
    const text = row.appendChild(Private.el('span', TREE_CLASS.text));
    text.style.left = `${x + Private.MARK / 2 + 2}px`;
    const name = TreeRenderer.label(t.nodes[i]);
    text.appendChild(Private.el('span', TREE_CLASS.label)).textContent = name;
    const len = t.length[i];
    if (!Number.isNaN(len) && p >= 0) {
      text.appendChild(Private.el('span', TREE_CLASS.length)).textContent = String(Number(len.toPrecision(4)));
    }
    if (internal) {
      const collapsed = this.collapsed[i] === 1;
      row.setAttribute('aria-expanded', String(!collapsed));
      if (collapsed) {
        row.classList.add(TREE_CLASS.collapsed);
        const n = t.leaves[i];
        text.appendChild(Private.el('span', TREE_CLASS.count)).textContent = `${n.toLocaleString()} ${n === 1 ? 'leaf' : 'leaves'}`;
      }
      row.title = `${name ? `${name}: ` : ''}${t.leaves[i].toLocaleString()} leaves (click to ${collapsed ? 'expand' : 'collapse'})`;
    }
    return row;
  }

  private rowIndex(e: Event): number {
    const row = (e.target as HTMLElement).closest?.(`.${TREE_CLASS.row}`) as HTMLElement | null;
    return row ? Number(row.dataset.index) : -1;
  }

  private onClick(e: MouseEvent): void {
    const i = this.rowIndex(e);
    if (i < 0) return;
    this._active = i;
    if (this.tree.end[i] !== i + 1) this.setCollapsed(i, !this.collapsed[i]);
    else {
      this.first = -1;
      this.draw();
    }
    this.scrollEl.focus({ preventScroll: true });
  }

  /** The WAI-ARIA tree keys: arrows move and open or close, Home/End, Page keys, Enter and Space toggle. */
  private onKeyDown(e: KeyboardEvent): void {
    const t = this.tree;
    if (!t.size) return;
    const i = this._active;
    const r = this.rowOf[i];
    const internal = t.end[i] !== i + 1;
    const page = Math.max(1, Math.floor((this.scrollEl.clientHeight || this.maxHeight) / this.rowHeight) - 1);
    const to = (row: number): void => this.setActive(this.visible[Math.max(0, Math.min(this.visible.length - 1, row))]);
    switch (e.key) {
      case 'ArrowDown':
        to(r + 1);
        break;
      case 'ArrowUp':
        to(r - 1);
        break;
      case 'PageDown':
        to(r + page);
        break;
      case 'PageUp':
        to(r - page);
        break;
      case 'Home':
        to(0);
        break;
      case 'End':
        to(this.visible.length - 1);
        break;
      case 'ArrowRight':
        if (internal && this.collapsed[i]) this.setCollapsed(i, false);
        else if (internal) to(r + 1);
        break;
      case 'ArrowLeft':
        if (internal && !this.collapsed[i]) this.setCollapsed(i, true);
        else if (t.parent[i] >= 0) this.setActive(t.parent[i]);
        break;
      case 'Enter':
      case ' ':
        if (internal) this.setCollapsed(i, !this.collapsed[i]);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  private tree: TreeRenderer.IFlatTree = TreeRenderer.flatten(undefined);
  private collapsed = new Uint8Array(0);
  private visible: number[] = [];
  private rowOf = new Int32Array(0);
  private _active = 0;
  private scale = 0;
  private width = 0;
  private first = -1;
  private last = -1;
  private frame = 0;
  private readonly uid: string;
  private readonly rowHeight: number;
  private readonly maxHeight: number;
  private readonly summaryEl: HTMLElement;
  private readonly scaleEl: HTMLElement;
  private readonly scrollEl: HTMLElement;
  private readonly spacerEl: HTMLElement;
  private readonly bodyEl: HTMLElement;
}

/** The TreeRenderer's options and helpers. */
export namespace TreeRenderer {
  /** How a tree renderer is made. */
  export interface IOptions {
    mimeType: string;
    /** Pixels per row (default 20). */
    rowHeight?: number;
    /** Pixels of rows shown before the tree scrolls (default 480). */
    maxHeight?: number;
  }

  /**
   * A tree in pre-order as parallel arrays: node `i`'s clade is `i .. end[i] - 1`, so a clade is
   * skipped in one step and its size is known without walking it.
   */
  export interface IFlatTree {
    size: number;
    nodes: INestedTree[];
    parent: Int32Array;
    depth: Int32Array;
    /** One past the last node of the clade. */
    end: Int32Array;
    lastChild: Int32Array;
    childCount: Int32Array;
    /** Position among its parent's children. */
    sibling: Int32Array;
    leaves: Int32Array;
    /** The branch length to the parent, NaN when the node has none. */
    length: Float64Array;
    /** Distance from the root: the sum of branch lengths, or the depth when the tree has none. */
    dist: Float64Array;
    maxDist: number;
    hasLengths: boolean;
    /** Characters in the longest label (for the room labels need). */
    maxLabel: number;
  }

  /** Flatten a nested tree in pre-order, iteratively (a million-deep ladder is fine). */
  export function flatten(root: INestedTree | undefined): IFlatTree {
    const nodes: INestedTree[] = [];
    const parents: number[] = [];
    const siblings: number[] = [];
    const stack: Array<[INestedTree, number, number]> = root && typeof root === 'object' ? [[root, -1, 0]] : [];
    while (stack.length) {
      const [node, p, s] = stack.pop()!;
      const i = nodes.length;
      nodes.push(node);
      parents.push(p);
      siblings.push(s);
      const kids = Array.isArray(node.children) ? node.children : [];
      for (let k = kids.length - 1; k >= 0; k--) if (kids[k] && typeof kids[k] === 'object') stack.push([kids[k], i, k]);
    }
    const n = nodes.length;
    const t: IFlatTree = {
      size: n,
      nodes,
      parent: Int32Array.from(parents),
      depth: new Int32Array(n),
      end: new Int32Array(n),
      lastChild: new Int32Array(n).fill(-1),
      childCount: new Int32Array(n),
      sibling: new Int32Array(n),
      leaves: new Int32Array(n),
      length: new Float64Array(n),
      dist: new Float64Array(n),
      maxDist: 0,
      hasLengths: false,
      maxLabel: 0,
    };
    for (let i = 0; i < n; i++) {
      const len = branchLength(nodes[i]);
      t.length[i] = len ?? NaN;
      if (len !== undefined && i > 0) t.hasLengths = true;
      const p = t.parent[i];
      if (p >= 0) {
        t.depth[i] = t.depth[p] + 1;
        t.lastChild[p] = i;
        t.childCount[p]++;
      }
      t.maxLabel = Math.max(t.maxLabel, label(nodes[i]).length);
    }
    for (let i = 0; i < n; i++) t.sibling[i] = siblings[i];
    // Children come after their parent in pre-order: one backward pass sums clades.
    for (let i = n - 1; i >= 0; i--) {
      if (t.childCount[i] === 0) {
        t.leaves[i] = 1;
        t.end[i] = i + 1;
      }
      const p = t.parent[i];
      if (p >= 0) {
        t.leaves[p] += t.leaves[i];
        t.end[p] = Math.max(t.end[p], t.end[i]);
      }
    }
    for (let i = 1; i < n; i++) {
      const len = t.length[i];
      const step = t.hasLengths ? (Number.isFinite(len) && len > 0 ? len : 0) : 1;
      t.dist[i] = t.dist[t.parent[i]] + step;
      if (t.dist[i] > t.maxDist) t.maxDist = t.dist[i];
    }
    return t;
  }

  /** A node's label: its name, else its data as `key=value`. */
  export function label(node: INestedTree): string {
    const d = node.node_data ?? {};
    const name = d['node name'] ?? d.name ?? d.id;
    if (name !== undefined) return String(name);
    const keys = Object.keys(d);
    return keys.length ? keys.map((k) => `${k}=${String(d[k])}`).join(' ') : '';
  }

  /** The length of the branch leading to `node`, if it has one. */
  export function branchLength(node: INestedTree): number | undefined {
    for (const source of [node.edge_data, node.node_data]) {
      if (!source) continue;
      for (const k of ['weight', 'branch_length', 'length']) {
        const v = source[k];
        if (typeof v === 'number' && Number.isFinite(v)) return v;
      }
    }
    return undefined;
  }
}

namespace Private {
  let count = 0;

  /** A number unique to each renderer, for its rows' ids. */
  export function nextId(): number {
    return ++count;
  }

  /** Rows drawn above and below the viewport. */
  export const MARGIN = 8;
  /** Left padding before the root, in pixels. */
  export const PAD = 12;
  /** The width of a node's mark (toggle or leaf dot). */
  export const MARK = 12;
  /** Pixels per level when the tree has no branch lengths, at most. */
  export const MAX_STEP = 20;
  /** The branches get at least this much width, whatever the labels need. */
  export const MIN_TREE_WIDTH = 160;
  /** Width used before the renderer is laid out. */
  export const DEFAULT_WIDTH = 640;
  /** About how long the scale bar is. */
  export const SCALE_PX = 80;

  /** Pixels kept right of the deepest node for labels (about 7 px a character, up to 280). */
  export function labelRoom(t: TreeRenderer.IFlatTree): number {
    return Math.min(280, 40 + 7 * t.maxLabel);
  }

  /** The largest 1, 2 or 5 times a power of ten not above `x`. */
  export function niceLength(x: number): number {
    const p = Math.pow(10, Math.floor(Math.log10(x)));
    const m = x / p;
    return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
  }

  export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    e.className = className;
    return e;
  }
}
