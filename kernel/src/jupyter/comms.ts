import { randomUUID } from 'node:crypto';
import type { IDisposable } from '@taskcell/core';
import type { IMessage } from './messages';
import { kernelLog } from './log';

/** One end of a comm, kernel side. */
export interface IComm {
  readonly id: string;
  readonly target: string;
  /** Send data to the frontend end. */
  send(data: unknown, metadata?: Record<string, unknown>): void;
  /** Close the comm (and tell the frontend). Idempotent. */
  close(data?: unknown): void;
  readonly isClosed: boolean;
}

/** What a comm target does with the comms opened to it. */
export interface ICommHandler {
  onMessage?(data: unknown, msg: IMessage): void;
  onClose?(data: unknown): void;
}

/** A comm target: called when the frontend opens a comm to it. */
export type CommTarget = (comm: IComm, data: unknown, msg: IMessage) => ICommHandler | void;

/** Sends a comm message on IOPub under a parent. */
export type CommPublisher = (
  msgType: 'comm_open' | 'comm_msg' | 'comm_close',
  content: Record<string, unknown>,
  parent: IMessage | undefined,
) => void;

/**
 * The kernel's comms: targets register by name; `comm_open`, `comm_msg` and `comm_close` from the
 * frontend reach them, and a comm opened to an unknown target is closed back at once.
 */
export class CommManager {
  private readonly targets = new Map<string, CommTarget>();
  private readonly comms = new Map<string, { comm: Private.Comm; handler: ICommHandler }>();

  constructor(private readonly publish: CommPublisher) {}

  /** Register a target; dispose the result to remove it. */
  registerTarget(name: string, target: CommTarget): IDisposable {
    this.targets.set(name, target);
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        if (this.targets.get(name) === target) this.targets.delete(name);
      },
      get isDisposed() {
        return disposed;
      },
    };
  }

  /** The open comms, optionally only those of one target (the `comm_info_reply` content). */
  info(targetName?: string): Record<string, { target_name: string }> {
    const out: Record<string, { target_name: string }> = {};
    for (const [id, { comm }] of this.comms) if (!targetName || comm.target === targetName) out[id] = { target_name: comm.target };
    return out;
  }

  /** True when a comm to `target` is open. */
  hasOpen(target: string): boolean {
    for (const { comm } of this.comms.values()) if (comm.target === target) return true;
    return false;
  }

  /** Handle a frontend's `comm_open`. */
  open(msg: IMessage): void {
    const { comm_id: id, target_name: target, data } = msg.content as { comm_id?: unknown; target_name?: unknown; data?: unknown };
    if (typeof id !== 'string' || typeof target !== 'string') {
      kernelLog('comm_open without a string comm_id and target_name; ignored');
      return;
    }
    const factory = this.targets.get(target);
    if (!factory) {
      kernelLog(`comm_open for unknown target ${JSON.stringify(target)}; closing it`);
      this.publish('comm_close', { comm_id: id, data: {} }, msg);
      return;
    }
    const comm = new Private.Comm(id, target, msg, this.publish, () => this.comms.delete(id));
    const entry = { comm, handler: {} as ICommHandler };
    this.comms.set(id, entry);
    try {
      entry.handler = factory(comm, data, msg) ?? {};
    } catch (err) {
      kernelLog(`comm target ${target} threw on open: ${String(err)}`);
      comm.close();
    }
  }

  /** Open a comm from the kernel side. */
  openFromKernel(target: string, data: unknown, parent: IMessage | undefined, handler: ICommHandler = {}): IComm {
    const id = randomUUID();
    const comm = new Private.Comm(id, target, parent, this.publish, () => this.comms.delete(id));
    this.comms.set(id, { comm, handler });
    this.publish('comm_open', { comm_id: id, target_name: target, data: data ?? {} }, parent);
    return comm;
  }

  /** Handle a frontend's `comm_msg`. */
  message(msg: IMessage): void {
    const { comm_id: id, data } = msg.content as { comm_id?: unknown; data?: unknown };
    const entry = typeof id === 'string' ? this.comms.get(id) : undefined;
    if (!entry) {
      kernelLog(`comm_msg for unknown comm ${JSON.stringify(id)}; ignored`);
      return;
    }
    entry.comm.current = msg;
    try {
      entry.handler.onMessage?.(data, msg);
    } catch (err) {
      kernelLog(`comm ${String(id)} handler threw: ${String(err)}`);
    } finally {
      entry.comm.current = undefined;
    }
  }

  /** Handle a frontend's `comm_close`. */
  close(msg: IMessage): void {
    const { comm_id: id, data } = msg.content as { comm_id?: unknown; data?: unknown };
    const entry = typeof id === 'string' ? this.comms.get(id) : undefined;
    if (!entry) return;
    this.comms.delete(entry.comm.id);
    entry.comm.markClosed();
    try {
      entry.handler.onClose?.(data);
    } catch (err) {
      kernelLog(`comm ${entry.comm.id} close handler threw: ${String(err)}`);
    }
  }

  /** Close every comm (kernel shutdown). */
  dispose(): void {
    for (const { comm, handler } of [...this.comms.values()]) {
      comm.close();
      handler.onClose?.(undefined);
    }
    this.comms.clear();
  }
}

namespace Private {
  export class Comm implements IComm {
    /** The comm_msg being handled, so replies are children of it. */
    current: IMessage | undefined;
    private closed = false;

    constructor(
      readonly id: string,
      readonly target: string,
      private readonly opener: IMessage | undefined,
      private readonly publish: CommPublisher,
      private readonly onClosed: () => void,
    ) {}

    get isClosed(): boolean {
      return this.closed;
    }

    send(data: unknown, metadata?: Record<string, unknown>): void {
      if (this.closed) return;
      this.publish('comm_msg', { comm_id: this.id, data: data ?? {}, ...(metadata ? { metadata } : {}) }, this.current ?? this.opener);
    }

    close(data?: unknown): void {
      if (this.closed) return;
      this.closed = true;
      this.onClosed();
      this.publish('comm_close', { comm_id: this.id, data: data ?? {} }, this.current ?? this.opener);
    }

    markClosed(): void {
      this.closed = true;
    }
  }
}
