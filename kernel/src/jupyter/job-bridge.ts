import { core } from './core';
import { isFinal } from '@taskcell/core';
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
import type { IMessage } from './messages';
import type { OutputRouter } from './output';
import { isCardedJob } from '../pending-run';

/**
 * Connects jobs to the frontend: the `taskcell` comm target streams every JobEvent and takes
 * commands (list, cancel, cancel-all); once attached, and without an open comm (no extension), a
 * top-level job that runs longer than `inlineDelay` gets an inline display in its cell, updated
 * in place. A job that has ended is silent here whatever its pool still sends, except for the
 * one notice that its body ignores its cancel, which also goes to the cell that started the job.
 */
export class JobBridge implements IDisposable {
  private readonly subscriptions: IDisposable[] = [];
  private readonly inline = new Map<string, Private.IInline>();
  /** Whoever follows the events that pass the gate: the open comms. */
  private readonly followers = new Set<(event: IJobEvent, cellId: string | undefined) => void>();
  private readonly gate = new Private.EndedJobs();
  private subscribed = false;
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
        const follow = (event: IJobEvent, cellId: string | undefined): void =>
          send(
            cellId !== undefined
              ? { v: COMM_SCHEMA_VERSION, type: 'event', event, cellId }
              : { v: COMM_SCHEMA_VERSION, type: 'event', event },
          );
        this.followers.add(follow);
        this.subscribe();
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
          onClose: () => void this.followers.delete(follow),
        };
      }),
    );
  }

  /** Start watching jobs for inline displays (loads the engine; the server calls it once warm). Idempotent. */
  attach(): void {
    if (this.attached || this.disposed) return;
    this.attached = true;
    this.subscribe();
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
    this.followers.clear();
    this.gate.clear();
  }

  /** One subscription to every job's events, gated once, for the inline displays and every comm. */
  private subscribe(): void {
    if (this.subscribed || this.disposed) return;
    this.subscribed = true;
    this.subscriptions.push(core().globalEvents.subscribe((e) => this.onGlobalEvent(e)));
  }

  private onGlobalEvent(event: IJobEvent): void {
    if (!this.gate.admit(event, this.output.current)) return;
    if (event.kind === 'cancel-ignored') this.reportCancelIgnored(event);
    if (this.attached) this.onEvent(event);
    if (this.followers.size === 0) return;
    // The cell a top-level job came from, so the Tasks panel can show it and jump to it.
    const cellId = event.parentId === undefined ? Private.cellId(this.gate.parentOf(event)) : undefined;
    for (const f of this.followers) f(event, cellId);
  }

  /** Say once, in the cell that started the job, that its task still runs after its cancel. */
  private reportCancelIgnored(event: IJobEvent): void {
    const parent = this.gate.parentOf(event);
    this.output.publish(
      'stream',
      { name: 'stderr', text: `taskcell: ${event.notice ?? `job ${event.jobId} ignores its cancel`}\n` },
      parent,
    );
  }

  private onEvent(event: IJobEvent): void {
    if (event.kind === 'cancel-ignored') return;
    const top = event.parentId === undefined;
    let entry = this.inline.get(top ? event.jobId : (event.parentId as string));
    if (!entry) {
      // Jobs of the notebook's run() show its live card (or none, by the caller's choice).
      if (!top || this.comms.hasOpen(COMM_TARGET) || isCardedJob(event.jobId)) return;
      entry = { view: createJobView(event.jobId, event.task), parent: this.output.current, shown: false, last: 0 };
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
  /** The notebook cell a request ran (JupyterLab sends `cellId` in an execute_request's metadata). */
  export function cellId(request: IMessage | undefined): string | undefined {
    const id = request?.metadata?.cellId;
    return typeof id === 'string' && id !== '' ? id : undefined;
  }

  /** Jobs remembered after their end, so late events of theirs are dropped. */
  const MAX_ENDED = 10_000;

  /**
   * The gate every job event passes: it drops whatever a job sends after its final state (a pool
   * or task that keeps reporting), except one `cancel-ignored` notice, and remembers which cell
   * started each top-level job so that notice reaches it.
   */
  export class EndedJobs {
    private readonly ended = new Set<string>();
    private readonly noticed = new Set<string>();
    private readonly parents = new Map<string, IMessage | undefined>();

    /** True when the event may be published; `parent` is the request running while it was emitted. */
    admit(event: IJobEvent, parent: IMessage | undefined): boolean {
      const id = event.jobId;
      if (event.kind === 'cancel-ignored') {
        if (this.noticed.has(id)) return false;
        this.noticed.add(id);
        return true;
      }
      if (this.ended.has(id)) {
        // A job id given again to a new run (the `jobId` option) starts over; anything else is late.
        if (event.kind !== 'state' || event.state !== 'QUEUED') return false;
        this.ended.delete(id);
        this.noticed.delete(id);
        this.parents.delete(id);
      }
      if (event.parentId === undefined && !this.parents.has(id)) this.parents.set(id, parent);
      if (event.kind === 'state' && event.state !== undefined && isFinal(event.state)) {
        this.ended.add(id);
        // Only a cancelled job may still send its notice; the others need not be remembered by cell.
        if (event.state !== 'CANCELED') this.parents.delete(id);
        if (this.ended.size > MAX_ENDED) this.forget();
      }
      return true;
    }

    /** The request that started a job (a step: its workflow). */
    parentOf(event: IJobEvent): IMessage | undefined {
      return this.parents.get(event.parentId ?? event.jobId);
    }

    clear(): void {
      this.ended.clear();
      this.noticed.clear();
      this.parents.clear();
    }

    /** Drop the oldest half (a Set iterates in insertion order). */
    private forget(): void {
      let n = this.ended.size / 2;
      for (const id of this.ended) {
        if (n-- <= 0) break;
        this.ended.delete(id);
        this.noticed.delete(id);
        this.parents.delete(id);
      }
    }
  }

  export interface IInline {
    view: IJobView;
    parent: IMessage | undefined;
    shown: boolean;
    last: number;
    timer?: NodeJS.Timeout;
  }
}
