import { randomUUID } from 'node:crypto';
import {
  MIME,
  graphBundle,
  htmlBundle,
  imageBundle,
  imageMetadata,
  markdownBundle,
  tableBundle,
  toBundle,
  treeBundle,
  vegaBundle,
  vegaLiteSpec,
} from '@taskcell/display';
import type { GraphInput, IImageOptions, IMimeBundle, ImageData, IVegaLiteSpec, TableInput } from '@taskcell/display';
import type { INestedTree, IRgbaImage } from '@taskcell/core';
import { core } from './jupyter/core';
import { DISPLAY_SINK } from './jupyter/output';
import type { IDisplaySink } from './jupyter/output';
import { inspectValue, parseTypeSpec, typedBundle } from './typed-bundle';
import { pendingRunOf } from './pending-run';
import { vegaSvg } from './vega-svg';
import { graphSvg } from './graph-svg';

export { inspectValue } from './typed-bundle';

/** The MIME bundle of any value, with Node's inspect as the text form. */
export function bundleOf(value: unknown): IMimeBundle {
  return toBundle(value, { inspect: inspectValue });
}

/** Something that can be shown: a value, or a bundle made by the helpers below. */
export interface IShown {
  data: IMimeBundle;
  metadata?: Record<string, unknown>;
}

/** The `display` function with its helpers. */
export interface IDisplay {
  /**
   * Show any value in the cell's output: its own `Symbol.for("Jupyter.display")` bundle (a run's
   * result shows its job card), a table, or its text; a pending run shows its live card. With a
   * type, the value is rendered as that type and format: `display(text, "tree:newick")`.
   */
  (value: unknown, type?: string): void;
  /** Show HTML (with a text fallback). */
  html(html: string): void;
  /** Show Markdown. */
  markdown(markdown: string): void;
  /** Show a table (rows model or list of row objects). */
  table(table: TableInput): void;
  /** Show a tree (Girder Worker's nested model). */
  tree(tree: INestedTree): void;
  /**
   * Show a graph (the `graph` type's value: nodes and edges, as a task returns it), drawn by the
   * extension, with an SVG drawn here for other frontends (up to 1,000 nodes and 5,000 edges).
   */
  graph(graph: GraphInput): void;
  /** Show an image: a task's `image` value (RGBA pixels, shown as PNG), or encoded bytes or base64. */
  image(image: ImageData | IRgbaImage, options?: IImageOptions): void;
  /** Show a Vega-Lite chart, drawn by the extension, with an SVG rendered here for other frontends. */
  vega(spec: IVegaLiteSpec): void;
  /** Show a raw MIME bundle. */
  bundle(data: IMimeBundle, metadata?: Record<string, unknown>): void;
  /** Clear the cell's output; with `wait`, only when the next output arrives (no flicker). */
  clear(options?: { wait?: boolean }): void;
}

/** A display that updates in place. */
export interface IDisplayHandle extends Omit<IDisplay, 'clear'> {
  /** The Jupyter display id. */
  readonly id: string;
}

/**
 * A display that can be updated in place: the first call shows it, every later call replaces
 * it (`update_display_data`). `const d = newDisplay(); d.html("<b>1</b>"); d.html("<b>2</b>")`.
 */
export function newDisplay(): IDisplayHandle {
  const state = { id: `taskcell-${randomUUID()}`, shown: false };
  const fn = Private.makeDisplay(state) as unknown as IDisplayHandle & { clear?: unknown };
  delete fn.clear;
  Object.defineProperty(fn, 'id', { value: state.id, enumerable: true });
  return fn;
}

/** Where displays go: the kernel's sink, or none outside a kernel. */
export function displaySink(): IDisplaySink | undefined {
  return (globalThis as Record<symbol, unknown>)[DISPLAY_SINK] as IDisplaySink | undefined;
}

namespace Private {
  export function show(data: IMimeBundle, metadata: Record<string, unknown>, state: { id: string; shown: boolean } | undefined): void {
    const s = displaySink();
    if (!s) {
      process.stdout.write(`${String(data[MIME.plain] ?? '')}\n`);
      return;
    }
    if (!state) return s.display(data, metadata);
    s.display(data, metadata, state.id, state.shown);
    state.shown = true;
  }

  /** An image as encoded data: the `image` type's pixels become PNG. */
  export function encoded(img: ImageData | IRgbaImage, options: IImageOptions): [ImageData, IImageOptions] {
    if (typeof img === 'string' || img instanceof Uint8Array) return [img, options];
    return [core().encodePng(img), { mime: 'image/png', ...options }];
  }

  export function makeDisplay(state: { id: string; shown: boolean } | undefined): IDisplay {
    const d = ((value: unknown, type?: string) => {
      const pending = type === undefined && !state ? pendingRunOf(value) : undefined;
      if (pending) return pending.show();
      show(type === undefined ? bundleOf(value) : typedBundle(value, parseTypeSpec(type)), {}, state);
    }) as IDisplay;
    d.html = (s) => show(htmlBundle(s), {}, state);
    d.markdown = (s) => show(markdownBundle(s), {}, state);
    d.table = (t) => show(tableBundle(t), {}, state);
    d.tree = (t) => show(treeBundle(t), {}, state);
    d.graph = (g) => show(graphBundle(g, { svg: graphSvg(g) }), {}, state);
    d.image = (img, options = {}) => {
      const [data, opts] = encoded(img, options);
      show(imageBundle(data, opts), imageMetadata(opts), state);
    };
    d.vega = (spec) => show(vegaBundle(spec, { svg: vegaSvg(vegaLiteSpec(spec)) }), {}, state);
    d.bundle = (data, metadata = {}) => show({ [MIME.plain]: '', ...data }, metadata, state);
    d.clear = (options = {}) => displaySink()?.clear(options.wait ?? false);
    return d;
  }
}

// Below the namespace because it is built by it at load time.
/** Show values in the cell's output. Outside a kernel it prints their text form. */
export const display: IDisplay = Private.makeDisplay(undefined);
