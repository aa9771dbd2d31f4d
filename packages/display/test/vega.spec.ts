import { MIME, VEGA_LITE_SCHEMA, barChartSpec, vegaBundle } from '@taskcell/display';

describe('vegaBundle', () => {
  const spec = barChartSpec({ a: 1, b: 2 }, { title: 'a <b> c' });
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><g class="mark-rect role-mark"><path d="M0,0h1v1h-1Z"></path></g></svg>';

  it('carries the spec under the Vega-Lite version that draws it, whatever $schema came', () => {
    const b = vegaBundle({ ...spec, $schema: 'https://vega.github.io/schema/vega-lite/v5.json' });
    expect(MIME.vegaLite).toBe('application/vnd.vegalite.v6+json');
    expect(b[MIME.vegaLite]).toMatchObject({ $schema: VEGA_LITE_SCHEMA, mark: 'bar' });
    expect(VEGA_LITE_SCHEMA).toBe('https://vega.github.io/schema/vega-lite/v6.json');
  });

  it('with an SVG, carries it as image/svg+xml and shows it in the HTML fallback', () => {
    const b = vegaBundle(spec, { svg });
    expect(Object.keys(b)).toEqual([MIME.vegaLite, MIME.svg, MIME.html, MIME.plain]);
    expect(b[MIME.svg]).toBe(svg);
    expect(b[MIME.html]).toBe(`<div class="tc-vega" title="[Vega-Lite bar a &lt;b&gt; c, 2 data points]">${svg}</div>`);
    expect(b[MIME.plain]).toBe('[Vega-Lite bar a <b> c, 2 data points]');
  });

  it('without an SVG, falls back to the one-line summary', () => {
    const b = vegaBundle(spec);
    expect(Object.keys(b)).toEqual([MIME.vegaLite, MIME.html, MIME.plain]);
    expect(b[MIME.html]).toBe('<p class="tc-vega">[Vega-Lite bar a &lt;b&gt; c, 2 data points]</p>');
  });
});
