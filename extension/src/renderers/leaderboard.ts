import { Panel, Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { MIME, leaderboardChart, leaderboardTable } from '@taskcell/display';
import type { ILeaderboard } from '@taskcell/display';
import { VegaRenderer } from './vega';

/** The class names of the leaderboard renderer (styled in style/base.css). */
export const CLASS = {
  root: 'tc-Leaderboard',
  title: 'tc-Leaderboard-title',
  table: 'tc-Leaderboard-table',
  header: 'tc-Leaderboard-header',
  row: 'tc-Leaderboard-row',
  toggle: 'tc-Leaderboard-toggle',
  version: 'tc-Leaderboard-version',
  cases: 'tc-Leaderboard-cases',
  chart: 'tc-Leaderboard-chart',
  expanded: 'tc-mod-expanded',
} as const;

/**
 * Renders `application/vnd.taskcell.leaderboard+json`: one line per submission with its rank, version
 * or image digest, rank of ranks and each metric's mean, median and rank; a click on a column
 * header sorts by it (again to reverse); a submission's toggle opens its per-case scores; below, a
 * Vega-Lite chart of each metric's score distribution, drawn by the chart renderer.
 */
export class LeaderboardRenderer extends Panel implements IRenderMime.IRenderer {
  constructor(options: LeaderboardRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(CLASS.root);
    this.addWidget(this.tableWidget);
    this.chart.addClass(CLASS.chart);
    this.addWidget(this.chart);
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** The sort in use: a column and a direction (by rank, ascending, at first). */
  get sort(): { field: string; ascending: boolean } {
    return this._sort;
  }

  /** The submissions in display order. */
  get order(): string[] {
    return this.sorted().map((r) => String(r.submission));
  }

  /** Render a model's leaderboard and its chart. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.board = model.data[this.mimeType] as unknown as ILeaderboard;
    this.expanded.clear();
    this._sort = { field: 'rank', ascending: true };
    this.draw();
    const spec = leaderboardChart(this.board);
    await this.chart.renderModel({ data: { [MIME.vegaLite]: spec as never }, metadata: {}, trusted: true, setData: () => undefined });
  }

  /** Sort by a column of the leaderboard table; the same column again reverses. Empty cells stay last. */
  sortBy(field: string, ascending?: boolean): void {
    this._sort = { field, ascending: ascending ?? !(this._sort.field === field && this._sort.ascending) };
    this.draw();
  }

  /** Open or close a submission's per-case scores. */
  toggle(submission: string): void {
    if (!this.expanded.delete(submission)) this.expanded.add(submission);
    this.draw();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.chart.dispose();
    super.dispose();
  }

  private draw(): void {
    const board = this.board;
    if (!board) return;
    const { fields } = leaderboardTable(board);
    const node = this.tableWidget.node;
    const table = document.createElement('table');
    table.className = CLASS.table;
    const caption = table.createCaption();
    caption.className = CLASS.title;
    caption.textContent = board.title;
    const head = table.createTHead().insertRow();
    for (const f of fields) {
      const th = document.createElement('th');
      th.scope = 'col';
      const button = document.createElement('button');
      button.className = CLASS.header;
      button.textContent = f;
      button.addEventListener('click', () => this.sortBy(f));
      th.appendChild(button);
      if (this._sort.field === f) th.setAttribute('aria-sort', this._sort.ascending ? 'ascending' : 'descending');
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const row of this.sorted()) {
      const submission = String(row.submission);
      const tr = body.insertRow();
      tr.className = CLASS.row;
      tr.dataset.submission = submission;
      const open = this.expanded.has(submission);
      if (open) tr.classList.add(CLASS.expanded);
      for (const f of fields) {
        const td = tr.insertCell();
        if (f === 'submission') {
          const button = document.createElement('button');
          button.className = CLASS.toggle;
          button.setAttribute('aria-expanded', String(open));
          button.title = `${open ? 'Hide' : 'Show'} the per-case scores of ${submission}`;
          button.textContent = `${open ? '▾' : '▸'} ${submission}`;
          button.addEventListener('click', () => this.toggle(submission));
          td.appendChild(button);
        } else {
          td.textContent = Private.cell(row[f]);
          if (f === 'version') td.className = CLASS.version;
        }
      }
      if (open) {
        const detail = body.insertRow();
        detail.className = CLASS.cases;
        const td = detail.insertCell();
        td.colSpan = fields.length;
        td.appendChild(Private.casesTable(board, submission));
      }
    }
    node.replaceChildren(table);
  }

  private sorted(): Array<Record<string, unknown>> {
    if (!this.board) return [];
    const { rows } = leaderboardTable(this.board);
    const { field, ascending } = this._sort;
    const sign = ascending ? 1 : -1;
    return rows
      .map((r, i) => ({ r, i }))
      .sort((a, b) => {
        const ka = a.r[field];
        const kb = b.r[field];
        const ea = ka === null || ka === undefined || ka === '';
        const eb = kb === null || kb === undefined || kb === '';
        if (ea || eb) return ea === eb ? a.i - b.i : ea ? 1 : -1;
        const d = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka).localeCompare(String(kb));
        return sign * d || a.i - b.i;
      })
      .map((x) => x.r);
  }

  private board: ILeaderboard | undefined;
  private readonly tableWidget = new Widget();
  private readonly chart = new VegaRenderer({ mimeType: MIME.vegaLite });
  private readonly expanded = new Set<string>();
  private _sort: { field: string; ascending: boolean } = { field: 'rank', ascending: true };
}

/** LeaderboardRenderer's options. */
export namespace LeaderboardRenderer {
  export interface IOptions {
    mimeType: string;
  }
}

namespace Private {
  export function cell(v: unknown): string {
    return v === null || v === undefined ? '' : String(v);
  }

  /** One submission's scores, one row per case. */
  export function casesTable(board: ILeaderboard, submission: string): HTMLTableElement {
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const f of ['case', ...board.metrics.map((m) => m.name)]) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = f;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const c of board.cases.filter((x) => x.submission === submission)) {
      const tr = body.insertRow();
      tr.insertCell().textContent = c.case;
      for (const m of board.metrics) tr.insertCell().textContent = cell(c.scores[m.name]);
    }
    return table;
  }
}
