import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { MIME } from '@taskcell/display';

/** What `vega-embed` returns that the renderer keeps: the view to finalize. */
interface IEmbedResult {
  finalize(): void;
}

/** The class names of the chart renderer (styled in style/base.css). */
const CLASS = {
  root: 'tc-VegaRenderer',
} as const;

/** The JupyterLab themes a chart follows. */
type Theme = 'light' | 'dark';

/**
 * Renders Vega-Lite (`application/vnd.vegalite.v6+json`) and Vega (`application/vnd.vega.v6+json`)
 * specs with vega-embed, loaded on first use. The chart follows JupyterLab's light/dark theme: it
 * is embedded again with Vega's dark theme when the theme changes. The chart's menu exports PNG
 * and SVG. The view is finalized when the renderer is disposed or re-rendered.
 */
export class VegaRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: VegaRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(CLASS.root);
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** Render a model's spec in the current theme, and follow later theme changes. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.spec = model.data[this.mimeType] as Record<string, unknown>;
    this.observeTheme();
    await this.embed();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.observer?.disconnect();
    this.observer = undefined;
    this.view?.finalize();
    this.view = undefined;
    super.dispose();
  }

  /** Embed the spec afresh in the theme JupyterLab shows now. */
  private async embed(): Promise<void> {
    const spec = this.spec;
    if (!spec) return;
    const theme = VegaRenderer.currentTheme();
    const embed = (await import('vega-embed')).default;
    if (this.isDisposed || spec !== this.spec) return;
    const host = document.createElement('div');
    const view = (await embed(host, spec as never, {
      mode: this.mimeType === MIME.vega ? 'vega' : 'vega-lite',
      actions: { export: true, source: false, compiled: false, editor: false },
      renderer: 'svg',
      ...(theme === 'dark' ? { theme: 'dark' as const } : {}),
    })) as IEmbedResult;
    // A newer render (another model, or another theme change) may have finished meanwhile.
    if (this.isDisposed || spec !== this.spec || theme !== VegaRenderer.currentTheme()) {
      view.finalize();
      return;
    }
    this.view?.finalize();
    this.view = view;
    this.node.replaceChildren(host);
    this.node.dataset.tcTheme = theme;
  }

  /** Re-embed when JupyterLab switches between light and dark themes (it marks `<body>`). */
  private observeTheme(): void {
    if (this.observer) return;
    this.observer = new MutationObserver(() => {
      if (this.node.dataset.tcTheme !== VegaRenderer.currentTheme()) void this.embed();
    });
    this.observer.observe(document.body, { attributes: true, attributeFilter: [VegaRenderer.THEME_ATTRIBUTE] });
  }

  private spec: Record<string, unknown> | undefined;
  private view: IEmbedResult | undefined;
  private observer: MutationObserver | undefined;
}

/** The VegaRenderer's options and theme helpers. */
export namespace VegaRenderer {
  /** How a chart renderer is made. */
  export interface IOptions {
    mimeType: string;
  }

  /** The attribute JupyterLab sets on `<body>`: `"false"` under a dark theme. */
  export const THEME_ATTRIBUTE = 'data-jp-theme-light';

  /** The theme JupyterLab shows now (as its own Vega renderer reads it). */
  export function currentTheme(): Theme {
    return document.body.dataset.jpThemeLight === 'false' ? 'dark' : 'light';
  }
}
