const SVG_NS = 'http://www.w3.org/2000/svg';

/** A workflow's DAG: step names and the edges between them. */
export interface IDag {
  steps: string[];
  edges: Array<[string, string]>;
}

/**
 * A workflow's DAG drawn as SVG, one node per step coloured by the step's state. The layout is
 * computed once per DAG (layers by longest path from a source); updates only swap class names, so
 * a live workflow costs no re-layout.
 */
export class DagView {
  /** The SVG element to put in the page. */
  readonly node: SVGSVGElement;

  constructor(dag: IDag) {
    this.node = document.createElementNS(SVG_NS, 'svg');
    this.node.classList.add('tc-dag');
    const layout = DagView.layout(dag);
    const { nodeWidth: w, nodeHeight: h, gapX, gapY } = Private.SIZE;
    const width = layout.columns * (w + gapX) - gapX + 8;
    const height = layout.rows * (h + gapY) - gapY + 8;
    this.node.setAttribute('viewBox', `-4 -4 ${width} ${height}`);
    this.node.setAttribute('width', String(width));
    this.node.setAttribute('height', String(height));
    this.node.setAttribute('role', 'img');
    this.node.setAttribute('aria-label', `workflow graph with ${dag.steps.length} steps`);
    const pos = (s: string): { x: number; y: number } => {
      const p = layout.positions.get(s) ?? { layer: 0, index: 0 };
      return { x: p.layer * (w + gapX), y: p.index * (h + gapY) };
    };
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
      path.setAttribute('class', 'tc-dag-edge');
      this.node.appendChild(path);
    }
    for (const s of dag.steps) {
      const p = pos(s);
      const g = document.createElementNS(SVG_NS, 'g');
      g.setAttribute('transform', `translate(${p.x},${p.y})`);
      g.setAttribute('class', 'tc-dag-node tc-state-inactive');
      g.dataset.step = s;
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
      this.node.appendChild(g);
      this.nodes.set(s, g);
    }
  }

  /** Colour each step by its state. */
  update(stateOf: (step: string) => string): void {
    for (const [s, g] of this.nodes) {
      const state = stateOf(s);
      if (g.dataset.state === state) continue;
      g.dataset.state = state;
      g.setAttribute('class', `tc-dag-node tc-state-${state.toLowerCase()}`);
      (g.lastChild as SVGTitleElement).textContent = `${s}: ${state}`;
    }
  }

  private readonly nodes = new Map<string, SVGGElement>();
}

/** The DagView's layout. */
export namespace DagView {
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
  export const SIZE = { nodeWidth: 96, nodeHeight: 26, gapX: 28, gapY: 10 };
}
