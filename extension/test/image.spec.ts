/**
 * @jest-environment jsdom
 */
import './dom-setup';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { MIME, imageBundle } from '@taskcell/display';
import { IMAGE_CLASS, ImageRenderer } from '@taskcell/jupyterlab';

function mimeModel(data: Record<string, unknown>, metadata: Record<string, unknown> = {}): IRenderMime.IMimeModel {
  return { data, metadata, trusted: true, setData: () => undefined } as unknown as IRenderMime.IMimeModel;
}

/** The first 24 bytes of a PNG of `w`×`h` pixels: enough for its size. */
function pngHeader(w: number, h: number): Uint8Array {
  const b = new Uint8Array(24);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, w);
  new DataView(b.buffer).setUint32(20, h);
  return b;
}

describe('ImageRenderer', () => {
  it('shows the image fitted by default with its pixel size, and toggles to 1:1 and back', async () => {
    const r = new ImageRenderer({ mimeType: MIME.image });
    await r.renderModel(mimeModel(imageBundle(pngHeader(1600, 900), { alt: 'wide' })));
    const img = r.node.querySelector(`.${IMAGE_CLASS.image}`) as HTMLImageElement;
    expect(img.src).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(img.alt).toBe('wide');
    expect(r.node.querySelector(`.${IMAGE_CLASS.size}`)!.textContent).toBe('1600 × 900 px');
    expect(r.zoom).toBe('fit');
    expect(r.hasClass(IMAGE_CLASS.fit)).toBe(true);
    expect(img.style.width).toBe('');
    const [fit, actual] = [...r.node.querySelectorAll<HTMLButtonElement>(`.${IMAGE_CLASS.zoom}`)];
    expect([fit.textContent, fit.getAttribute('aria-pressed'), actual.textContent, actual.getAttribute('aria-pressed')]).toEqual([
      'Fit',
      'true',
      '1:1',
      'false',
    ]);
    actual.click();
    expect(r.zoom).toBe('actual');
    expect([r.hasClass(IMAGE_CLASS.actual), r.hasClass(IMAGE_CLASS.fit)]).toEqual([true, false]);
    expect(img.style.width).toBe('1600px');
    expect(actual.getAttribute('aria-pressed')).toBe('true');
    fit.click();
    expect(img.style.width).toBe('');
    expect(fit.getAttribute('aria-pressed')).toBe('true');
    r.dispose();
  });

  it("draws SVG as an image, fits to Jupyter's metadata width, and names a missing entry", async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><script>alert(1)</script></svg>';
    const r = new ImageRenderer({ mimeType: MIME.image });
    await r.renderModel(mimeModel(imageBundle(svg), { [MIME.svg]: { width: 20 } }));
    const img = r.node.querySelector('img') as HTMLImageElement;
    expect(img.src.startsWith('data:image/svg+xml;charset=utf-8,%3Csvg')).toBe(true);
    expect(r.node.querySelector('script')).toBeNull();
    expect(img.style.width).toBe('20px');
    expect(r.node.querySelector(`.${IMAGE_CLASS.size}`)!.textContent).toBe('40 × 30 px');
    await r.renderModel(mimeModel({ [MIME.image]: { mime: MIME.png } }));
    expect(r.node.querySelector(`.${IMAGE_CLASS.size}`)!.textContent).toBe(
      'Expected the image under image/png in the same output, got undefined',
    );
    r.dispose();
  });
});
