import { escapeHtml } from './html';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/** A Vega-Lite v5 spec (kept loose: the renderer validates it). */
export interface IVegaLiteSpec {
  $schema?: string;
  data?: { values?: unknown[]; [key: string]: unknown };
  [key: string]: unknown;
}

/** The Vega-Lite v5 schema URL. */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** A chart as `application/vnd.vegalite.v5+json`, with a text and HTML summary for frontends without Vega. */
export function vegaBundle(spec: IVegaLiteSpec): IMimeBundle {
  const full = { $schema: VEGA_LITE_SCHEMA, ...spec };
  const title = typeof spec.title === 'string' ? spec.title : 'chart';
  const mark =
    typeof spec.mark === 'string'
      ? spec.mark
      : typeof spec.mark === 'object' && spec.mark
        ? String((spec.mark as { type?: unknown }).type)
        : 'layered';
  const values = spec.data?.values;
  const n = Array.isArray(values) ? values.length : undefined;
  const summary = `[Vega-Lite ${mark} ${title}${n !== undefined ? `, ${n} data points` : ''}]`;
  return { [MIME.vegaLite]: full, [MIME.html]: `<p class="tc-vega">${escapeHtml(summary)}</p>`, [MIME.plain]: summary };
}

/** A bar chart of label/value pairs, the shortest path from a record of numbers to a picture. */
export function barChartSpec(values: Record<string, number>, options: { title?: string; x?: string; y?: string } = {}): IVegaLiteSpec {
  const x = options.x ?? 'label';
  const y = options.y ?? 'value';
  return {
    ...(options.title ? { title: options.title } : {}),
    data: { values: Object.entries(values).map(([k, v]) => ({ [x]: k, [y]: v })) },
    mark: 'bar',
    encoding: { x: { field: x, type: 'nominal', sort: null }, y: { field: y, type: 'quantitative' } },
  };
}
