import { Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { IRows } from '@taskcell/core';

/** A table as `application/vnd.taskcell.table+json` carries it: core's `table` value in its `rows` format. */
export type ITableData = IRows;

/**
 * Renders `application/vnd.taskcell.table+json`: a header that sorts on click (again to reverse),
 * a body that draws only the rows in view (so 100,000 rows scroll like 100), and a CSV download.
 */
export class TableRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: TableRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.rowHeight = options.rowHeight ?? 24;
    this.maxHeight = options.maxHeight ?? 360;
    this.addClass('tc-TableRenderer');
    this.node.innerHTML =
      '<div class="tc-table-bar"><span class="tc-table-count"></span>' +
      '<button class="tc-table-download jp-mod-styled">Download CSV</button></div>' +
      '<div class="tc-table-scroll"><div class="tc-table-head" role="row"></div>' +
      '<div class="tc-table-spacer"><div class="tc-table-body" role="rowgroup"></div></div></div>';
    this.countEl = this.node.querySelector('.tc-table-count') as HTMLElement;
    this.scrollEl = this.node.querySelector('.tc-table-scroll') as HTMLElement;
    this.headEl = this.node.querySelector('.tc-table-head') as HTMLElement;
    this.spacerEl = this.node.querySelector('.tc-table-spacer') as HTMLElement;
    this.bodyEl = this.node.querySelector('.tc-table-body') as HTMLElement;
    this.scrollEl.addEventListener('scroll', () => this.scheduleDraw(), { passive: true });
    (this.node.querySelector('.tc-table-download') as HTMLElement).addEventListener('click', () => void this.download());
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

  /** Render a model's table. */
  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this.mimeType] as unknown as ITableData;
    this.data = { fields: Array.isArray(data?.fields) ? data.fields : [], rows: Array.isArray(data?.rows) ? data.rows : [] };
    this._order = this.data.rows.map((_, i) => i);
    this._sort = null;
    this.renderHead();
    this.countEl.textContent = `${this.data.rows.length.toLocaleString()} rows × ${this.data.fields.length} columns`;
    this.spacerEl.style.height = `${this.data.rows.length * this.rowHeight}px`;
    this.scrollEl.style.maxHeight = `${this.maxHeight + this.rowHeight}px`;
    this.first = -1;
    this.draw();
    return Promise.resolve();
  }

  /** Sort by `field`; sorting by the same field again reverses. Numbers sort as numbers. */
  sortBy(field: string, ascending?: boolean): void {
    const asc = ascending ?? !(this._sort?.field === field && this._sort.ascending);
    const rows = this.data.rows;
    const key = (i: number): unknown => rows[i][field];
    const sign = asc ? 1 : -1;
    this._order.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const ea = Private.isEmpty(ka);
      const eb = Private.isEmpty(kb);
      // Empty cells stay last in either direction.
      if (ea || eb) return ea === eb ? a - b : ea ? 1 : -1;
      return sign * TableRenderer.compare(ka, kb) || a - b;
    });
    this._sort = { field, ascending: asc };
    this.renderHead();
    this.first = -1;
    this.draw();
  }

  /** The table as CSV (papaparse, loaded on first use), in display order. */
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
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
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

  private renderHead(): void {
    this.headEl.textContent = '';
    this.headEl.style.gridTemplateColumns = this.columns();
    for (const f of this.data.fields) {
      const th = document.createElement('div');
      th.className = 'tc-table-th';
      th.setAttribute('role', 'columnheader');
      th.dataset.field = f;
      const s = this._sort?.field === f ? (this._sort.ascending ? 'ascending' : 'descending') : 'none';
      th.setAttribute('aria-sort', s);
      th.textContent = `${f}${s === 'ascending' ? ' ▲' : s === 'descending' ? ' ▼' : ''}`;
      th.title = `Sort by ${f}`;
      th.addEventListener('click', () => this.sortBy(f));
      this.headEl.appendChild(th);
    }
  }

  private columns(): string {
    return `repeat(${Math.max(1, this.data.fields.length)}, minmax(6em, 1fr))`;
  }

  private scheduleDraw(): void {
    if (this.frame !== 0) return;
    const raf =
      typeof requestAnimationFrame === 'function'
        ? requestAnimationFrame
        : (cb: FrameRequestCallback) => setTimeout(() => cb(0), 16) as unknown as number;
    this.frame = raf(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draw the rows in view plus a margin; nothing when the window has not moved by a row. */
  private draw(): void {
    const n = this.data.rows.length;
    const viewport = this.scrollEl.clientHeight || this.maxHeight;
    const top = Math.max(0, this.scrollEl.scrollTop - this.headEl.offsetHeight);
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
      tr.className = 'tc-table-tr';
      tr.setAttribute('role', 'row');
      tr.style.gridTemplateColumns = cols;
      tr.style.height = `${this.rowHeight}px`;
      for (const f of fields) {
        const td = document.createElement('div');
        td.className = 'tc-table-td';
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

  export function cell(v: unknown): string {
    return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}
