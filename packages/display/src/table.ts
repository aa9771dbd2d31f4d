import type { IRows } from '@taskcell/core';
import { escapeHtml } from './html';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/** What `tableBundle` accepts: Girder Worker's rows model, or a list of row objects. */
export type TableInput = IRows | Array<Record<string, unknown>>;

/** How many rows the text and HTML fallbacks show; the custom MIME type carries them all. */
export const TABLE_PREVIEW_ROWS = 50;

/** True when `value` looks like Girder Worker's rows model `{fields, rows}`. */
export function isRows(value: unknown): value is IRows {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<IRows>;
  return Array.isArray(v.fields) && v.fields.every((f) => typeof f === 'string') && Array.isArray(v.rows);
}

/** Normalize a table to `{fields, rows}`; fields are the union of the row keys in order of first use. */
export function toRows(table: TableInput): IRows {
  if (isRows(table)) return table;
  const fields: string[] = [];
  const known = new Set<string>();
  for (const row of table) {
    for (const k of Object.keys(row)) {
      if (!known.has(k)) {
        known.add(k);
        fields.push(k);
      }
    }
  }
  return { fields, rows: table };
}

/** A table as `application/vnd.taskcell.table+json` with HTML and text fallbacks. */
export function tableBundle(table: TableInput): IMimeBundle {
  const { fields, rows } = toRows(table);
  const shown = rows.slice(0, TABLE_PREVIEW_ROWS);
  const cell = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const more = rows.length > shown.length ? rows.length - shown.length : 0;
  const html = [
    '<table class="tc-table">',
    `<thead><tr>${fields.map((f) => `<th>${escapeHtml(f)}</th>`).join('')}</tr></thead>`,
    `<tbody>${shown.map((r) => `<tr>${fields.map((f) => `<td>${escapeHtml(cell(r[f]))}</td>`).join('')}</tr>`).join('')}</tbody>`,
    '</table>',
    more ? `<p>${more} more rows</p>` : '',
  ].join('');
  const widths = fields.map((f) => Math.min(40, Math.max(f.length, ...shown.map((r) => cell(r[f]).length))));
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => v.slice(0, widths[i]).padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  const text = [line(fields), widths.map((w) => '-'.repeat(w)).join('-|-'), ...shown.map((r) => line(fields.map((f) => cell(r[f]))))];
  if (more) text.push(`... ${more} more rows`);
  return {
    [MIME.table]: { fields, rows },
    [MIME.html]: html,
    [MIME.plain]: text.join('\n'),
  };
}
