/**
 * @jest-environment jsdom
 */
import './dom-setup';
import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { MIME, createJobView, applyJobEvent, imageBundle, tableBundle, textBundle, treeBundle } from '@taskcell/display';
import { GraphRenderer, JobViewRenderer, TableRenderer } from '@taskcell/jupyterlab';
import { LAYERED_MAX_NODES, attributeLines, isAcyclic, layoutKind, viewGraph } from '../src/renderers/graph-layout';
import { ev } from './events';

function mimeModel(data: Record<string, unknown>): IRenderMime.IMimeModel {
  return { data, metadata: {}, trusted: true, setData: () => undefined } as unknown as IRenderMime.IMimeModel;
}

describe('TableRenderer', () => {
  const cells = (r: TableRenderer): string[][] =>
    [...r.node.querySelectorAll('.tc-TableRenderer-row')].map((tr) =>
      [...tr.querySelectorAll('.tc-TableRenderer-cell')].map((td) => td.textContent ?? ''),
    );

  it('renders a table bundle and sorts numbers as numbers, text naturally, empty cells last', async () => {
    const r = new TableRenderer({ mimeType: MIME.table });
    const bundle = tableBundle([
      { name: 'b10', n: 10 },
      { name: 'b2', n: 2 },
      { name: 'a', n: null },
      { name: 'c', n: 33 },
    ]);
    await r.renderModel(mimeModel(bundle));
    Widget.attach(r, document.body);
    expect([...r.node.querySelectorAll('.tc-TableRenderer-name')].map((th) => th.textContent)).toEqual(['name', 'n']);
    expect(cells(r).map((c) => c[0])).toEqual(['b10', 'b2', 'a', 'c']);
    (r.node.querySelector('[data-field="n"]') as HTMLElement).click();
    expect(cells(r).map((c) => c[1])).toEqual(['2', '10', '33', '']);
    expect(r.node.querySelector('[data-field="n"]')!.getAttribute('aria-sort')).toBe('ascending');
    (r.node.querySelector('[data-field="n"]') as HTMLElement).click();
    expect(cells(r).map((c) => c[1])).toEqual(['33', '10', '2', '']);
    r.sortBy('name', true);
    expect(cells(r).map((c) => c[0])).toEqual(['a', 'b2', 'b10', 'c']);
    expect(await r.toCSV()).toBe('name,n\r\na,\r\nb2,2\r\nb10,10\r\nc,33');
    r.dispose();
  });

  it('draws only the rows in view of 100,000, and follows the scroll', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => ({ i, sq: i * i }));
    const r = new TableRenderer({ mimeType: MIME.table, rowHeight: 20, maxHeight: 200 });
    await r.renderModel(mimeModel({ [MIME.table]: { fields: ['i', 'sq'], rows } }));
    Widget.attach(r, document.body);
    expect(r.node.querySelector('.tc-TableRenderer-count')!.textContent).toContain('100,000 rows');
    expect((r.node.querySelector('.tc-TableRenderer-spacer') as HTMLElement).style.height).toBe('2000000px');
    const drawn = r.node.querySelectorAll('.tc-TableRenderer-row');
    expect(drawn.length).toBeLessThan(40);
    const scroll = r.node.querySelector('.tc-TableRenderer-scroll') as HTMLElement;
    scroll.scrollTop = 20 * 50_000;
    scroll.dispatchEvent(new Event('scroll'));
    await new Promise((res) => setTimeout(res, 40));
    const first = cells(r).map((c) => Number(c[0]));
    expect(first.length).toBeLessThan(40);
    expect(first[0]).toBeGreaterThan(49_900);
    expect(first[0]).toBeLessThanOrEqual(50_000);
    r.sortBy('i', false);
    scroll.scrollTop = 0;
    scroll.dispatchEvent(new Event('scroll'));
    await new Promise((res) => setTimeout(res, 40));
    expect(cells(r)[0][0]).toBe('99999');
    r.dispose();
  });
});

describe('JobViewRenderer', () => {
  it('updates in place as the kernel updates the display', async () => {
    const r = new JobViewRenderer({ mimeType: MIME.job });
    const view = createJobView('w', 'tour');
    applyJobEvent(view, ev('w', { state: 'RUNNING', dag: { steps: ['a', 'b'], edges: [['a', 'b']] } }));
    applyJobEvent(view, ev('w', { kind: 'progress', progress: { current: 1, total: 4, message: 'one' } }));
    await r.renderModel(mimeModel({ [MIME.job]: { ...view } }));
    const bar = r.node.querySelector('.tc-JobViewRenderer-progressBar') as HTMLElement;
    expect(bar.style.width).toBe('25%');
    expect(r.node.querySelector('.tc-JobViewRenderer-state')!.textContent).toBe('RUNNING');
    applyJobEvent(view, ev('a1', { parentId: 'w', step: 'a', state: 'SUCCESS' }));
    applyJobEvent(view, ev('w', { kind: 'progress', progress: { current: 4, total: 4 } }));
    applyJobEvent(view, ev('w', { state: 'SUCCESS', elapsed: 2500 }));
    await r.renderModel(mimeModel({ [MIME.job]: { ...view } }));
    expect(r.node.querySelector('.tc-JobViewRenderer-progressBar')).toBe(bar);
    expect(bar.style.width).toBe('100%');
    expect(r.node.dataset.state).toBe('SUCCESS');
    expect(r.node.querySelector('.tc-JobViewRenderer-elapsed')!.textContent).toBe('2.5 s');
    expect([...r.node.querySelectorAll('.tc-JobViewRenderer-steps li')].map((li) => li.textContent)).toEqual(['SUCCESS a', 'INACTIVE b']);
  });
});

