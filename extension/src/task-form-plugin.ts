import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { KernelMessage } from '@jupyterlab/services';
import type { IMimeBundle } from '@taskcell/display';
import { TaskFormRenderer } from './task-form';

/**
 * Gives task forms (`form(task)` in a cell) what their Run needs: the kernel of the notebook the
 * form is in, and that notebook's renderers for the result. Run is an execute request rather than
 * a comm command: the kernel runs it as it runs a cell (one queue, the same `run()` with its job
 * events for the Tasks panel), and its `execute_result` is the result card, rendered by type.
 */
const taskFormPlugin: JupyterFrontEndPlugin<void> = {
  id: '@taskcell/jupyterlab:task-form-runner',
  description: 'Runs the forms of tasks shown in notebooks.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker) => {
    const panelOf = (node: HTMLElement): NotebookPanel => {
      const panel = tracker.find((p) => p.node.contains(node));
      if (!panel) throw new Error('This form is not in an open notebook');
      return panel;
    };
    TaskFormRenderer.host = {
      async execute(node, code) {
        const kernel = panelOf(node).sessionContext.session?.kernel;
        if (!kernel) throw new Error('The notebook has no kernel; start it and run the form cell again');
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
      },
      async render(node, bundle, host) {
        const rendermime = panelOf(node).content.rendermime;
        const mime = rendermime.preferredMimeType(bundle as never, 'any');
        if (!mime) return;
        const renderer = rendermime.createRenderer(mime);
        await renderer.renderModel({ trusted: true, data: bundle as never, metadata: {}, setData: () => undefined });
        host.appendChild(renderer.node);
      },
    };
  },
};

export default taskFormPlugin;
