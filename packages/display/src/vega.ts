import { escapeHtml } from './html';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/** A Vega-Lite spec (kept loose: the renderer validates it). */
export interface IVegaLiteSpec {
  $schema?: string;
  data?: { values?: unknown[]; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * The Vega-Lite schema URL the bundle's spec carries. Its major version is the one of the
 * `vega-lite` that draws it (in the extension) and renders its static image (in the kernel), so
 * vega-embed sees no version mismatch.
 */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** What a chart's bundle carries besides its spec. */
export interface IVegaBundleOptions {
  /** The chart as an SVG document, rendered ahead (by the kernel) for frontends without Vega. */
  svg?: string;
}

/** A one-line description of a chart: mark, title and number of inline data points. */
export function vegaSummary(spec: IVegaLiteSpec): string {
  const title = typeof spec.title === 'string' ? spec.title : 'chart';
  const mark =
    typeof spec.mark === 'string'
      ? spec.mark
      : typeof spec.mark === 'object' && spec.mark
        ? String((spec.mark as { type?: unknown }).type)
        : 'layered';
  const values = spec.data?.values;
  const n = Array.isArray(values) ? values.length : undefined;
  return `[Vega-Lite ${mark} ${title}${n !== undefined ? `, ${n} data points` : ''}]`;
}

/** The spec with the schema this package's MIME type stands for (a spec's own `$schema` is replaced). */
export function vegaLiteSpec(spec: IVegaLiteSpec): IVegaLiteSpec {
  return { ...spec, $schema: VEGA_LITE_SCHEMA };
}

/**
 * A chart as `application/vnd.vegalite.v6+json`. With `svg`, the bundle also carries it as
 * `image/svg+xml` and the HTML fallback shows it, so nbconvert and other frontends without Vega
 * show the chart; without, they show a one-line summary.
 */
export function vegaBundle(spec: IVegaLiteSpec, options: IVegaBundleOptions = {}): IMimeBundle {
  const summary = vegaSummary(spec);
  const bundle: IMimeBundle = { [MIME.vegaLite]: vegaLiteSpec(spec) };
  if (options.svg) {
    bundle[MIME.svg] = options.svg;
    bundle[MIME.html] = `<div class="tc-vega" title="${escapeHtml(summary)}">${options.svg}</div>`;
  } else {
    bundle[MIME.html] = `<p class="tc-vega">${escapeHtml(summary)}</p>`;
  }
  bundle[MIME.plain] = summary;
  return bundle;
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
