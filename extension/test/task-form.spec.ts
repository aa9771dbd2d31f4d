/**
 * @jest-environment jsdom
 */
import './dom-setup';
import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { FORM_MIME } from '@taskcell/display';
import type { IFormModel } from '@taskcell/display';
import { TaskFormRenderer } from '../src/task-form';
import type { IFormHost, IFormValues } from '../src/task-form';

/** The model the kernel sends for a Slicer task with an image, a directory and an integer (see formModel's own tests). */
function model(key = 'k1'): IFormModel {
  const field = { type: 'string', format: 'text', group: 'IO' };
  return {
    v: 1,
    formId: 'form-1',
    task: 'Blur',
    groups: ['IO'],
    fields: [
      { ...field, id: 'img', label: 'Image', widget: 'path', pick: 'file', required: true },
      {
        ...field,
        id: 'out',
        label: 'Folder',
        widget: 'path',
        pick: 'directory',
        type: 'directory',
        format: 'path',
        required: false,
        default: 'results',
      },
      { ...field, id: 'n', label: 'Passes', widget: 'integer', type: 'integer', format: 'integer', required: false, default: 2 },
    ],
    key,
    places: [
      { on: '', label: 'in-process' },
      { on: 'threads', label: 'threads' },
    ],
    on: '',
  };
}

/** A host that keeps values in a map (the plugin keeps them in the cell's metadata) and records what it is asked. */
function fakeHost(kept: Record<string, IFormValues> = {}) {
  const codes: string[] = [];
  const picks: string[] = [];
  const host: IFormHost = {
    execute: async (_node, code) => (codes.push(code), undefined),
    render: async () => undefined,
    pick: async (_node, kind) => (picks.push(kind), kind === 'file' ? 'data/slide.png' : undefined),
    saved: (_node, key) => kept[key],
    save: (_node, key, values) => {
      kept[key] = values;
    },
  };
  return { host, kept, codes, picks };
}

async function render(m: IFormModel): Promise<TaskFormRenderer> {
  const r = new TaskFormRenderer({ mimeType: FORM_MIME });
  await r.renderModel({
    data: { [FORM_MIME]: m },
    metadata: {},
    trusted: true,
    setData: () => undefined,
  } as unknown as IRenderMime.IMimeModel);
  Widget.attach(r, document.body);
  return r;
}

const input = (r: TaskFormRenderer, name: string) => r.node.querySelector(`[name="${name}"]`) as HTMLInputElement;

describe('TaskFormRenderer', () => {
  afterEach(() => {
    TaskFormRenderer.host = undefined;
    document.body.textContent = '';
  });

  it('puts a Browse button beside file and directory fields that fills the path the dialog picks, and keeps the field typable', async () => {
    const { host, picks, kept } = fakeHost();
    TaskFormRenderer.host = host;
    const r = await render(model());
    const browse = [...r.node.querySelectorAll<HTMLButtonElement>('.tc-TaskForm-browse')];
    expect(browse.map((b) => b.getAttribute('aria-label'))).toEqual(['Browse for Image', 'Browse for Folder']);
    expect(browse.every((b) => b.type === 'button')).toBe(true);
    browse[0].click();
    await new Promise((ok) => setTimeout(ok, 0));
    expect(picks).toEqual(['file']);
    expect(input(r, 'img').value).toBe('data/slide.png');
    expect(document.activeElement).toBe(input(r, 'img'));
    expect(kept.k1.values.img).toBe('data/slide.png');
    // A dismissed dialog leaves the field as it was.
    browse[1].click();
    await new Promise((ok) => setTimeout(ok, 0));
    expect(picks).toEqual(['file', 'directory']);
    expect(input(r, 'out').value).toBe('results');
  });

  it('restores the values kept for its task, and only for its task', async () => {
    const kept = { k1: { values: { img: 'a.png', out: 'here', n: '7' }, on: 'threads' } };
    TaskFormRenderer.host = fakeHost(kept).host;
    const r = await render(model('k1'));
    expect([input(r, 'img').value, input(r, 'out').value, input(r, 'n').value]).toEqual(['a.png', 'here', '7']);
    expect(r.place).toBe('threads');
    const other = await render(model('k2'));
    expect([input(other, 'img').value, input(other, 'out').value, input(other, 'n').value]).toEqual(['', 'results', '2']);
    expect(other.place).toBe('');
  });

  it('a restored bad value shows as bad at its field', async () => {
    TaskFormRenderer.host = fakeHost({ k1: { values: { n: 'many' } } }).host;
    const r = await render(model());
    expect(input(r, 'n').getAttribute('aria-invalid')).toBe('true');
    expect(input(r, 'n').closest('.tc-TaskForm-field')?.querySelector('.tc-TaskForm-error')?.textContent).toBe(
      'Expected an integer, got "many"',
    );
  });

  it('Run sends the place chosen and keeps the values with the notebook', async () => {
    const { host, codes, kept } = fakeHost();
    TaskFormRenderer.host = host;
    const r = await render(model());
    const select = r.node.querySelector('.tc-TaskForm-placeSelect') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['in-process', 'threads']);
    expect(r.node.querySelector(`label[for="${select.id}"]`)?.textContent).toBe('Run on');
    select.value = 'threads';
    select.dispatchEvent(new Event('change'));
    input(r, 'img').value = 'b.png';
    (r.node.querySelector('form') as HTMLFormElement).requestSubmit();
    await new Promise((ok) => setTimeout(ok, 0));
    expect(codes).toHaveLength(1);
    expect(codes[0]).toContain('await taskcellFormRun("form-1", {"img":"b.png","out":"results","n":2}, "threads")');
    expect(kept.k1).toEqual({ values: { img: 'b.png', out: 'results', n: '2' }, on: 'threads' });
  });
});
