import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { InputDialog, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { FileDialog } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import type { IMimeBundle } from '@taskcell/display';
import { TaskFormRenderer } from './task-form';
import type { IFormValues } from './task-form';

/** The cell metadata key under which forms keep their values (`metadata.taskcell.form[taskKey]`). */
export const FORM_METADATA_KEY = 'taskcell';

/**
 * Gives task forms (`form(task)` in a cell) what their Run needs: the kernel of the notebook the
 * form is in, and that notebook's renderers for the result. Run is an execute request rather than
 * a comm command: the kernel runs it as it runs a cell (one queue, the same `run()` with its job
 * events for the Tasks panel), and its `execute_result` is the result card, rendered by type.
 * Path fields browse with JupyterLab's file dialog, and a form's values are kept in the metadata
 * of the cell that shows it, by task, so they come back when the form is shown again.
 */
const taskFormPlugin: JupyterFrontEndPlugin<void> = {
  id: '@taskcell/jupyterlab:task-form-runner',
  description: 'Runs the forms of tasks shown in notebooks.',
  autoStart: true,
  requires: [INotebookTracker, IDocumentManager],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker, manager: IDocumentManager) => {
    const panelOf = (node: HTMLElement): NotebookPanel => {
      const panel = tracker.find((p) => p.node.contains(node));
      if (!panel) throw new Error('This form is not in an open notebook');
      return panel;
    };
    const cellOf = (node: HTMLElement) => panelOf(node).content.widgets.find((c) => c.node.contains(node));
    TaskFormRenderer.host = {
      async execute(node, code) {
        const kernel = panelOf(node).sessionContext.session?.kernel;
        if (!kernel) throw new Error('The notebook has no kernel; start it and run the form cell again');
        return executeIn(kernel, code);
      },
      async render(node, bundle, host) {
        const rendermime = panelOf(node).content.rendermime;
        const mime = rendermime.preferredMimeType(bundle as never, 'any');
        if (!mime) return;
        const renderer = rendermime.createRenderer(mime);
        await renderer.renderModel({ trusted: true, data: bundle as never, metadata: {}, setData: () => undefined });
        host.appendChild(renderer.node);
      },
      async pick(node, kind) {
        const folder = PathExt.dirname(panelOf(node).context.path);
        const options = { manager, defaultPath: folder, title: kind === 'directory' ? 'Choose a directory' : 'Choose a file' };
        const opened = kind === 'directory' ? FileDialog.getExistingDirectory(options) : FileDialog.getOpenFiles(options);
        void Private.focusListing();
        const result = await opened;
        const chosen = result.button.accept ? result.value?.[0] : undefined;
        if (!chosen) return undefined;
        // The kernel runs in the notebook's folder: a path from there reads as the dialog showed it.
        return PathExt.relative(folder, chosen.path) || '.';
      },
      saved(node, key) {
        return Private.forms(cellOf(node)?.model.getMetadata(FORM_METADATA_KEY))[key];
      },
      save(node, key, values) {
        const cell = cellOf(node);
        if (!cell) return;
        const meta = { ...(cell.model.getMetadata(FORM_METADATA_KEY) as Record<string, unknown> | undefined) };
        meta.form = { ...Private.forms(meta), [key]: values };
        cell.model.setMetadata(FORM_METADATA_KEY, meta);
      },
    };
  },
};

/**
 * Run `code` in `kernel` outside any cell and resolve to its `execute_result` bundle; an error the
 * kernel reports rejects with its name and value.
 */
export async function executeIn(kernel: Kernel.IKernelConnection, code: string): Promise<IMimeBundle | undefined> {
  let result: IMimeBundle | undefined;
  let failure: string | undefined;
  const future = kernel.requestExecute({ code, silent: false, store_history: false, stop_on_error: false });
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    if (msg.header.msg_type === 'execute_result') result = (msg as KernelMessage.IExecuteResultMsg).content.data as IMimeBundle;
    if (msg.header.msg_type === 'error') {
      const c = (msg as KernelMessage.IErrorMsg).content;
      failure = `${c.ename}: ${c.evalue}`;
    }
  };
  await future.done;
  if (failure) throw new Error(failure);
  return result;
}

/**
 * The Tasks panel's "New form…": ask the kernel of the current notebook which tasks its cells hold
 * (`formTasks()`, the notebook's tasks and those of imported images), let the user choose one,
 * and show its form in a new cell below the active one.
 */
export async function newForm(app: JupyterFrontEnd, tracker: INotebookTracker): Promise<void> {
  const nb = tracker.currentWidget;
  const kernel = nb?.sessionContext.session?.kernel;
  if (!nb || !kernel) {
    await showErrorMessage('Cannot make a form', 'Expected a notebook running the taskcell kernel; open one and run its cells.');
    return;
  }
  let tasks: Array<{ expr: string; name: string; mode: string }>;
  try {
    const bundle = await executeIn(kernel, 'import { formTasks as taskcellFormTasks } from "taskcell";\ntaskcellFormTasks()');
    tasks = (bundle?.['application/json'] as typeof tasks | undefined) ?? [];
  } catch (err) {
    await showErrorMessage('Cannot list the notebook’s tasks', (err as Error).message);
    return;
  }
  if (!tasks.length) {
    await showErrorMessage(
      'No tasks to show a form of',
      'Expected a task declared in a cell of this notebook (or the tasks of an imported image); run its cell first.',
    );
    return;
  }
  const items = tasks.map((t) => (t.name === t.expr ? `${t.name} (${t.mode})` : `${t.name} (${t.mode}) · ${t.expr}`));
  const choice = await InputDialog.getItem({ title: 'New form of a task', label: 'Task', items, current: 0 });
  const index = choice.button.accept && choice.value !== null ? items.indexOf(choice.value) : -1;
  if (index < 0) return;
  app.shell.activateById(nb.id);
  await app.commands.execute('notebook:insert-cell-below');
  const cell = nb.content.activeCell;
  if (!cell) return;
  cell.model.sharedModel.setSource(`import { form } from "taskcell";\nform(${tasks[index].expr})`);
  await app.commands.execute('notebook:run-cell');
}

namespace Private {
  /**
   * Give the open file dialog's listing the focus once it is drawn (the dialog builds its file
   * browser after it shows, so it would focus its Select button), so a path is picked by keyboard:
   * type a name's first letters, Enter opens a folder or picks a file.
   */
  export async function focusListing(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const listing = document.querySelector<HTMLElement>('.jp-Dialog .jp-DirListing');
      if (listing && listing.querySelector('.jp-DirListing-item')) {
        if (!listing.contains(document.activeElement)) listing.focus();
        return;
      }
      await new Promise((ok) => setTimeout(ok, 20));
    }
  }

  /** The `form` map of a cell's taskcell metadata. */
  export function forms(meta: unknown): Record<string, IFormValues> {
    const form = (meta as { form?: unknown } | undefined)?.form;
    return form !== null && typeof form === 'object' ? (form as Record<string, IFormValues>) : {};
  }
}

export default taskFormPlugin;
