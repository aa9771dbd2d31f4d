import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { MIME } from '@taskcell/display';
import type { IImageInfo } from '@taskcell/display';

/** The classes of the image renderer's parts (rules in style/base.css). */
export const IMAGE_CLASS = {
  root: 'tc-ImageRenderer',
  bar: 'tc-ImageRenderer-bar',
  zoom: 'tc-ImageRenderer-zoom',
  size: 'tc-ImageRenderer-size',
  frame: 'tc-ImageRenderer-frame',
  image: 'tc-ImageRenderer-image',
  fit: 'tc-mod-fit',
  actual: 'tc-mod-actual',
} as const;

/**
 * Renders `application/vnd.taskcell.image+json`: the image its bundle carries under its own MIME
 * type (PNG, JPEG, GIF, or SVG drawn as an image, so its scripts never run), with two zoom
 * toggles, "Fit" (the default: scaled down to the output's width, never up) and "1:1" (one image
 * pixel per CSS pixel, scrolling when larger), and its size in pixels. Outputs that carry only
 * `image/png` keep JupyterLab's own image renderer.
 */
export class ImageRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: ImageRenderer.IOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(IMAGE_CLASS.root);
    const bar = this.node.appendChild(document.createElement('div'));
    bar.className = IMAGE_CLASS.bar;
    bar.setAttribute('role', 'toolbar');
    bar.setAttribute('aria-label', 'Image zoom');
    for (const [zoom, text, title] of [
      ['fit', 'Fit', 'Scale down to the output width'],
      ['actual', '1:1', 'Actual size: one image pixel per screen pixel'],
    ] as const) {
      const b = bar.appendChild(document.createElement('button'));
      b.className = `${IMAGE_CLASS.zoom} jp-mod-styled`;
      b.dataset.zoom = zoom;
      b.textContent = text;
      b.title = title;
      b.addEventListener('click', () => this.setZoom(zoom));
      this.buttons.push(b);
    }
    this.sizeEl = bar.appendChild(document.createElement('span'));
    this.sizeEl.className = IMAGE_CLASS.size;
    this.frame = this.node.appendChild(document.createElement('div'));
    this.frame.className = IMAGE_CLASS.frame;
    this.img = this.frame.appendChild(document.createElement('img'));
    this.img.className = IMAGE_CLASS.image;
    this.setZoom('fit');
  }

  /** The MIME type this renderer draws. */
  readonly mimeType: string;

  /** The zoom shown: fit to the output's width, or 1:1. */
  get zoom(): ImageRenderer.Zoom {
    return this._zoom;
  }

  /** The image's size in pixels: what the browser decoded, else what the bundle's header said. */
  get pixelSize(): { width: number; height: number } | undefined {
    const { naturalWidth: width, naturalHeight: height } = this.img;
    if (width && height) return { width, height };
    return this.info?.width && this.info.height ? { width: this.info.width, height: this.info.height } : undefined;
  }

  /** Render a model's image; resolves once the browser has decoded it (or failed to). */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const info = model.data[this.mimeType] as unknown as IImageInfo;
    this.info = info;
    const data = model.data[info?.mime];
    if (typeof data !== 'string') {
      this.sizeEl.textContent = `Expected the image under ${String(info?.mime)} in the same output, got ${typeof data}`;
      this.img.removeAttribute('src');
      return;
    }
    // The width Jupyter's metadata asks for, if any, caps the fitted image as JupyterLab's own renderer does.
    const meta = (model.metadata?.[info.mime] ?? {}) as { width?: unknown };
    this.fitWidth = typeof meta.width === 'number' ? meta.width : undefined;
    this.img.alt = info.alt ?? String(model.data[MIME.plain] ?? 'image');
    this.img.src =
      info.mime === MIME.svg ? `data:${info.mime};charset=utf-8,${encodeURIComponent(data)}` : `data:${info.mime};base64,${data}`;
    this.showSize();
    if (typeof this.img.decode === 'function') {
      await this.img.decode().catch(() => undefined);
      this.showSize();
    }
  }

  /** Show the image fitted to the output's width, or at 1:1. */
  setZoom(zoom: ImageRenderer.Zoom): void {
    this._zoom = zoom;
    this.toggleClass(IMAGE_CLASS.fit, zoom === 'fit');
    this.toggleClass(IMAGE_CLASS.actual, zoom === 'actual');
    for (const b of this.buttons) b.setAttribute('aria-pressed', String(b.dataset.zoom === zoom));
    const size = this.pixelSize;
    this.img.style.width = zoom === 'actual' && size ? `${size.width}px` : zoom === 'fit' && this.fitWidth ? `${this.fitWidth}px` : '';
  }

  private showSize(): void {
    const size = this.pixelSize;
    this.sizeEl.textContent = size ? `${size.width} × ${size.height} px` : '';
    this.node.dataset.tcPixelSize = size ? `${size.width}x${size.height}` : '';
    this.setZoom(this._zoom);
  }

  private _zoom: ImageRenderer.Zoom = 'fit';
  private info: IImageInfo | undefined;
  private fitWidth: number | undefined;
  private readonly buttons: HTMLButtonElement[] = [];
  private readonly sizeEl: HTMLElement;
  private readonly frame: HTMLElement;
  private readonly img: HTMLImageElement;
}

/** The ImageRenderer's options and types. */
export namespace ImageRenderer {
  /** How an image renderer is made. */
  export interface IOptions {
    mimeType: string;
  }

  /** `fit`: scaled down to the output's width; `actual`: one image pixel per CSS pixel. */
  export type Zoom = 'fit' | 'actual';
}
