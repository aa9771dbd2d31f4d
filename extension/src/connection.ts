import { COMM_SCHEMA_VERSION, COMM_TARGET } from '@taskcell/display';
import type { FrontendCommMessage, KernelCommMessage } from '@taskcell/display';
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import type { TasksModel } from './model';

/**
 * The `taskcell` comm to one kernel: opens it, folds every job event into the model (tagged with
 * the notebook's path) and sends cancel commands. Opening it again after a kernel restart is the
 * owner's call to `connect`.
 */
export class TaskcellConnection {
  constructor(options: TaskcellConnection.IOptions) {
    this.model = options.model;
    this.source = options.source;
  }

  /** The notebook path the jobs are tagged with. */
  source: string;

  /** The kernel the comm is open to, if any. */
  get kernel(): Kernel.IKernelConnection | null {
    return this._kernel;
  }

  /** Open the comm to `kernel`, closing any earlier one. */
  connect(kernel: Kernel.IKernelConnection): void {
    this.close();
    this._kernel = kernel;
    const comm = kernel.createComm(COMM_TARGET);
    comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => this.handle(msg.content.data as unknown as KernelCommMessage);
    comm.onClose = () => {
      if (this.comm === comm) this.comm = null;
    };
    comm.open({});
    this.comm = comm;
  }

  /** Fold one kernel message into the model. */
  handle(message: KernelCommMessage): void {
    if (!message || message.v !== COMM_SCHEMA_VERSION) return;
    switch (message.type) {
      case 'event':
        this.model.apply(message.event, this.source, message.cellId);
        break;
      case 'hello':
      case 'jobs':
        this.model.reconcile(this.source, message.jobs);
        break;
      default:
        break;
    }
  }

  /** Cancel one job or workflow. */
  cancel(jobId: string): void {
    this.send({ v: COMM_SCHEMA_VERSION, type: 'cancel', jobId });
  }

  /** Cancel every job of this kernel. */
  cancelAll(): void {
    this.send({ v: COMM_SCHEMA_VERSION, type: 'cancel-all' });
  }

  /** Close the comm. Idempotent. */
  close(): void {
    const comm = this.comm;
    this.comm = null;
    this._kernel = null;
    if (comm && !comm.isDisposed) {
      try {
        comm.close();
      } catch {
        // The kernel is gone already; nothing to close.
      }
    }
  }

  private send(message: FrontendCommMessage): void {
    if (this.comm && !this.comm.isDisposed) this.comm.send(message as unknown as KernelMessage.ICommMsgMsg['content']['data']);
  }

  private readonly model: TasksModel;
  private comm: Kernel.IComm | null = null;
  private _kernel: Kernel.IKernelConnection | null = null;
}

/** The TaskcellConnection's options. */
export namespace TaskcellConnection {
  /** The model to fill and the notebook the jobs belong to. */
  export interface IOptions {
    model: TasksModel;
    source: string;
  }
}
