/**
 * @jest-environment jsdom
 */
import './dom-setup';
import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { MIME, tableBundle } from '@taskcell/display';
import { TABLE_CLASS, TableRenderer } from '@taskcell/jupyterlab';

function mimeModel(data: Record<string, unknown>): IRenderMime.IMimeModel {
  return { data, metadata: {}, trusted: true, setData: () => undefined } as unknown as IRenderMime.IMimeModel;
}

const rows = [
  { city: 'Lyon', pop: 522_000, capital: false, founded: '0043-10-09', note: 'rhône' },
  { city: 'Paris', pop: 2_100_000, capital: true, founded: '0052-01-01', note: 3 },
  { city: 'Nantes', pop: '320000', capital: 'false', founded: '', note: null },
  { city: 'Lille', pop: 236_000, capital: false, founded: '0640-06-30', note: 'nord' },
  { city: 'Paray', pop: null, capital: false, founded: '1000-01-01', note: true },
];

async function render(): Promise<TableRenderer> {
  const r = new TableRenderer({ mimeType: MIME.table });
  await r.renderModel(mimeModel(tableBundle(rows)));
  Widget.attach(r, document.body);
  return r;
}

const column = (r: TableRenderer, i: number): string[] =>
  [...r.node.querySelectorAll(`.${TABLE_CLASS.row}`)].map((tr) => tr.querySelectorAll(`.${TABLE_CLASS.cell}`)[i].textContent ?? '');

describe('TableRenderer column types and filters', () => {
  it('types each column from its values and shows the type as a badge in its header', async () => {
    const r = await render();
    expect(r.types).toEqual({ city: 'string', pop: 'number', capital: 'boolean', founded: 'date', note: 'mixed' });
    const headers = [...r.node.querySelectorAll(`.${TABLE_CLASS.header}`)];
    expect(headers.map((h) => h.querySelector(`.${TABLE_CLASS.name}`)!.textContent)).toEqual(['city', 'pop', 'capital', 'founded', 'note']);
    expect(headers.map((h) => h.querySelector(`.${TABLE_CLASS.badge}`)!.textContent)).toEqual([
      'string',
      'number',
      'boolean',
      'date',
      'mixed',
    ]);
    expect(TableRenderer.columnType([{ a: null }, { a: '' }], 'a')).toBe('string');
    expect(TableRenderer.columnType([{ a: '2024-06-30T12:00:00Z' }, { a: '2024-07-01' }], 'a')).toBe('date');
    expect(TableRenderer.columnType([{ a: '2024-13-45' }], 'a')).toBe('string');
    Widget.detach(r);
    r.dispose();
  });

  it('filters a text column by what it contains, ignoring case, and counts the rows shown', async () => {
    const r = await render();
    const input = r.node.querySelector(`.${TABLE_CLASS.filter}[data-filter="city"]`) as HTMLInputElement;
    expect(input.getAttribute('aria-label')).toBe('Filter city');
    input.value = 'PAR';
    input.dispatchEvent(new Event('input'));
    await new Promise((res) => setTimeout(res, 40));
    expect(column(r, 0)).toEqual(['Paris', 'Paray']);
    expect(r.node.querySelector(`.${TABLE_CLASS.count}`)!.textContent).toBe('2 of 5 rows × 5 columns');
    r.filter('city', '');
    expect(column(r, 0)).toHaveLength(5);
    expect(r.node.querySelector(`.${TABLE_CLASS.count}`)!.textContent).toBe('5 rows × 5 columns');
    Widget.detach(r);
    r.dispose();
  });

  it('filters a number column by comparison or range, numbers given as text included, and combines filters', async () => {
    const r = await render();
    const cities = (): string[] => column(r, 0);
    r.filter('pop', '>300000');
    expect(cities()).toEqual(['Lyon', 'Paris', 'Nantes']);
    r.filter('pop', '<= 320000');
    expect(cities()).toEqual(['Nantes', 'Lille']);
    r.filter('pop', '236000..522000');
    expect(cities()).toEqual(['Lyon', 'Nantes', 'Lille']);
    r.filter('pop', '..300000');
    expect(cities()).toEqual(['Lille']);
    r.filter('pop', '2100000');
    expect(cities()).toEqual(['Paris']);
    r.filter('pop', '!=2100000');
    expect(cities()).toEqual(['Lyon', 'Nantes', 'Lille']);
    r.filter('city', 'l');
    expect(cities()).toEqual(['Lyon', 'Lille']);
    // Sorting keeps the filter.
    r.sortBy('pop', true);
    expect(cities()).toEqual(['Lille', 'Lyon']);
    expect(await r.toCSV()).toBe(
      'city,pop,capital,founded,note\r\nLille,236000,false,0640-06-30,nord\r\nLyon,522000,false,0043-10-09,rhône',
    );
    Widget.detach(r);
    r.dispose();
  });

  it('filters a date column by comparison, and marks a filter that does not parse, leaving the column unfiltered', async () => {
    const r = await render();
    r.filter('founded', '>=0600-01-01');
    expect(column(r, 0)).toEqual(['Lille', 'Paray']);
    r.filter('founded', '06-30');
    expect(column(r, 0)).toEqual(['Lille']);
    r.filter('founded', '');
    const error = r.filter('pop', '>lots');
    expect(error).toBeInstanceOf(TableRenderer.FilterError);
    expect(error!.message).toBe(
      'Expected a number, a comparison such as >10 or <=3, or a range such as 1..5 for a number column, got `>lots`',
    );
    expect(error!.code).toBe('taskcell:table-filter');
    const input = r.node.querySelector(`.${TABLE_CLASS.filter}[data-filter="pop"]`) as HTMLInputElement;
    expect(input.value).toBe('>lots');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.classList.contains(TABLE_CLASS.invalid)).toBe(true);
    expect(input.title).toBe(error!.message);
    expect(column(r, 0)).toHaveLength(5);
    expect(r.filter('pop', '1..')).toBeUndefined();
    expect(input.getAttribute('aria-invalid')).toBe('false');
    expect(TableRenderer.parseFilter('..', 'number')).toBeInstanceOf(TableRenderer.FilterError);
    expect(TableRenderer.parseFilter('>x', 'date')).toBeInstanceOf(TableRenderer.FilterError);
    Widget.detach(r);
    r.dispose();
  });
});
