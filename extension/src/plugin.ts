import { ILabShell, ILayoutRestorer } from '@jupyterlab/application';
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import type { ISessionContext } from '@jupyterlab/apputils';
import { PageConfig, PathExt } from '@jupyterlab/coreutils';
import { INotebookTracker } from '@jupyterlab/notebook';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { IStateDB } from '@jupyterlab/statedb';
import { LabIcon, ToolbarButton } from '@jupyterlab/ui-components';
import type { ReadonlyPartialJSONValue } from '@lumino/coreutils';
import type { IArtifactRef } from '@taskcell/core';
import { TaskcellConnection } from './connection';
import { TasksModel } from './model';
import type { IJobRecord } from './model';
import { TasksPanel } from './panel';
import promotePlugin from './promote';
import taskFormPlugin, { newForm } from './task-form-plugin';

/** The command ids. */
export namespace CommandIDs {
  export const open = 'taskcell:open-tasks';
  export const cancelAll = 'taskcell:cancel-all';
}

/** The kernelspec name the Tasks panel follows. */
export const KERNEL_NAME = 'taskcell';

const STATE_KEY = '@taskcell/jupyterlab:tasks';

/** The Tasks panel icon: a checklist. */
export const tasksIcon = new LabIcon({
  name: 'taskcell:tasks',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16"><g class="jp-icon3" fill="#616161">' +
    '<path d="M3 5h3v3H3zm5 .5h13v2H8zM3 10.5h3v3H3zm5 .5h13v2H8zM3 16h3v3H3zm5 .5h13v2H8z"/></g></svg>',
});

/**
 * The Tasks panel: a sidebar that follows the taskcell kernels of the notebooks the notebook
 * tracker knows over the `taskcell` comm, lists the current notebook's jobs (or every notebook's),
 * jumps to the cell that started a job, keeps its history in the state database, and offers the
 * commands to open it and to cancel every job (palette and notebook toolbar).
 */
const tasksPlugin: JupyterFrontEndPlugin<void> = {
  id: '@taskcell/jupyterlab:tasks',
  description: 'The taskcell Tasks panel: live jobs and workflows with progress, logs, artifacts and cancel.',
  autoStart: true,
  requires: [ILabShell, INotebookTracker],
  optional: [ICommandPalette, IStateDB, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    shell: ILabShell,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    state: IStateDB | null,
    restorer: ILayoutRestorer | null,
  ): void => {
    const model = new TasksModel();
    const connections = new Map<string, TaskcellConnection>();
    const sessions = new Map<string, ISessionContext>();
    const connectionFor = (r: IJobRecord): TaskcellConnection | undefined => {
      const top = r.parentId !== undefined ? (model.get(r.parentId) ?? r) : r;
      return top.source !== undefined ? connections.get(top.source) : undefined;
    };

    const panel = new TasksPanel({
      model,
      onCancel: (r) => connectionFor(r)?.cancel(r.jobId),
      onInterrupt: (r) => {
        const source = connectionFor(r)?.source;
        void (source !== undefined ? sessions.get(source)?.session?.kernel?.interrupt() : undefined);
      },
      onCancelAll: () => void app.commands.execute(CommandIDs.cancelAll),
      onJumpToCell: (r) => void Private.jumpToCell(app, shell, tracker, r),
      onForm: (r) => void Private.insertForm(app, shell, tracker, r),
      onNewForm: () => void newForm(app, tracker),
      onOpenArtifact: (a, r) => void Private.openArtifact(app, a, connectionFor(r)?.source ?? r.source),
    });
    panel.title.icon = tasksIcon;
    shell.add(panel, 'right', { rank: 600, type: 'taskcell Tasks' });
    restorer?.add(panel, 'taskcell-tasks');

    app.commands.addCommand(CommandIDs.open, {
      label: 'Open Tasks Panel',
      caption: 'Show the taskcell jobs and workflows',
      icon: tasksIcon,
      execute: () => shell.activateById(panel.id),
    });
    app.commands.addCommand(CommandIDs.cancelAll, {
      label: 'Cancel All taskcell Jobs',
      caption: 'Cancel every running taskcell job and workflow',
      execute: () => {
        for (const c of connections.values()) c.cancelAll();
      },
    });
    palette?.addItem({ command: CommandIDs.open, category: 'taskcell' });
    palette?.addItem({ command: CommandIDs.cancelAll, category: 'taskcell' });

    // "This notebook" is the notebook last worked in (the tracker keeps it while the panel has focus).
    const showNotebook = (): void => panel.setNotebook(tracker.currentWidget?.context.path ?? null);
    tracker.currentChanged.connect(showNotebook);
    showNotebook();

    // Each notebook gets toolbar buttons and, once it runs the taskcell kernel, a connection.
    const adopt = (nb: NotebookPanel): void => {
      nb.toolbar.insertItem(
        10,
        'taskcell-tasks',
        new ToolbarButton({
          icon: tasksIcon,
          tooltip: 'Open the Tasks panel',
          onClick: () => void app.commands.execute(CommandIDs.open),
        }),
      );
      nb.toolbar.insertItem(
        11,
        'taskcell-cancel-all',
        new ToolbarButton({
          label: 'Cancel jobs',
          tooltip: 'Cancel all taskcell jobs',
          onClick: () => void app.commands.execute(CommandIDs.cancelAll),
        }),
      );
      Private.follow(nb.sessionContext, () => nb.context.path, model, connections, sessions);
      // A renamed notebook keeps its jobs: the scope follows the new path.
      nb.context.pathChanged.connect(showNotebook);
    };
    tracker.widgetAdded.connect((_, nb) => adopt(nb));
    tracker.forEach(adopt);

    if (state) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      void app.restored
        .then(() => state.fetch(STATE_KEY))
        .then((saved) => model.restore(saved as unknown as TasksModel.ISnapshot | undefined))
        .catch((err: unknown) => console.warn('taskcell: could not restore the Tasks history', err))
        .then(() => {
          model.changed.connect(() => {
            if (timer !== undefined) return;
            timer = setTimeout(() => {
              timer = undefined;
              void state.save(STATE_KEY, model.toJSON() as unknown as ReadonlyPartialJSONValue);
            }, 1000);
          });
        });
    }
  },
};

