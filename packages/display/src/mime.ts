/** A Jupyter MIME bundle: MIME type to data (a string, or JSON for `+json` types). */
export interface IMimeBundle {
  [mime: string]: unknown;
}

/** What a display carries besides its data. */
export interface IDisplayMessage {
  data: IMimeBundle;
  metadata: Record<string, unknown>;
}

/** The MIME types taskcell produces. Custom ones are rendered by the JupyterLab extension. */
export const MIME = {
  plain: 'text/plain',
  html: 'text/html',
  markdown: 'text/markdown',
  json: 'application/json',
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  vega: 'application/vnd.vega.v6+json',
  vegaLite: 'application/vnd.vegalite.v6+json',
  table: 'application/vnd.taskcell.table+json',
  tree: 'application/vnd.taskcell.tree+json',
  graph: 'application/vnd.taskcell.graph+json',
  image: 'application/vnd.taskcell.image+json',
  job: 'application/vnd.taskcell.job+json',
  leaderboard: 'application/vnd.taskcell.leaderboard+json',
  runs: 'application/vnd.taskcell.runs+json',
} as const;

/** The key objects implement to choose their own rich display (as in Deno's kernel). */
export const DISPLAY_SYMBOL: unique symbol = Symbol.for('Jupyter.display') as never;

/** An object that renders itself: `[Symbol.for("Jupyter.display")]()` returns its MIME bundle. */
export interface IDisplayable {
  [DISPLAY_SYMBOL](): IMimeBundle;
}

/** True when `value` implements `Symbol.for("Jupyter.display")`. */
export function isDisplayable(value: unknown): value is IDisplayable {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as Record<symbol, unknown>)[DISPLAY_SYMBOL] === 'function'
  );
}
