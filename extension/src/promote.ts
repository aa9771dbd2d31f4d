import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import type { Kernel } from '@jupyterlab/services';
import type { JSONObject } from '@lumino/coreutils';
import type { Widget } from '@lumino/widgets';
import { askKernel } from './kernel-request';

/** The command id. */
export const PROMOTE_COMMAND = 'taskcell:promote-cell';

/** The kernel's comm target that answers promote requests (one request per comm). */
export const PROMOTE_TARGET = 'taskcell.promote';

/** What the kernel answers: the task cell's code and its ports, or a typed error. */
export type PromoteReply =
  | {
      ok: true;
      name: string;
      code: string;
      inputs: Record<string, string>;
      outputs: Record<string, string>;
      unclear: Record<string, string>;
    }
  | { ok: false; error: { code: string; message: string } };

/**
 * "Promote cell to task" (cell context menu and palette): asks the notebook's taskcell kernel to
 * turn the active code cell into a task (its free variables from earlier cells become typed inputs,
 * the names later cells use become outputs) and inserts the task cell below it.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: '@taskcell/jupyterlab:promote',
  description: 'Promote a notebook cell to a taskcell task with typed ports.',
  autoStart: true,
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null): void => {
    app.commands.addCommand(PROMOTE_COMMAND, {
      label: 'Promote cell to task',
      caption: 'Turn this cell into a task: its inputs from earlier cells and its outputs for later cells become typed ports',
      isEnabled: () => Private.notebook(app.shell.currentWidget) !== undefined,
      execute: async () => {
        const nb = Private.notebook(app.shell.currentWidget);
        if (!nb) return;
        try {
          await promoteActiveCell(nb);
        } catch (err) {
          await showErrorMessage('Promote cell to task', (err as Error).message);
        }
      },
    });
    app.contextMenu.addItem({ command: PROMOTE_COMMAND, selector: '.jp-Notebook .jp-CodeCell', rank: 30 });
    palette?.addItem({ command: PROMOTE_COMMAND, category: 'taskcell' });
  },
};

export default plugin;

/** The parts of a notebook panel the command uses (JupyterLab's NotebookPanel has them). */
export interface INotebookLike {
  content: {
    activeCellIndex: number;
    readonly widgets: ReadonlyArray<{ model: { type: string; sharedModel: { getSource(): string } } }>;
    readonly model: { sharedModel: { insertCell(index: number, cell: { cell_type: 'code'; source: string }): unknown } } | null;
  };
  sessionContext: { session: { kernel: Kernel.IKernelConnection | null } | null };
}

/** Ask the kernel for the active cell's task and insert it below the cell. */
export async function promoteActiveCell(nb: INotebookLike): Promise<PromoteReply> {
  const kernel = nb.sessionContext.session?.kernel;
  if (!kernel || kernel.name !== 'taskcell') {
    throw new Error(`Expected the notebook to run the taskcell kernel, got ${kernel ? `"${kernel.name}"` : 'no kernel'}`);
  }
  const cells = nb.content.widgets;
  const index = nb.content.activeCellIndex;
  const code = (i: number) => (cells[i].model.type === 'code' ? [cells[i].model.sharedModel.getSource()] : []);
  const request = {
    cell: cells[index].model.sharedModel.getSource(),
    before: cells.slice(0, index).flatMap((_c, i) => code(i)),
    after: cells.slice(index + 1).flatMap((_c, i) => code(index + 1 + i)),
  };
  const reply = await Private.ask(kernel, request);
  if (!reply.ok) throw new Error(reply.error.message);
  nb.content.model?.sharedModel.insertCell(index + 1, { cell_type: 'code', source: reply.code });
  nb.content.activeCellIndex = index + 1;
  return reply;
}

namespace Private {
  export function notebook(w: Widget | null): INotebookLike | undefined {
    const n = w as Partial<INotebookLike> | null;
    return n?.content && Array.isArray(n.content.widgets) && n.sessionContext ? (n as INotebookLike) : undefined;
  }

  /** One request on a comm of its own: the kernel sends one message, then closes it. */
  export function ask(kernel: Kernel.IKernelConnection, request: JSONObject): Promise<PromoteReply> {
    return askKernel<PromoteReply>(kernel, PROMOTE_TARGET, request, 'promote');
  }
}
