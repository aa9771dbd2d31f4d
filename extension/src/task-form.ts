import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { fieldText, parseField } from '@taskcell/display';
import type { IFormField, IFormModel, IMimeBundle } from '@taskcell/display';

/** The classes of the task form's parts (rules in style/base.css). */
export const FORM_CLASS = {
  root: 'tc-TaskForm',
  title: 'tc-TaskForm-title',
  description: 'tc-TaskForm-description',
  group: 'tc-TaskForm-group',
  legend: 'tc-TaskForm-legend',
  field: 'tc-TaskForm-field',
  label: 'tc-TaskForm-label',
  input: 'tc-TaskForm-input',
  hint: 'tc-TaskForm-hint',
  error: 'tc-TaskForm-error',
  actions: 'tc-TaskForm-actions',
  run: 'tc-TaskForm-run',
  status: 'tc-TaskForm-status',
  result: 'tc-TaskForm-result',
  place: 'tc-TaskForm-place',
  placeLabel: 'tc-TaskForm-placeLabel',
  placeSelect: 'tc-TaskForm-placeSelect',
  pathRow: 'tc-TaskForm-pathRow',
  browse: 'tc-TaskForm-browse',
  invalid: 'tc-mod-invalid',
} as const;

/** What a form keeps with the notebook: the text of each field and the place chosen. */
export interface IFormValues {
  /** By field id: the text typed, or a checkbox's state. */
  values: Record<string, string | boolean>;
  /** The place chosen (an `on`; empty for in-process). */
  on?: string;
}

/** What a form's Run needs from the notebook it is in: the plugin provides it. */
export interface IFormHost {
  /** Run code in the kernel of the notebook holding `node`; resolves to the execution's result bundle. */
  execute(node: HTMLElement, code: string): Promise<IMimeBundle | undefined>;
  /** Render a result bundle into `host` with the notebook's renderers. */
  render(node: HTMLElement, bundle: IMimeBundle, host: HTMLElement): Promise<void>;
  /**
   * Open JupyterLab's file dialog on the notebook holding `node` to pick a file or a directory;
   * resolves to its path as the kernel reads it (from the notebook's folder), or undefined when
   * the dialog is dismissed.
   */
  pick(node: HTMLElement, kind: 'file' | 'directory'): Promise<string | undefined>;
  /** The values kept in the cell holding `node` for the form of task `key`, if any. */
  saved(node: HTMLElement, key: string): IFormValues | undefined;
  /** Keep `values` in the cell holding `node` for the form of task `key`. */
  save(node: HTMLElement, key: string, values: IFormValues): void;
}

/**
 * Renders `application/vnd.taskcell.form+json`: a form generated from a task's input ports (see
 * `formModel`): number fields with min/max/step, selects for enumerations, checkboxes, comma
 * lists, text, and JSON for other types; sections per parameter group; defaults filled. Every
 * field is labelled and checked as it is typed: a bad value is refused at its field with the
 * reason (`aria-invalid`, `aria-describedby`), and Run stays refused until all are good. Run asks
 * the notebook's kernel to run the task through `run()` (so the job shows in the Tasks panel), and
 * the result card renders below the form. A form is a cell output: it works by keyboard alone (Tab
 * between fields, Enter in a field or on Run runs).
 */
export class TaskFormRenderer extends Widget implements IRenderMime.IRenderer {
  /** Set by the plugin; without it Run says the form needs JupyterLab's notebook. */
  static host: IFormHost | undefined;

  constructor(options: { mimeType: string }) {
    super();
    this.mimeType = options.mimeType;
    this.addClass(FORM_CLASS.root);
  }

