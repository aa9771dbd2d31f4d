const SVG_NS = 'http://www.w3.org/2000/svg';

/** The class names of a workflow's DAG in the Tasks panel (the stylesheet uses the same). */
export const DAG_CLASS = {
  wrap: 'tc-Panel-dag',
  svg: 'tc-Panel-dagGraph',
  node: 'tc-Panel-dagNode',
  edge: 'tc-Panel-dagEdge',
  actions: 'tc-Panel-dagActions',
  actionsLabel: 'tc-Panel-dagActionsLabel',
  rerunStep: 'tc-Panel-dagRerunStep',
  rerunFrom: 'tc-Panel-dagRerunFrom',
  panning: 'tc-mod-panning',
  selected: 'tc-mod-selected',
  /** An edge that streams: its consumer reads while its producer runs. */
  streaming: 'tc-mod-streaming',
  /** A streaming edge while both its ends run. */
  live: 'tc-mod-live',
} as const;

/** How a step is re-run: just it (`only`), or it and every step downstream (`from`). */
export type RerunHow = 'only' | 'from';

/** A workflow's DAG: step names and the edges between them. */
export interface IDag {
  steps: string[];
  edges: Array<[string, string]>;
  /** The edges that stream (drawn dashed, and moving while both ends run). */
  streams?: Array<[string, string]>;
}

/**
 * A workflow's DAG drawn as SVG, one node per step marked with the step's state. The layout is
 * computed once per DAG (layers by longest path from a source); updates only swap attributes, so
 * a live workflow costs no re-layout. The drawing scales down to fit its box's width (no further
 * than half size: a wider DAG then scrolls, and pans by dragging).
 *
 * With `onRerun`, each node is a button (reached by Tab, picked by click, Enter, Space or the
 * context menu) that shows, under the drawing, "Re-run this step" and "Re-run from here" for it.
 */
export class DagView {
  /** The element to put in the page: a box holding the SVG drawing. */
  readonly node: HTMLElement;

  /** The SVG drawing. */
  readonly svg: SVGSVGElement;

  constructor(dag: IDag, options: DagView.IOptions = {}) {
    this.node = document.createElement('div');
    this.node.className = DAG_CLASS.wrap;
    this.svg = document.createElementNS(SVG_NS, 'svg');
    this.svg.setAttribute('class', DAG_CLASS.svg);
    this.node.appendChild(this.svg);
    this.onRerun = options.onRerun;
    const layout = DagView.layout(dag);
    const { nodeWidth: w, nodeHeight: h, gapX, gapY } = Private.SIZE;
    const width = layout.columns * (w + gapX) - gapX + 8;
    const height = layout.rows * (h + gapY) - gapY + 8;
    this.svg.setAttribute('viewBox', `-4 -4 ${width} ${height}`);
    // Natural size at most; the stylesheet's `max-width: 100%` scales it down to the box, keeping its aspect.
    this.svg.setAttribute('width', String(width));
    this.svg.setAttribute('height', String(height));
    this.svg.style.minWidth = `${Math.round(width * Private.MIN_SCALE)}px`;
    this.svg.setAttribute('role', 'img');
    this.svg.setAttribute('aria-label', `workflow graph with ${dag.steps.length} steps`);
    Private.dragToPan(this.node);
    const pos = (s: string): { x: number; y: number } => {
      const p = layout.positions.get(s) ?? { layer: 0, index: 0 };
      return { x: p.layer * (w + gapX), y: p.index * (h + gapY) };
    };
    const streaming = new Set((dag.streams ?? []).map(([a, b]) => `${a}\0${b}`));
    for (const [a, b] of dag.edges) {
      const pa = pos(a);
      const pb = pos(b);
      const path = document.createElementNS(SVG_NS, 'path');
      const x1 = pa.x + w;
      const y1 = pa.y + h / 2;
      const x2 = pb.x;
      const y2 = pb.y + h / 2;
      const mx = (x1 + x2) / 2;
      path.setAttribute('d', `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`);
      path.setAttribute('class', DAG_CLASS.edge);
      if (streaming.has(`${a}\0${b}`)) {
        path.classList.add(DAG_CLASS.streaming);
        this.streams.push({ from: a, to: b, path });
      }
      this.svg.appendChild(path);
    }
    for (const s of dag.steps) {
      const p = pos(s);
      const g = document.createElementNS(SVG_NS, 'g');
      g.setAttribute('transform', `translate(${p.x},${p.y})`);
      g.setAttribute('class', DAG_CLASS.node);
      g.dataset.step = s;
      g.dataset.state = 'INACTIVE';
      const rect = document.createElementNS(SVG_NS, 'rect');
      rect.setAttribute('width', String(w));
      rect.setAttribute('height', String(h));
      rect.setAttribute('rx', '4');
      const text = document.createElementNS(SVG_NS, 'text');
      text.setAttribute('x', String(w / 2));
      text.setAttribute('y', String(h / 2));
      text.setAttribute('text-anchor', 'middle');
      text.setAttribute('dominant-baseline', 'central');
      text.textContent = s.length > 14 ? `${s.slice(0, 13)}…` : s;
      const title = document.createElementNS(SVG_NS, 'title');
      title.textContent = s;
      g.append(rect, text, title);
      this.svg.appendChild(g);
      this.nodes.set(s, g);
      if (this.onRerun) this.makeButton(s, g);
    }
    if (this.onRerun) {
      this.svg.setAttribute('role', 'group');
      this.actions = Private.actionBar();
      this.node.appendChild(this.actions.bar);
      const act = (how: RerunHow) => () => {
        if (this.selected !== undefined) this.onRerun?.(this.selected, how);
      };
      this.actions.step.addEventListener('click', act('only'));
      this.actions.from.addEventListener('click', act('from'));
    }
  }