describe('JobViewRenderer with outputs', () => {
  it("renders a finished card's outputs with the table and tree renderers, an image and text, once", async () => {
    const r = new JobViewRenderer({ mimeType: MIME.job });
    const view = { ...createJobView('j', 'typed'), state: 'SUCCESS', elapsed: 40, where: 'threads', cached: true };
    const results = [
      { port: 't', type: 'table', format: 'csv', data: tableBundle([{ a: 1 }]) },
      { port: 'tr', type: 'tree', format: 'newick', data: treeBundle({ node_data: { 'node name': 'R' }, children: [] }) },
      { port: 'img', type: 'image', format: 'png', data: imageBundle(new Uint8Array([0x89, 0x50, 0x4e, 0x47])) },
      { port: 'n', type: 'number', format: 'number', data: textBundle('42') },
    ];
    await r.renderModel(mimeModel({ [MIME.job]: { ...view, results } }));
    Widget.attach(r, document.body);
    const sections = [...r.node.querySelectorAll('.tc-JobViewRenderer-output')];
    expect(sections.map((s) => s.querySelector('.tc-JobViewRenderer-outputPort')?.textContent)).toEqual(['t', 'tr', 'img', 'n']);
    expect(sections[0].querySelector('.tc-TableRenderer')).not.toBeNull();
    expect(sections[1].querySelector('.tc-TreeRenderer-label')?.textContent).toBe('R');
    expect(sections[2].querySelector('.tc-ImageRenderer')).not.toBeNull();
    expect((sections[2].querySelector('img') as HTMLImageElement).src).toMatch(/^data:image\/png;base64,iVBORw/);
    expect(sections[3].querySelector('pre')?.textContent).toBe('42');
    expect(r.node.querySelector('.tc-JobViewRenderer-place')?.textContent).toBe('threads');
    expect((r.node.querySelector('.tc-JobViewRenderer-cached') as HTMLElement).hidden).toBe(false);
    const table = sections[0].querySelector('.tc-TableRenderer');
    await r.renderModel(mimeModel({ [MIME.job]: { ...view, results } }));
    expect(r.node.querySelector('.tc-TableRenderer')).toBe(table);
    Widget.detach(r);
    r.dispose();
  });
});

describe('GraphRenderer elements, layout choice and style', () => {
  const graph = {
    directed: true,
    multigraph: false,
    graph: {},
    nodes: [{ id: 'x', kind: 'input', color: '#f00' }, { id: 'y', label: 'why' }, { id: 'x' }],
    edges: [
      { source: 'x', target: 'y', weight: 3 },
      { source: 'x', target: 'gone' },
    ],
  };

  it('keeps the nodes once each, drops edges to unknown nodes, and carries every attribute for the tooltip', () => {
    const g = viewGraph(graph);
    expect(GraphRenderer.elements(g, new Map([['x', { x: 1, y: 2 }]]))).toEqual([
      {
        group: 'nodes',
        data: { id: 'x', label: 'x', color: '#f00', attrs: { id: 'x', kind: 'input', color: '#f00' } },
        position: { x: 1, y: 2 },
      },
      { group: 'nodes', data: { id: 'y', label: 'why', attrs: { id: 'y', label: 'why' } }, position: undefined },
      { group: 'edges', data: { id: 'e0', source: 'x', target: 'y', attrs: { source: 'x', target: 'y', weight: 3 } } },
    ]);
    expect(attributeLines({ id: 'x', weight: 3, long: 'a'.repeat(100) })).toEqual(['id: x', 'weight: 3', `long: ${'a'.repeat(79)}…`]);
  });

  it('lays out a DAG in layers and a cyclic, undirected or very large graph by force', () => {
    expect(layoutKind(viewGraph(graph))).toBe('layered');
    expect(layoutKind(viewGraph({ ...graph, directed: false }))).toBe('force');
    const cycle = { ...graph, edges: [...graph.edges, { source: 'y', target: 'x' }] };
    expect(isAcyclic(viewGraph(cycle))).toBe(false);
    expect(layoutKind(viewGraph(cycle))).toBe('force');
    const big = Array.from({ length: LAYERED_MAX_NODES + 1 }, (_, i) => ({ id: i }));
    const chain = big.slice(1).map((n) => ({ source: n.id - 1, target: n.id }));
    expect(isAcyclic(viewGraph({ ...graph, nodes: big, edges: chain }))).toBe(true);
    expect(layoutKind(viewGraph({ ...graph, nodes: big, edges: chain }))).toBe('force');
  });

  it('draws arrowheads on a directed graph only, in the theme colours', () => {
    const colors = { text: '#eee', background: '#111', edge: '#888', node: '#0af', selected: '#fa0', font: 'sans-serif' };
    type Rules = Array<{ selector: string; style: Record<string, unknown> }>;
    const rules = (directed: boolean): Rules => GraphRenderer.style({ directed, nodes: { length: 2 } }, colors) as unknown as Rules;
    const arrow = (directed: boolean): unknown => rules(directed).find((r) => r.selector === 'edge')?.style['target-arrow-shape'];
    expect(arrow(true)).toBe('triangle');
    expect(arrow(false)).toBe('none');
    const node = rules(true)[0].style;
    expect(node).toMatchObject({ color: '#eee', 'text-outline-color': '#111', 'background-color': '#0af' });
  });
});
