import { core } from './core';
import type { IDisposable, IJobEvent } from '@taskcell/core';
import {
  COMM_SCHEMA_VERSION,
  COMM_TARGET,
  applyJobEvent,
  createJobView,
  isCommError,
  isFinalJobView,
  jobViewBundle,
  parseFrontendMessage,
} from '@taskcell/display';
import type { IJobView, KernelCommMessage } from '@taskcell/display';
import type { CommManager } from './comms';
import type { OutputRouter } from './output';
import { isCardedJob } from '../pending-run';

/**
 * Connects jobs to the frontend: the `taskcell` comm target streams every JobEvent and takes
 * commands (list, cancel, cancel-all); once attached, and without an open comm (no extension), a
 * top-level job that runs longer than `inlineDelay` gets an inline display in its cell, updated
 * in place.
 */
export class JobBridge implements IDisposable {
  private readonly subscriptions: IDisposable[] = [];
  private readonly inline = new Map<string, Private.IInline>();
  private disposed = false;
  private attached = false;

  constructor(
    private readonly comms: CommManager,
    private readonly output: OutputRouter,
    private readonly options: JobBridge.IOptions = {},
  ) {
    this.subscriptions.push(
      comms.registerTarget(COMM_TARGET, (comm) => {
        const send = (m: KernelCommMessage): void => comm.send(m);
        send({ v: COMM_SCHEMA_VERSION, type: 'hello', jobs: core().getRunner().activeJobs() });
        const sub = core().globalEvents.subscribe((event) => send({ v: COMM_SCHEMA_VERSION, type: 'event', event }));
        this.subscriptions.push(sub);
        return {
          onMessage: (data) => {
            const cmd = parseFrontendMessage(data);
            if (isCommError(cmd)) return send(cmd);
            const rid = cmd.requestId !== undefined ? { requestId: cmd.requestId } : {};
            const runner = core().getRunner();
            if (cmd.type === 'list') return send({ v: COMM_SCHEMA_VERSION, type: 'jobs', jobs: runner.activeJobs(), ...rid });
            const ids = cmd.type === 'cancel' ? (runner.cancel(cmd.jobId) ? [cmd.jobId] : []) : runner.activeJobs();
            if (cmd.type === 'cancel-all') runner.cancelAll();
            send({ v: COMM_SCHEMA_VERSION, type: 'canceled', jobIds: ids, ...rid });
          },
          onClose: () => sub.dispose(),
        };
      }),
    );
  }

  /** Start watching jobs for inline displays (loads the engine; the server calls it once warm). Idempotent. */
  attach(): void {
    if (this.attached || this.disposed) return;
    this.attached = true;
    this.subscriptions.push(core().globalEvents.subscribe((e) => this.onEvent(e)));
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Stop listening and drop pending inline displays. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.subscriptions) s.dispose();
    for (const i of this.inline.values()) clearTimeout(i.timer);
    this.inline.clear();
  }

  private onEvent(event: IJobEvent): void {
    const top = event.parentId === undefined;
    let entry = this.inline.get(top ? event.jobId : (event.parentId as string));
    if (!entry) {
      // Jobs of the notebook's run() show its live card (or none, by the caller's choice).
      if (!top || this.comms.hasOpen(COMM_TARGET) || isCardedJob(event.jobId)) return;
      entry = { view: createJobView(event.jobId, event.task), parent: this.output.parent, shown: false, last: 0 };
      const e = entry;
      e.timer = setTimeout(() => this.render(e, true), this.options.inlineDelay ?? 250);
      e.timer.unref?.();
      this.inline.set(event.jobId, entry);
    }
    applyJobEvent(entry.view, event);
    if (isFinalJobView(entry.view)) {
      clearTimeout(entry.timer);
      if (entry.shown) this.render(entry, true);
      this.inline.delete(entry.view.jobId);
    } else if (entry.shown && Date.now() - entry.last >= (this.options.updateInterval ?? 100)) {
      this.render(entry, false);
    }
  }

  private render(entry: Private.IInline, force: boolean): void {
    if (!force && entry.shown && Date.now() - entry.last < (this.options.updateInterval ?? 100)) return;
    const first = !entry.shown;
    entry.shown = true;
    entry.last = Date.now();
    const transient = { display_id: `taskcell-job-${entry.view.jobId}` };
    this.output.publish(
      first ? 'display_data' : 'update_display_data',
      { data: jobViewBundle(entry.view), metadata: {}, transient },
      entry.parent,
    );
  }
}

/** The JobBridge's options. */
export namespace JobBridge {
  /** Timing of the inline job display. */
  export interface IOptions {
    /** Milliseconds a job must run before it gets an inline display (default 250). */
    inlineDelay?: number;
    /** Minimum milliseconds between two updates of an inline display (default 100). */
    updateInterval?: number;
  }
}

namespace Private {
  export interface IInline {
    view: IJobView;
    parent: import('./messages').IMessage | undefined;
    shown: boolean;
    last: number;
    timer?: NodeJS.Timeout;
  }
}