  /** The step whose re-run actions show, if any. */
  get selected(): string | undefined {
    return this._selected;
  }

  /** Show the re-run actions of `step` (undefined hides them). */
  select(step: string | undefined): void {
    if (!this.actions) return;
    if (this._selected !== undefined) this.nodes.get(this._selected)?.classList.remove(DAG_CLASS.selected);
    this._selected = step !== undefined && this.nodes.has(step) ? step : undefined;
    const bar = this.actions;
    bar.bar.hidden = this._selected === undefined;
    if (this._selected === undefined) return;
    this.nodes.get(this._selected)!.classList.add(DAG_CLASS.selected);
    bar.label.textContent = `Step ${this._selected}:`;
    bar.step.setAttribute('aria-label', `Re-run step ${this._selected}`);
    bar.from.setAttribute('aria-label', `Re-run from step ${this._selected}`);
  }

  /** A node that picks its step: by click, Enter or Space, or the context menu (which also gives the first action the focus). */
  private makeButton(step: string, g: SVGGElement): void {
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'button');
    g.setAttribute('aria-label', `Step ${step}: show its re-run actions`);
    g.addEventListener('click', () => this.select(step));
    g.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      this.select(step);
      this.actions?.step.focus();
    });
    g.addEventListener('contextmenu', (e) => {
      e.preventDefault();
      e.stopPropagation();
      this.select(step);
      this.actions?.step.focus();
    });
  }

  /** Mark each step with its state. */
  update(stateOf: (step: string) => string): void {
    for (const [s, g] of this.nodes) {
      const state = stateOf(s);
      if (g.dataset.state === state) continue;
      g.dataset.state = state;
      (g.lastChild as SVGTitleElement).textContent = `${s}: ${state}`;
    }
    for (const e of this.streams) {
      e.path.classList.toggle(DAG_CLASS.live, stateOf(e.from) === 'RUNNING' && stateOf(e.to) === 'RUNNING');
    }
  }

  private readonly nodes = new Map<string, SVGGElement>();
  private readonly onRerun: ((step: string, how: RerunHow) => void) | undefined;
  private actions: ReturnType<typeof Private.actionBar> | undefined;
  private _selected: string | undefined;
  private readonly streams: Array<{ from: string; to: string; path: SVGPathElement }> = [];
}

