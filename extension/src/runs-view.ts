import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { runSummary } from '@taskcell/display';
import type { IRunsViewData } from '@taskcell/display';
import type { IRunRecord } from '@taskcell/core';

/** The class names of the Runs view (styled in style/base.css). */
export const CLASS = {
  root: 'tc-RunsView',
  filters: 'tc-RunsView-filters',
  search: 'tc-RunsView-search',
  state: 'tc-RunsView-state',
  count: 'tc-RunsView-count',
  list: 'tc-RunsView-list',
  row: 'tc-RunsView-row',
  pick: 'tc-RunsView-pick',
  compare: 'tc-RunsView-compare',
  section: 'tc-RunsView-section',
  value: 'tc-RunsView-value',
  bar: 'tc-RunsView-bar',
  barTrack: 'tc-RunsView-barTrack',
  barFill: 'tc-RunsView-barFill',
  selected: 'tc-mod-selected',
  differs: 'tc-mod-differs',
} as const;

/** The columns of the runs list. */
const COLUMNS = ['task', 'kind', 'state', 'place', 'elapsed', 'started', 'id'] as const;

/**
 * Renders `application/vnd.taskcell.runs+json`: the recorded runs with a text filter (task, step or
 * id) and a state filter; picking two runs shows them side by side: each input with whether it
 * differs, each output rendered by its format (a table for rows, text otherwise, a file reference
 * for big ones), and their timings as bars.
 */
export class RunsViewRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: RunsViewRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(CLASS.root);
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** The ids of the runs the filters let through, in list order. */
  get visible(): string[] {
    return this.filtered().map((r) => r.id);
  }

  /** The runs picked for comparison (at most two, the older pick first). */
  get picked(): readonly string[] {
    return this._picked;
  }

  /** Render a model's runs. */
  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this.mimeType] as unknown as IRunsViewData;
    this.data = { v: 1, title: String(data?.title ?? 'Runs'), runs: Array.isArray(data?.runs) ? data.runs : [] };
    this._picked = [];
    this.build();
    return Promise.resolve();
  }

  /** Show only runs whose task, step or id contains `text`, and whose state is `state` (all when empty). */
  filter(text: string, state = ''): void {
    this.text = text;
    this.state = state;
    this.search.value = text;
    this.stateSelect.value = state;
    this.drawList();
  }

  /** Pick a run for comparison, or unpick it; a third pick replaces the older one. */
  pick(id: string): void {
    if (this._picked.includes(id)) this._picked = this._picked.filter((p) => p !== id);
    else this._picked = [...this._picked, id].slice(-2);
    this.drawList();
    this.drawCompare();
  }

  private build(): void {
    const bar = document.createElement('div');
    bar.className = CLASS.filters;
    this.search.type = 'search';
    this.search.className = CLASS.search;
    this.search.placeholder = 'Filter by task, step or id';
    this.search.setAttribute('aria-label', 'Filter runs by task, step or id');
    this.search.addEventListener('input', () => this.filter(this.search.value, this.state));
    this.stateSelect.className = CLASS.state;
    this.stateSelect.setAttribute('aria-label', 'Filter runs by state');
    const states = [...new Set(this.data.runs.map((r) => r.state))].sort();
    this.stateSelect.replaceChildren(
      ...['', ...states].map((s) => {
        const o = document.createElement('option');
        o.value = s;
        o.textContent = s === '' ? 'every state' : s;
        return o;
      }),
    );
    this.stateSelect.addEventListener('change', () => this.filter(this.text, this.stateSelect.value));
    this.count.className = CLASS.count;
    bar.append(this.search, this.stateSelect, this.count);
    this.list.className = CLASS.list;
    this.compare.className = CLASS.compare;
    this.node.replaceChildren(bar, this.list, this.compare);
    this.filter('', '');
    this.drawCompare();
  }

  private filtered(): IRunRecord[] {
    const text = this.text.toLowerCase();
    return this.data.runs.filter(
      (r) =>
        (this.state === '' || r.state === this.state) &&
        (text === '' || [r.task, r.step, r.id].some((v) => v !== undefined && String(v).toLowerCase().includes(text))),
    );
  }

  private drawList(): void {
    const runs = this.filtered();
    this.count.textContent = `${runs.length} of ${this.data.runs.length} runs; pick two to compare`;
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const c of ['', ...COLUMNS]) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = c;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const r of runs) {
      const tr = body.insertRow();
      tr.className = CLASS.row;
      tr.dataset.id = r.id;
      const picked = this._picked.includes(r.id);
      if (picked) tr.classList.add(CLASS.selected);
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.className = CLASS.pick;
      box.checked = picked;
      box.setAttribute('aria-label', `Compare run ${r.id}`);
      box.addEventListener('change', () => this.pick(r.id));
      tr.insertCell().appendChild(box);
      const s = runSummary(r);
      for (const c of COLUMNS) tr.insertCell().textContent = s[c];
    }
    this.list.replaceChildren(table);
  }

  private drawCompare(): void {
    const [a, b] = this._picked.map((id) => this.data.runs.find((r) => r.id === id)!);
    if (!a || !b) {
      this.compare.replaceChildren();
      return;
    }
    const sections: HTMLElement[] = [];
    const head = Private.section('Runs', ['', 'A', 'B']);
    for (const [label, f] of [
      ['run', (r: IRunRecord) => r.id],
      ['task', (r: IRunRecord) => runSummary(r).task],
      ['state', (r: IRunRecord) => r.state],
      ['place', (r: IRunRecord) => runSummary(r).place],
      ['spec', (r: IRunRecord) => r.specHash?.slice(0, 12) ?? ''],
      ['code', (r: IRunRecord) => r.codeHash?.slice(0, 12) ?? ''],
    ] as const) {
      Private.row(head, label, [Private.text(f(a)), Private.text(f(b))], f(a) !== f(b));
    }
    sections.push(head.section);
    const inputs = Private.section('Inputs', ['port', 'A', 'B']);
    for (const port of Private.ports(a.inputHashes, b.inputHashes)) {
      const differs = a.inputHashes?.[port] !== b.inputHashes?.[port];
      Private.row(inputs, port, [Private.value(a.inputs?.[port]), Private.value(b.inputs?.[port])], differs);
    }
    sections.push(inputs.section);
    const outputs = Private.section('Outputs', ['port', 'A', 'B']);
    for (const port of Private.ports(a.outputs, b.outputs)) {
      const differs = JSON.stringify(a.outputs?.[port]) !== JSON.stringify(b.outputs?.[port]);
      Private.row(outputs, port, [Private.value(a.outputs?.[port]), Private.value(b.outputs?.[port])], differs);
    }
    sections.push(outputs.section);
    sections.push(Private.timing(a, b));
    this.compare.replaceChildren(...sections);
  }

  private data: IRunsViewData = { v: 1, title: 'Runs', runs: [] };
  private _picked: string[] = [];
  private text = '';
  private state = '';
  private readonly search = document.createElement('input');
  private readonly stateSelect = document.createElement('select');
  private readonly count = document.createElement('span');
  private readonly list = document.createElement('div');
  private readonly compare = document.createElement('div');
}

