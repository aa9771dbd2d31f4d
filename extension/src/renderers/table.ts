import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { IRows } from '@taskcell/core';

/** A table as `application/vnd.taskcell.table+json` carries it: core's `table` value in its `rows` format. */
export type ITableData = IRows;

/** The classes of the table renderer's parts (rules in style/base.css). */
export const TABLE_CLASS = {
  root: 'tc-TableRenderer',
  bar: 'tc-TableRenderer-bar',
  count: 'tc-TableRenderer-count',
  download: 'tc-TableRenderer-download',
  scroll: 'tc-TableRenderer-scroll',
  head: 'tc-TableRenderer-head',
  header: 'tc-TableRenderer-header',
  name: 'tc-TableRenderer-name',
  sort: 'tc-TableRenderer-sort',
  badge: 'tc-TableRenderer-badge',
  filter: 'tc-TableRenderer-filter',
  spacer: 'tc-TableRenderer-spacer',
  body: 'tc-TableRenderer-body',
  row: 'tc-TableRenderer-row',
  cell: 'tc-TableRenderer-cell',
  invalid: 'tc-mod-invalid',
} as const;

/**
 * Renders `application/vnd.taskcell.table+json`: a header that sorts on click (again to reverse)
 * and shows each column's type (number, string, boolean, date or mixed, read from the data), a
 * filter under each header (text contains; a comparison or a range for number and date columns),
 * a body that draws only the rows in view (so 100,000 rows scroll like 100), and a CSV download
 * of the rows shown, in their order.
 */