/** The DagView's options and layout. */
export namespace DagView {
  /** What a DAG view does besides drawing. */
  export interface IOptions {
    /** Offer "Re-run this step" (`only`) and "Re-run from here" (`from`) on each node. */
    onRerun?: (step: string, how: RerunHow) => void;
  }

  /** Where each step goes: its layer (column) and its index in the layer (row). */
  export interface ILayout {
    positions: Map<string, { layer: number; index: number }>;
    columns: number;
    rows: number;
  }

  /** Layers by longest path from a source; a cycle (which a valid workflow never has) is cut. */
  export function layout(dag: IDag): ILayout {
    const incoming = new Map<string, string[]>();
    for (const s of dag.steps) incoming.set(s, []);
    for (const [a, b] of dag.edges) incoming.get(b)?.push(a);
    const layer = new Map<string, number>();
    const visiting = new Set<string>();
    const depth = (s: string): number => {
      const known = layer.get(s);
      if (known !== undefined) return known;
      if (visiting.has(s)) return 0;
      visiting.add(s);
      let d = 0;
      for (const p of incoming.get(s) ?? []) d = Math.max(d, depth(p) + 1);
      visiting.delete(s);
      layer.set(s, d);
      return d;
    };
    const positions = new Map<string, { layer: number; index: number }>();
    const counts: number[] = [];
    for (const s of dag.steps) {
      const l = depth(s);
      const index = counts[l] ?? 0;
      counts[l] = index + 1;
      positions.set(s, { layer: l, index });
    }
    return { positions, columns: Math.max(1, counts.length), rows: Math.max(1, ...counts.map((c) => c ?? 0)) };
  }
}

namespace Private {
  /** The bar under the drawing with the picked step's re-run buttons (hidden until a step is picked). */
  export function actionBar(): { bar: HTMLElement; label: HTMLElement; step: HTMLButtonElement; from: HTMLButtonElement } {
    const bar = document.createElement('div');
    bar.className = DAG_CLASS.actions;
    bar.hidden = true;
    const label = document.createElement('span');
    label.className = DAG_CLASS.actionsLabel;
    const button = (cls: string, text: string, title: string): HTMLButtonElement => {
      const b = document.createElement('button');
      b.className = `${cls} jp-mod-styled`;
      b.textContent = text;
      b.title = title;
      return b;
    };
    const step = button(DAG_CLASS.rerunStep, 'Re-run this step', 'Run this step again; the steps it needs come from the last run');
    const from = button(
      DAG_CLASS.rerunFrom,
      'Re-run from here',
      'Run this step and every step after it again; the others come from the last run',
    );
    bar.append(label, step, from);
    return { bar, label, step, from };
  }

  export const SIZE = { nodeWidth: 96, nodeHeight: 26, gapX: 28, gapY: 10 };

  /** The smallest scale the drawing shrinks to before it scrolls instead. */
  export const MIN_SCALE = 0.5;

  /** Dragging the box with the mouse scrolls it (a DAG wider than the box pans). */
  export function dragToPan(box: HTMLElement): void {
    let from: { x: number; y: number; left: number; top: number } | undefined;
    box.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || box.scrollWidth <= box.clientWidth) return;
      from = { x: e.clientX, y: e.clientY, left: box.scrollLeft, top: box.scrollTop };
      box.setPointerCapture(e.pointerId);
      box.classList.add(DAG_CLASS.panning);
    });
    box.addEventListener('pointermove', (e) => {
      if (!from) return;
      box.scrollLeft = from.left - (e.clientX - from.x);
      box.scrollTop = from.top - (e.clientY - from.y);
    });
    const end = (): void => {
      from = undefined;
      box.classList.remove(DAG_CLASS.panning);
    };
    box.addEventListener('pointerup', end);
    box.addEventListener('pointercancel', end);
  }
}