/** RunsViewRenderer's options. */
export namespace RunsViewRenderer {
  export interface IOptions {
    mimeType: string;
  }
}

namespace Private {
  export function ports(a?: Record<string, unknown>, b?: Record<string, unknown>): string[] {
    return [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort();
  }

  export function section(title: string, columns: string[]): { section: HTMLElement; body: HTMLTableSectionElement } {
    const section = document.createElement('section');
    section.className = CLASS.section;
    const h = document.createElement('h4');
    h.textContent = title;
    const table = document.createElement('table');
    const tr = table.createTHead().insertRow();
    for (const c of columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = c;
      tr.appendChild(th);
    }
    section.append(h, table);
    return { section, body: table.createTBody() };
  }

  export function row(s: { body: HTMLTableSectionElement }, label: string, cells: Node[], differs: boolean): void {
    const tr = s.body.insertRow();
    tr.dataset.port = label;
    if (differs) tr.classList.add(CLASS.differs);
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = differs ? `${label} ≠` : label;
    tr.appendChild(th);
    for (const c of cells) tr.insertCell().appendChild(c);
  }

  export function text(s: string): Node {
    return document.createTextNode(s);
  }

  /**
   * A recorded value by its format: a `rows` table as a table, a file kept for a big output as its
   * path and size, a preview as text, anything else as JSON.
   */
  export function value(v: unknown): Node {
    const el = document.createElement('div');
    el.className = CLASS.value;
    if (v === undefined) return el;
    const o = v as { format?: string; data?: unknown; artifact?: string; size?: number; preview?: string };
    if (o !== null && typeof o === 'object' && typeof o.artifact === 'string') {
      el.textContent = `${o.artifact} (${o.size ?? '?'} bytes, ${o.format ?? ''})`;
      return el;
    }
    if (o !== null && typeof o === 'object' && typeof o.preview === 'string') {
      el.textContent = o.preview;
      return el;
    }
    const data = o !== null && typeof o === 'object' && 'data' in o ? o.data : v;
    const rows = data as { fields?: unknown; rows?: unknown };
    if (rows && typeof rows === 'object' && Array.isArray(rows.fields) && Array.isArray(rows.rows)) {
      const table = document.createElement('table');
      const h = table.createTHead().insertRow();
      for (const f of rows.fields as string[]) h.appendChild(Object.assign(document.createElement('th'), { textContent: f }));
      const body = table.createTBody();
      for (const r of (rows.rows as Array<Record<string, unknown>>).slice(0, 20)) {
        const tr = body.insertRow();
        for (const f of rows.fields as string[]) tr.insertCell().textContent = r[f] === undefined || r[f] === null ? '' : String(r[f]);
      }
      el.appendChild(table);
      return el;
    }
    el.textContent = typeof data === 'string' ? data : JSON.stringify(data);
    return el;
  }

  /** Each run's time as a bar, the longer one full width. */
  export function timing(a: IRunRecord, b: IRunRecord): HTMLElement {
    const section = document.createElement('section');
    section.className = CLASS.section;
    const h = document.createElement('h4');
    h.textContent = 'Timing';
    section.appendChild(h);
    const longest = Math.max(a.elapsed ?? 0, b.elapsed ?? 0, 1);
    for (const [label, r] of [
      ['A', a],
      ['B', b],
    ] as const) {
      const bar = document.createElement('div');
      bar.className = CLASS.bar;
      bar.dataset.run = label;
      const text = document.createElement('span');
      text.textContent = `${label}: ${r.elapsed === undefined ? 'unknown' : `${r.elapsed} ms`}`;
      // The label stands beside its bar, never on it, so it reads on the page's own background.
      const track = document.createElement('div');
      track.className = CLASS.barTrack;
      const fill = document.createElement('div');
      fill.className = CLASS.barFill;
      fill.style.width = `${(100 * (r.elapsed ?? 0)) / longest}%`;
      track.appendChild(fill);
      bar.append(text, track);
      section.appendChild(bar);
    }
    return section;
  }
}