export class TableRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: TableRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.rowHeight = options.rowHeight ?? 24;
    this.maxHeight = options.maxHeight ?? 360;
    this.addClass(TABLE_CLASS.root);
    const C = TABLE_CLASS;
    this.node.innerHTML =
      `<div class="${C.bar}"><span class="${C.count}"></span>` +
      `<button class="${C.download} jp-mod-styled">Download CSV</button></div>` +
      `<div class="${C.scroll}"><div class="${C.head}" role="row"></div>` +
      `<div class="${C.spacer}"><div class="${C.body}" role="rowgroup"></div></div></div>`;
    const q = (c: string): HTMLElement => this.node.querySelector(`.${c}`) as HTMLElement;
    this.countEl = q(C.count);
    this.scrollEl = q(C.scroll);
    this.headEl = q(C.head);
    this.spacerEl = q(C.spacer);
    this.bodyEl = q(C.body);
    this.scrollEl.addEventListener('scroll', () => this.scheduleDraw(), { passive: true });
    q(C.download).addEventListener('click', () => void this.download());
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** The row indexes in display order. */
  get order(): readonly number[] {
    return this._order;
  }

  /** The sort in use: a field and a direction, or none. */
  get sort(): { field: string; ascending: boolean } | null {
    return this._sort;
  }

  /** Each column's type, as read from its values. */
  get types(): Readonly<Record<string, TableRenderer.ColumnType>> {
    return this._types;
  }

  /** Render a model's table: every row, unsorted and unfiltered. */
  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this.mimeType] as unknown as ITableData;
    this.data = { fields: Array.isArray(data?.fields) ? data.fields : [], rows: Array.isArray(data?.rows) ? data.rows : [] };
    const { fields, rows } = this.data;
    this._types = Object.fromEntries(fields.map((f) => [f, TableRenderer.columnType(rows, f)]));
    this._sort = null;
    this.filters = new Map();
    this.renderHead();
    this.scrollEl.style.maxHeight = `${this.maxHeight + 2 * this.rowHeight}px`;
    this.apply();
    return Promise.resolve();
  }

  /** Sort by `field`; sorting by the same field again reverses. Numbers sort as numbers. */
  sortBy(field: string, ascending?: boolean): void {
    const asc = ascending ?? !(this._sort?.field === field && this._sort.ascending);
    this._sort = { field, ascending: asc };
    this.updateSortMarks();
    this.apply();
  }

  /**
   * Filter `field` by `text` (empty clears it): a case-insensitive "contains", or for number and
   * date columns a comparison (`>10`, `<=2024-06-30`, `!=0`, `=3`) or a range (`1..5`, `..5`,
   * `3..`). Returns the error when the text is not a filter for that column; the column is then
   * left unfiltered.
   */
  filter(field: string, text: string): TableRenderer.FilterError | undefined {
    const parsed = TableRenderer.parseFilter(text, this._types[field] ?? 'string');
    const input = [...this.headEl.querySelectorAll<HTMLInputElement>(`.${TABLE_CLASS.filter}`)].find((i) => i.dataset.filter === field);
    if (input && input.value !== text) input.value = text;
    const error = parsed instanceof TableRenderer.FilterError ? parsed : undefined;
    if (input) {
      input.classList.toggle(TABLE_CLASS.invalid, Boolean(error));
      input.setAttribute('aria-invalid', String(Boolean(error)));
      input.title = error ? error.message : Private.filterHint(this._types[field] ?? 'string');
    }
    if (error || parsed === null) this.filters.delete(field);
    else this.filters.set(field, parsed as TableRenderer.RowTest);
    this.apply();
    return error;
  }

  /** The rows shown (filtered) as CSV (papaparse, loaded on first use), in display order. */
  async toCSV(): Promise<string> {
    const Papa = await import('papaparse');
    const { fields, rows } = this.data;
    const unparse = (Papa.unparse ?? (Papa as unknown as { default: typeof Papa }).default.unparse) as typeof Papa.unparse;
    return unparse({ fields, data: this._order.map((i) => fields.map((f) => Private.cell(rows[i][f]))) });
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.first = -1;
    this.draw();
  }

  protected override onBeforeDetach(msg: Message): void {
    Private.cancel(this.frame);
    Private.cancel(this.filterFrame);
    this.frame = 0;
    this.filterFrame = 0;
    super.onBeforeDetach(msg);
  }

  private async download(): Promise<void> {
    const csv = await this.toCSV();
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'table.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /** The rows that pass every filter, in the sort's order. */
  private apply(): void {
    const rows = this.data.rows;
    const tests = [...this.filters].map(
      ([f, test]) =>
        (row: Record<string, unknown>) =>
          test(row[f]),
    );
    const order: number[] = [];
    for (let i = 0; i < rows.length; i++) if (tests.every((t) => t(rows[i]))) order.push(i);
    if (this._sort) {
      const { field, ascending } = this._sort;
      const sign = ascending ? 1 : -1;
      order.sort((a, b) => {
        const ka = rows[a][field];
        const kb = rows[b][field];
        const ea = Private.isEmpty(ka);
        const eb = Private.isEmpty(kb);
        // Empty cells stay last in either direction.
        if (ea || eb) return ea === eb ? a - b : ea ? 1 : -1;
        return sign * TableRenderer.compare(ka, kb) || a - b;
      });
    }
    this._order = order;
    const n = rows.length.toLocaleString();
    const shown = order.length === rows.length ? n : `${order.length.toLocaleString()} of ${n}`;
    this.countEl.textContent = `${shown} rows × ${this.data.fields.length} columns`;
    this.spacerEl.style.height = `${order.length * this.rowHeight}px`;
    this.first = -1;
    this.draw();
  }

  private renderHead(): void {
    this.headEl.textContent = '';
    this.headEl.style.gridTemplateColumns = this.columns();
    const C = TABLE_CLASS;
    const filters: HTMLElement[] = [];
    for (const f of this.data.fields) {
      const type = this._types[f];
      const th = this.headEl.appendChild(document.createElement('div'));
      th.className = C.header;
      th.setAttribute('role', 'columnheader');
      th.dataset.field = f;
      th.title = `Sort by ${f} (${type})`;
      th.innerHTML = `<span class="${C.name}"></span><span class="${C.sort}" aria-hidden="true"></span><span class="${C.badge}"></span>`;
      (th.firstChild as HTMLElement).textContent = f;
      const badge = th.lastChild as HTMLElement;
      badge.textContent = type;
      badge.dataset.type = type;
      th.addEventListener('click', () => this.sortBy(f));
      const input = document.createElement('input');
      input.className = C.filter;
      input.type = 'search';
      input.dataset.filter = f;
      input.placeholder = type === 'number' || type === 'date' ? Private.RANGE_PLACEHOLDER[type] : 'contains…';
      input.title = Private.filterHint(type);
      input.setAttribute('aria-label', `Filter ${f}`);
      input.addEventListener('input', () => this.scheduleFilter(f, input));
      filters.push(input);
    }
    // Filters make the header's second grid row, one under each column.
    for (const input of filters) this.headEl.appendChild(input);
    this.updateSortMarks();
  }

  private updateSortMarks(): void {
    const sort = this._sort;
    for (const th of this.headEl.querySelectorAll<HTMLElement>(`.${TABLE_CLASS.header}`)) {
      const s = sort && sort.field === th.dataset.field ? (sort.ascending ? 'ascending' : 'descending') : 'none';
      th.setAttribute('aria-sort', s);
      (th.querySelector(`.${TABLE_CLASS.sort}`) as HTMLElement).textContent = s === 'ascending' ? '▲' : s === 'descending' ? '▼' : '';
    }
  }

  /** Filter once per frame while the user types. */
  private scheduleFilter(field: string, input: HTMLInputElement): void {
    this.pendingFilters.set(field, input);
    if (this.filterFrame !== 0) return;
    this.filterFrame = Private.raf(() => {
      this.filterFrame = 0;
      const pending = [...this.pendingFilters];
      this.pendingFilters.clear();
      for (const [f, el] of pending) this.filter(f, el.value);
    });
  }

  private columns(): string {
    return `repeat(${Math.max(1, this.data.fields.length)}, minmax(6em, 1fr))`;
  }

  private scheduleDraw(): void {
    if (this.frame !== 0) return;
    this.frame = Private.raf(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draw the rows in view plus a margin; nothing when the window has not moved by a row. */
  private draw(): void {
    const viewport = this.scrollEl.clientHeight || this.maxHeight;
    const top = Math.max(0, this.scrollEl.scrollTop - this.headEl.offsetHeight);
    const n = this._order.length;
    const first = Math.max(0, Math.floor(top / this.rowHeight) - Private.MARGIN);
    const count = Math.min(n - first, Math.ceil(viewport / this.rowHeight) + 2 * Private.MARGIN);
    if (first === this.first && count === this.count) return;
    this.first = first;
    this.count = count;
    const { fields, rows } = this.data;
    const frag = document.createDocumentFragment();
    const cols = this.columns();
    for (let k = 0; k < count; k++) {
      const row = rows[this._order[first + k]];
      const tr = document.createElement('div');
      tr.className = TABLE_CLASS.row;
      tr.setAttribute('role', 'row');
      tr.style.gridTemplateColumns = cols;
      tr.style.height = `${this.rowHeight}px`;
      for (const f of fields) {
        const td = document.createElement('div');
        td.className = TABLE_CLASS.cell;
        td.setAttribute('role', 'cell');
        td.textContent = Private.cell(row[f]);
        tr.appendChild(td);
      }
      frag.appendChild(tr);
    }
    this.bodyEl.style.transform = `translateY(${first * this.rowHeight}px)`;
    this.bodyEl.replaceChildren(frag);
  }

  private data: ITableData = { fields: [], rows: [] };
  private _order: number[] = [];
  private _sort: { field: string; ascending: boolean } | null = null;
  private _types: Record<string, TableRenderer.ColumnType> = {};
  private filters = new Map<string, TableRenderer.RowTest>();
  private readonly pendingFilters = new Map<string, HTMLInputElement>();
  private filterFrame = 0;
  private first = -1;
  private count = 0;
  private frame = 0;
  private readonly rowHeight: number;
  private readonly maxHeight: number;
  private readonly countEl: HTMLElement;
  private readonly scrollEl: HTMLElement;
  private readonly headEl: HTMLElement;
  private readonly spacerEl: HTMLElement;
  private readonly bodyEl: HTMLElement;
}

/** The TableRenderer's options and helpers. */
export namespace TableRenderer {
  /** How a table renderer is made. */
  export interface IOptions {
    mimeType: string;
    /** Pixels per row (default 24). */
    rowHeight?: number;
    /** Pixels of rows shown before the table scrolls (default 360). */
    maxHeight?: number;
  }

  /** A column's type, read from its non-empty values; `mixed` when they are of more than one. */
  export type ColumnType = 'number' | 'string' | 'boolean' | 'date' | 'mixed';

  /** Whether a cell passes a column's filter. */
  export type RowTest = (value: unknown) => boolean;

  /** A filter's text that is not a filter for its column: says what was expected and what came. */
  export class FilterError extends Error {
    /** The stable code of this kind of error. */
    readonly code = 'taskcell:table-filter';

    constructor(
      message: string,
      readonly context: { type: ColumnType; text: string },
    ) {
      super(message);
      this.name = 'FilterError';
    }
  }

  /**
   * The type of column `field`: number (numbers, or text that reads as one, as CSV gives), boolean
   * (true/false), date (ISO 8601 dates and times), string, or mixed. Empty cells do not count; a
   * column of empty cells is a string column.
   */
  export function columnType(rows: ReadonlyArray<Record<string, unknown>>, field: string): ColumnType {
    let type: ColumnType | undefined;
    for (const row of rows) {
      const v = row[field];
      if (Private.isEmpty(v)) continue;
      const t = Private.kind(v);
      if (type === undefined) type = t;
      else if (type !== t) return 'mixed';
    }
    return type ?? 'string';
  }

  /**
   * The test a filter's text stands for in a column of `type`, null for empty text, or the error.
   * Text columns: contains, ignoring case. Number and date columns: `>x`, `>=x`, `<x`, `<=x`,
   * `=x`, `!=x`, or a range `a..b` (both ends included, either may be left out); in a number
   * column a bare number means `=`, in a date column bare text means contains.
   */
  export function parseFilter(text: string, type: ColumnType): RowTest | FilterError | null {
    const t = text.trim();
    if (!t) return null;
    if (type === 'number' || type === 'date') {
      const comparison = Private.comparison(t, type);
      if (comparison) return comparison;
      if (type === 'date' && !/^[<>=!.]/.test(t)) return Private.contains(t);
      return new FilterError(`Expected ${Private.EXPECTED[type]} for a ${type} column, got \`${t}\``, { type, text: t });
    }
    return Private.contains(t);
  }

  /** Sort order of two cells: empty last, numbers by value, the rest as text in natural order. */
  export function compare(a: unknown, b: unknown): number {
    const ea = Private.isEmpty(a);
    const eb = Private.isEmpty(b);
    if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const na = Number(a);
    const nb = Number(b);
    if (typeof a !== 'boolean' && typeof b !== 'boolean' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    return Private.collator.compare(String(a), String(b));
  }
}

namespace Private {
  /** Rows drawn above and below the viewport. */
  export const MARGIN = 8;

  export function isEmpty(v: unknown): boolean {
    return v === undefined || v === null || v === '';
  }

  export const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

  /** What the filter of a number or date column accepts, for its errors. */
  export const EXPECTED = {
    number: 'a number, a comparison such as >10 or <=3, or a range such as 1..5',
    date: 'a comparison such as >=2024-01-01, or a range such as 2024-01-01..2024-06-30',
  } as const;

  /** Placeholders of the filters of number and date columns. */
  export const RANGE_PLACEHOLDER = { number: '>10, 1..5', date: '>=2024-01-01' } as const;

  /** What a filter of a column of `type` accepts, for its tooltip. */
  export function filterHint(type: TableRenderer.ColumnType): string {
    return type === 'number' || type === 'date'
      ? `Filter: a comparison (> >= < <= = !=) or a range a..b${type === 'date' ? ', or text the date contains' : ''}`
      : 'Filter: rows whose text contains this (ignoring case)';
  }

  /** Call `cb` on the next frame (or soon, where there are no frames). */
  export function raf(cb: () => void): number {
    return typeof requestAnimationFrame === 'function' ? requestAnimationFrame(cb) : (setTimeout(cb, 16) as unknown as number);
  }

  /** Cancel a callback from `raf` (0 is none). */
  export function cancel(id: number): void {
    if (id === 0) return;
    if (typeof cancelAnimationFrame === 'function') cancelAnimationFrame(id);
    else clearTimeout(id);
  }

  const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

  export function kind(v: unknown): TableRenderer.ColumnType {
    if (typeof v === 'number') return 'number';
    if (typeof v === 'boolean') return 'boolean';
    if (v instanceof Date) return 'date';
    if (typeof v !== 'string') return 'string';
    const t = v.trim();
    if (t !== '' && Number.isFinite(Number(t))) return 'number';
    if (/^(true|false)$/i.test(t)) return 'boolean';
    if (ISO_DATE.test(t) && Number.isFinite(Date.parse(t))) return 'date';
    return 'string';
  }

  /** A cell's value as a number or a time, for comparisons; NaN when it is neither. */
  function value(v: unknown, type: 'number' | 'date'): number {
    if (isEmpty(v)) return NaN;
    if (type === 'number') return typeof v === 'number' ? v : Number(String(v).trim());
    return v instanceof Date ? v.getTime() : Date.parse(String(v));
  }

  export function comparison(t: string, type: 'number' | 'date'): TableRenderer.RowTest | undefined {
    const operand = (s: string): number | undefined => {
      const x = s.trim();
      if (!x) return undefined;
      const n = type === 'number' ? Number(x) : ISO_DATE.test(x) ? Date.parse(x) : NaN;
      return Number.isFinite(n) ? n : undefined;
    };
    const range = /^(.*?)\.\.(.*)$/.exec(t);
    if (range) {
      const lo = operand(range[1]);
      const hi = operand(range[2]);
      if ((range[1].trim() && lo === undefined) || (range[2].trim() && hi === undefined) || (lo === undefined && hi === undefined))
        return undefined;
      return (v) => {
        const x = value(v, type);
        return !Number.isNaN(x) && (lo === undefined || x >= lo) && (hi === undefined || x <= hi);
      };
    }
    const m = /^(>=|<=|!=|>|<|=)?(.*)$/.exec(t)!;
    const op = m[1] ?? '=';
    if (!m[1] && type === 'date') return undefined;
    const y = operand(m[2]);
    if (y === undefined) return undefined;
    const test: Record<string, (x: number) => boolean> = {
      '>': (x) => x > y,
      '>=': (x) => x >= y,
      '<': (x) => x < y,
      '<=': (x) => x <= y,
      '=': (x) => x === y,
      '!=': (x) => x !== y,
    };
    return (v) => {
      const x = value(v, type);
      return !Number.isNaN(x) && test[op](x);
    };
  }

  export function contains(t: string): TableRenderer.RowTest {
    const needle = t.toLowerCase();
    return (v) => cell(v).toLowerCase().includes(needle);
  }

  export function cell(v: unknown): string {
    return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}
