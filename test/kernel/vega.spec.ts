import { KernelClient } from './client';
import type { IMsg } from './client';

const of = (iopub: IMsg[], type: string): IMsg[] => iopub.filter((m) => m.header.msg_type === type);

/** The bars of a Vega SVG: the paths inside its `mark-rect` group. */
function bars(svg: string): number {
  const group = /<g [^>]*class="mark-rect role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(svg);
  return group ? (group[1].match(/<path[ >]/g) ?? []).length : 0;
}

describe('display.vega over the kernel protocol', () => {
  const k = new KernelClient();
  beforeAll(() => k.start());
  afterAll(() => k.close());

  const chart = [
    'import { display } from "taskcell";',
    'display.vega({',
    '  title: "word counts",',
    '  data: { values: [{ word: "the", count: 3 }, { word: "cat", count: 1 }, { word: "sat", count: 2 }] },',
    '  mark: "bar",',
    '  encoding: { x: { field: "word", type: "nominal" }, y: { field: "count", type: "quantitative" } },',
    '});',
    'display.html("<b>after</b>");',
  ].join('\n');

  it('sends the Vega-Lite v6 spec with an SVG of the chart rendered in the kernel, in the order of the cell', async () => {
    const { reply, iopub } = await k.execute(chart);
    expect(reply.content.status).toBe('ok');
    const shown = of(iopub, 'display_data').map((m) => m.content.data as Record<string, unknown>);
    expect(shown.map((d) => Object.keys(d))).toEqual([
      ['application/vnd.vegalite.v6+json', 'image/svg+xml', 'text/html', 'text/plain'],
      ['text/html', 'text/plain'],
    ]);
    const data = shown[0];
    expect(data['application/vnd.vegalite.v6+json']).toMatchObject({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      mark: 'bar',
    });
    const svg = String(data['image/svg+xml']);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(bars(svg)).toBe(3);
    expect(svg).toContain('word counts');
    expect(String(data['text/html'])).toContain(svg);
    expect(data['text/plain']).toBe('[Vega-Lite bar word counts, 3 data points]');
  });

  it('replaces an older $schema with the one of the Vega-Lite that draws it', async () => {
    const { iopub } = await k.execute(
      'display.vega({ $schema: "https://vega.github.io/schema/vega-lite/v5.json", mark: "point", data: { values: [{ a: 1 }] }, encoding: { x: { field: "a", type: "quantitative" } } });',
    );
    const data = of(iopub, 'display_data')[0].content.data as Record<string, Record<string, unknown>>;
    expect(data['application/vnd.vegalite.v6+json'].$schema).toBe('https://vega.github.io/schema/vega-lite/v6.json');
  });

  it('fails the cell with a ValidationError naming the reason when the spec does not render, and renders the next chart', async () => {
    const { reply, iopub } = await k.execute('display.vega({ mark: "nonsense", data: { values: [] } });');
    expect(reply.content).toMatchObject({ status: 'error' });
    expect(String(reply.content.ename)).toContain('ValidationError');
    expect(String(reply.content.evalue)).toMatch(/^Expected a Vega-Lite spec that renders, got one that fails: /);
    expect(of(iopub, 'display_data')).toHaveLength(0);
    // The renderer carries on after a failure.
    const again = await k.execute(chart);
    expect(bars(String((of(again.iopub, 'display_data')[0].content.data as Record<string, unknown>)['image/svg+xml']))).toBe(3);
  });
});