  readonly mimeType: string;

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const form = model.data[this.mimeType] as unknown as IFormModel;
    this.model = form;
    this.inputs.clear();
    this.node.textContent = '';
    const el = this.node.appendChild(document.createElement('form'));
    el.noValidate = true;
    // Keys typed in the form are the form's: Enter submits it instead of entering the cell's edit mode.
    el.setAttribute('data-lm-suppress-shortcuts', 'true');
    el.setAttribute('aria-label', `Form of task ${form.task}`);
    el.addEventListener('keydown', (e) => {
      const t = e.target as HTMLElement;
      if (e.key === 'Enter' && t instanceof HTMLInputElement && t.type !== 'checkbox') {
        e.preventDefault();
        void this.run();
      }
    });
    el.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run();
    });
    Private.el(el, 'div', FORM_CLASS.title, form.task);
    if (form.description) Private.el(el, 'div', FORM_CLASS.description, form.description);
    this.placeEl = undefined;
    if (form.places?.length) {
      const row = Private.el(el, 'div', FORM_CLASS.place);
      const id = `tc-form-${Private.nextId()}`;
      const label = Private.el(row, 'label', FORM_CLASS.placeLabel, 'Run on') as HTMLLabelElement;
      label.htmlFor = id;
      const select = row.appendChild(document.createElement('select'));
      select.id = id;
      select.className = `${FORM_CLASS.placeSelect} ${FORM_CLASS.input}`;
      for (const p of form.places) {
        const opt = select.appendChild(document.createElement('option'));
        opt.value = p.on;
        opt.textContent = p.label;
      }
      select.value = form.on ?? form.places[0].on;
      select.addEventListener('change', () => this.keep());
      this.placeEl = select;
    }
    for (const group of form.groups) {
      const set = Private.el(el, 'fieldset', FORM_CLASS.group);
      Private.el(set, 'legend', FORM_CLASS.legend, group);
      for (const field of form.fields.filter((f) => f.group === group)) this.addField(set, field);
    }
    const actions = Private.el(el, 'div', FORM_CLASS.actions);
    this.runButton = Private.el(actions, 'button', FORM_CLASS.run, 'Run') as HTMLButtonElement;
    this.runButton.type = 'submit';
    this.status = Private.el(actions, 'span', FORM_CLASS.status);
    this.status.setAttribute('role', 'status');
    this.result = Private.el(this.node, 'div', FORM_CLASS.result);
    this.restored = false;
    if (this.isAttached) this.restore();
  }

  /** The place chosen in the form (an `on`, empty for in-process), or undefined when it offers none. */
  get place(): string | undefined {
    return this.placeEl?.value;
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.restore();
  }

  /** Check every field; the values when all are good, else undefined (each bad field shows why). */
  values(): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [id, entry] of this.inputs) {
      const r = this.check(entry);
      if ('error' in r) ok = false;
      else if (r.value !== undefined) out[id] = r.value;
    }
    return ok ? out : undefined;
  }

  private addField(parent: HTMLElement, field: IFormField): void {
    const id = `tc-form-${Private.nextId()}`;
    const row = Private.el(parent, 'div', FORM_CLASS.field);
    const label = Private.el(row, 'label', FORM_CLASS.label, field.required ? `${field.label} *` : field.label) as HTMLLabelElement;
    label.htmlFor = id;
    let input: HTMLInputElement | HTMLSelectElement;
    if (field.widget === 'select') {
      const select = document.createElement('select');
      for (const o of field.options ?? []) {
        const opt = select.appendChild(document.createElement('option'));
        opt.value = opt.textContent = String(o);
      }
      select.value = fieldText(field);
      input = select;
    } else {
      const i = document.createElement('input');
      if (field.widget === 'checkbox') {
        i.type = 'checkbox';
        i.checked = field.default === true;
      } else {
        i.type = 'text';
        i.value = fieldText(field);
        if (field.widget === 'integer' || field.widget === 'number') {
          i.inputMode = field.widget === 'integer' ? 'numeric' : 'decimal';
          if (field.minimum !== undefined) i.setAttribute('aria-valuemin', String(field.minimum));
          if (field.maximum !== undefined) i.setAttribute('aria-valuemax', String(field.maximum));
        }
      }
      input = i;
    }
    input.id = id;
    input.name = field.id;
    input.className = FORM_CLASS.input;
    if (field.required) input.setAttribute('aria-required', 'true');
    if (field.widget === 'path') {
      const line = Private.el(row, 'div', FORM_CLASS.pathRow);
      line.appendChild(input);
      const browse = Private.el(line, 'button', FORM_CLASS.browse, 'Browse…') as HTMLButtonElement;
      browse.type = 'button';
      browse.setAttribute('aria-label', `Browse for ${field.label}`);
      browse.addEventListener('click', () => void this.browse(entry, field.pick ?? 'file'));
    } else row.appendChild(input);
    const hintText = Private.hint(field);
    const hint = hintText ? Private.el(row, 'div', FORM_CLASS.hint, hintText) : undefined;
    const error = Private.el(row, 'div', FORM_CLASS.error);
    error.id = `${id}-error`;
    error.setAttribute('role', 'alert');
    if (hint) hint.id = `${id}-hint`;
    input.setAttribute('aria-describedby', [hint?.id, error.id].filter(Boolean).join(' '));
    const entry = { field, input, row, error };
    this.inputs.set(field.id, entry);
    input.addEventListener(field.widget === 'checkbox' || field.widget === 'select' ? 'change' : 'input', () => this.check(entry));
    input.addEventListener('change', () => this.keep());
  }

  /** Fill a path field from JupyterLab's file dialog; focus goes back to the field. */
  private async browse(entry: Private.IEntry, kind: 'file' | 'directory'): Promise<void> {
    const host = TaskFormRenderer.host;
    if (!host) {
      entry.error.textContent = 'Browse needs a notebook in JupyterLab with the taskcell extension';
      return;
    }
    const path = await host.pick(this.node, kind);
    entry.input.focus();
    if (path === undefined) return;
    entry.input.value = path;
    this.check(entry);
    this.keep();
  }

  /** The text of every field and the place chosen, as kept with the notebook. */
  private raw(): IFormValues {
    const values: Record<string, string | boolean> = {};
    for (const [id, { input }] of this.inputs)
      values[id] = input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : input.value;
    return this.placeEl ? { values, on: this.placeEl.value } : { values };
  }

  /** Keep the form's values in its cell's metadata, under the task's key. */
  private keep(): void {
    const host = TaskFormRenderer.host;
    if (!host || !this.model?.key || !this.isAttached) return;
    try {
      host.save(this.node, this.model.key, this.raw());
    } catch (err) {
      console.warn('taskcell: could not keep the form values in the notebook', err);
    }
  }

  /** Put back the values kept in the cell for this task (once per model, when the form is on the page). */
  private restore(): void {
    const host = TaskFormRenderer.host;
    if (this.restored || !host || !this.model?.key) return;
    this.restored = true;
    let kept: IFormValues | undefined;
    try {
      kept = host.saved(this.node, this.model.key);
    } catch {
      return;
    }
    if (!kept) return;
    for (const [id, v] of Object.entries(kept.values ?? {})) {
      const entry = this.inputs.get(id);
      if (!entry) continue;
      if (entry.input instanceof HTMLInputElement && entry.input.type === 'checkbox') entry.input.checked = v === true;
      else entry.input.value = String(v);
      this.check(entry);
    }
    if (this.placeEl && kept.on !== undefined && [...this.placeEl.options].some((o) => o.value === kept.on)) this.placeEl.value = kept.on;
  }

  private check(entry: Private.IEntry): ReturnType<typeof parseField> {
    const { field, input, row, error } = entry;
    const raw = input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : input.value;
    const r = parseField(field, raw);
    const bad = 'error' in r;
    row.classList.toggle(FORM_CLASS.invalid, bad);
    input.setAttribute('aria-invalid', String(bad));
    error.textContent = bad ? r.error : '';
    return r;
  }

  private async run(): Promise<void> {
    const values = this.values();
    if (!values || !this.model) {
      this.status.textContent = 'Fix the fields marked above';
      return;
    }
    const host = TaskFormRenderer.host;
    if (!host) {
      this.status.textContent = 'Run needs a notebook in JupyterLab with the taskcell extension';
      return;
    }
    this.keep();
    const on = this.placeEl ? `, ${JSON.stringify(this.placeEl.value)}` : '';
    // As a cell would write it, so the kernel runs it as it runs cells.
    const code = `import { runForm as taskcellFormRun } from "taskcell";\nawait taskcellFormRun(${JSON.stringify(this.model.formId)}, ${JSON.stringify(values)}${on})`;
    this.runButton.disabled = true;
    this.status.textContent = 'Running…';
    this.result.textContent = '';
    try {
      const bundle = await host.execute(this.node, code);
      this.status.textContent = 'Done';
      if (bundle) await host.render(this.node, bundle, this.result);
    } catch (err) {
      this.status.textContent = 'Failed';
      const pre = Private.el(this.result, 'pre', FORM_CLASS.error, (err as Error).message);
      pre.setAttribute('role', 'alert');
    } finally {
      this.runButton.disabled = false;
    }
  }

  private model: IFormModel | undefined;
  private placeEl: HTMLSelectElement | undefined;
  private restored = false;
  private readonly inputs = new Map<string, Private.IEntry>();
  private runButton!: HTMLButtonElement;
  private status!: HTMLElement;
  private result!: HTMLElement;
}

namespace Private {
  export interface IEntry {
    field: IFormField;
    input: HTMLInputElement | HTMLSelectElement;
    row: HTMLElement;
    error: HTMLElement;
  }

  let counter = 0;
  export function nextId(): number {
    return ++counter;
  }

  export function el(parent: HTMLElement, tag: string, cls: string, text?: string): HTMLElement {
    const e = parent.appendChild(document.createElement(tag));
    e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /** What the field takes: its type, range and step, and its description. */
  export function hint(field: IFormField): string {
    const parts: string[] = [];
    if (field.widget === 'list') parts.push(`comma-separated ${field.item ?? ''} values`.replace('  ', ' '));
    if (field.widget === 'json') parts.push(`${field.type} as JSON`);
    if (field.minimum !== undefined || field.maximum !== undefined) parts.push(`from ${field.minimum ?? '−∞'} to ${field.maximum ?? '∞'}`);
    if (field.step !== undefined) parts.push(`step ${field.step}`);
    if (field.description) parts.push(field.description);
    return parts.join(' · ');
  }
}