/** The extension's plugins. */
const plugins: JupyterFrontEndPlugin<void>[] = [tasksPlugin, promotePlugin, taskFormPlugin];

export default plugins;

namespace Private {
  /**
   * Keep a connection open to the session's kernel while it is a taskcell kernel: on start, on a
   * kernel change and after a restart (which closes the kernel's comms).
   */
  export function follow(
    session: ISessionContext,
    path: () => string,
    model: TasksModel,
    connections: Map<string, TaskcellConnection>,
    sessions: Map<string, ISessionContext>,
  ): void {
    let conn: TaskcellConnection | undefined;
    let restarted = false;
    const sync = (): void => {
      if (session.isDisposed) return;
      const kernel = session.session?.kernel ?? null;
      if (!kernel || kernel.name !== KERNEL_NAME) {
        conn?.close();
        return;
      }
      if (!conn) {
        conn = new TaskcellConnection({ model, source: path() });
        connections.set(conn.source, conn);
      }
      if (conn.source !== path()) {
        connections.delete(conn.source);
        sessions.delete(conn.source);
        conn.source = path();
        connections.set(conn.source, conn);
      }
      sessions.set(conn.source, session);
      if (conn.kernel !== kernel || restarted) {
        restarted = false;
        conn.connect(kernel);
      }
    };
    void session.ready.then(sync);
    session.kernelChanged.connect(() => void session.ready.then(sync));
    session.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'autorestarting') restarted = true;
      else if (status === 'idle' && restarted) sync();
    });
    session.disposed.connect(() => {
      if (conn) {
        conn.close();
        if (connections.get(conn.source) === conn) {
          connections.delete(conn.source);
          sessions.delete(conn.source);
        }
      }
    });
  }

  /**
   * Show the cell that started a job (a step: its workflow's): open its notebook if it is closed,
   * bring it to the front, make the cell the active one and scroll it into view.
   */
  export async function jumpToCell(app: JupyterFrontEnd, shell: ILabShell, tracker: INotebookTracker, record: IJobRecord): Promise<void> {
    if (record.source === undefined || record.cellId === undefined) return;
    const path = record.source;
    let nb = tracker.find((w) => w.context.path === path);
    if (!nb) {
      await app.commands.execute('docmanager:open', { path });
      nb = tracker.find((w) => w.context.path === path);
    }
    if (!nb) {
      await showErrorMessage('Cannot show the cell', `The notebook ${path} that started job ${record.jobId} could not be opened.`);
      return;
    }
    await nb.context.ready;
    shell.activateById(nb.id);
    const content = nb.content;
    const index = content.widgets.findIndex((c) => c.model.id === record.cellId);
    if (index < 0) {
      await showErrorMessage(
        'Cannot show the cell',
        `Expected cell ${record.cellId} in ${path}, which started job ${record.jobId}; it is no longer there.`,
      );
      return;
    }
    content.activeCellIndex = index;
    content.deselectAll();
    await content.scrollToCell(content.widgets[index], 'center');
  }

  /**
   * Below the cell that started a top-level job, a new cell showing the form of the job's task
   * (`formOfJob`), run at once: the task can be run again with other inputs.
   */
  export async function insertForm(app: JupyterFrontEnd, shell: ILabShell, tracker: INotebookTracker, record: IJobRecord): Promise<void> {
    await jumpToCell(app, shell, tracker, record);
    const nb = tracker.find((w) => w.context.path === record.source);
    if (!nb || nb.content.activeCell?.model.id !== record.cellId) return;
    await app.commands.execute('notebook:insert-cell-below');
    const cell = nb.content.activeCell;
    if (!cell) return;
    cell.model.sharedModel.setSource(`import { formOfJob } from "taskcell";\nformOfJob(${JSON.stringify(record.jobId)})`);
    await app.commands.execute('notebook:run-cell');
  }

  /**
   * Open an artifact with JupyterLab's own viewer for its type. The contents API wants paths
   * relative to the server's root: an absolute path must lie under it, and a relative one is taken
   * from the notebook's folder (the kernel's working directory).
   */
  export async function openArtifact(app: JupyterFrontEnd, artifact: IArtifactRef, notebook: string | undefined): Promise<void> {
    const root = PageConfig.getOption('serverRoot').replace(/\/+$/, '');
    let path = artifact.path;
    if (path.startsWith('/')) {
      if (!root || !(path === root || path.startsWith(`${root}/`))) {
        await showErrorMessage('Cannot open artifact', `${artifact.path} is outside the Jupyter server's root ${root || '(unknown)'}.`);
        return;
      }
      path = path.slice(root.length + 1);
    } else if (notebook !== undefined && notebook.includes('/')) {
      path = PathExt.join(PathExt.dirname(notebook), path);
    }
    path = PathExt.normalize(path);
    try {
      await app.serviceManager.contents.get(path, { content: false });
    } catch (err) {
      await showErrorMessage('Cannot open artifact', `${artifact.path}: ${String(err)}`);
      return;
    }
    await app.commands.execute('docmanager:open', { path });
  }
}
