import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import * as zmq from 'zeromq';
import { core } from './core';
import { Wire, sendable } from './wire';
import type { IIncoming } from './wire';
import { createMessage, endpoint, replyType } from './messages';
import type { IConnectionInfo, IMessage } from './messages';
import type { IDisposable } from '@taskcell/core';
import { KernelProtocol, errorContent } from './protocol';
import type { IOutcome } from './protocol';
import { Executor } from './executor';
import { CompilerProcess } from './compiler/client';
import type { ICompiler } from './compiler/client';
import { registerPromoteTarget } from './promote-target';
import { registerRerunTarget } from './rerun-target';
import { OutputRouter } from './output';
import { CommManager } from './comms';
import { JobBridge } from './job-bridge';
import { InputSlot } from './input-slot';
import type { FromIoThread, IIoThreadData, ToIoThread } from './io-thread';
import { StdinError } from './errors';
import { INPUT_READER } from '../prompt';
import { kernelLog } from './log';
import { onSigintBreak } from '@taskcell/core/lib/modes/sigint';

/**
 * The kernel process: owns the shell socket, the I/O thread (heartbeat, control, stdin, and
 * IOPub, so output leaves even while a cell blocks this thread), message
 * signatures, and busy/idle framing around every request. Execute requests go to the
 * KernelProtocol one at a time; while one awaits, the other shell requests (comm messages from
 * the Tasks panel, completion, inspection, kernel info) are served at once, so a Cancel is heard.
 * Control requests are served as they come. Each request runs in its own async context, so late
 * output and unhandled rejections reach the cell whose work made them.
 */
export class KernelServer {
  private readonly wire: Wire;
  private readonly shell = new zmq.Router({ linger: 0 });
  private readonly session = randomUUID();
  private readonly output: OutputRouter;
  private readonly comms: CommManager;
  private readonly executor: Executor;
  private readonly promote: IDisposable;
  private readonly rerun: IDisposable;
  private readonly protocol: KernelProtocol;
  private readonly bridge: JobBridge;
  private readonly slot = new InputSlot();
  private io: Worker | undefined;
  private shellQueue: IIncoming[] = [];
  private shellBusy = false;
  private current: IIncoming | undefined;
  /** The execute_request being served, while its cell runs or awaits. */
  private executing: IIncoming | undefined;
  private closed = false;
  private malformed = 0;
  /**
   * A SIGINT the I/O thread raised for an interrupt_request of the work now running interrupts it.
   * Any other is ignored: one still queued when an earlier one already broke a loop, or one raised
   * for work that has ended, must not reach the next cell (interrupts come as messages).
   */
  private readonly onSigint = (): void => {
    if (this.slot.acknowledgeInterrupt()) this.protocol.interrupt();
  };
  private unhookSigintBreak: (() => void) | undefined;
  /** An unhandled rejection or uncaught exception is shown as an error in the cell whose work threw it. */
  private readonly onUncaught = (err: unknown): void => {
    if (!this.closed) this.output.publish('error', errorContent(err));
  };
  private warmTimer: NodeJS.Timeout | undefined;
  /** @taskcell/core is loaded and the job bridge attached. */
  private engineLoaded = false;
  private resolveFinished: () => void = () => undefined;
  /** Resolves when the kernel has shut down (shutdown_request). */
  readonly finished: Promise<void>;

  constructor(
    private readonly info: IConnectionInfo,
    options: KernelServer.IOptions = {},
  ) {
    this.wire = new Wire(info.key, info.signature_scheme);
    this.output = new OutputRouter((type, content, parent) => this.publish(type, content, parent));
    this.comms = new CommManager((type, content, parent) => this.output.publish(type, content, parent));
    const cwd = options.cwd ?? process.cwd();
    this.executor = new Executor({
      cwd,
      compiler: options.compiler ?? new CompilerProcess({ cwd, log: kernelLog }),
      onSigint: () => void this.slot.acknowledgeInterrupt(),
    });
    this.protocol = new KernelProtocol({ executor: this.executor, output: this.output, comms: this.comms, connection: info });
    this.bridge = new JobBridge(this.comms, this.output);
    this.promote = registerPromoteTarget(this.comms, this.executor);
    this.rerun = registerRerunTarget(this.comms);
    this.finished = new Promise<void>((resolve) => {
      this.resolveFinished = resolve;
    });
  }

  /** Bind every socket, start the I/O thread, capture output, and serve until shutdown. */
  async start(): Promise<void> {
    this.io = new Worker(join(__dirname, 'io-thread.js'), {
      workerData: { connection: this.info, input: this.slot.buffer, session: this.session } satisfies IIoThreadData,
    });
    const ready = new Promise<void>((resolve, reject) => {
      this.io?.once('error', reject);
      this.io?.on('message', (m: FromIoThread) => {
        if (m.kind === 'ready') resolve();
        else this.onIoMessage(m);
      });
    });
    await Promise.all([this.shell.bind(endpoint(this.info, 'shell')), ready]);
    this.output.install();
    (globalThis as Record<symbol, unknown>)[INPUT_READER] = (prompt: string, password: boolean) => this.readInput(prompt, password);
    process.on('SIGINT', this.onSigint);
    // A SIGINT that breaks a task's loop reaches no listener: the interrupt it answers is seen all the same.
    this.unhookSigintBreak = onSigintBreak(() => void this.slot.acknowledgeInterrupt());
    process.on('unhandledRejection', this.onUncaught);
    process.on('uncaughtException', this.onUncaught);
    this.publish('status', { execution_state: 'starting' }, undefined);
    // The compiler builds in its own process while this one answers.
    this.executor.warm();
    void this.serveShell();
    // Load the engine once the kernel answers, so start-up is not held up by it.
    this.warmTimer = setTimeout(() => this.warm(), 300);
  }

  /** Close everything. Idempotent; every step runs even if one fails. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.warmTimer);
    process.off('SIGINT', this.onSigint);
    this.unhookSigintBreak?.();
    process.off('unhandledRejection', this.onUncaught);
    process.off('uncaughtException', this.onUncaught);
    delete (globalThis as Record<symbol, unknown>)[INPUT_READER];
    const steps: Array<() => unknown> = [
      () => (this.engineLoaded ? core().getRunner().cancelAll() : 0),
      () => this.bridge.dispose(),
      () => this.promote.dispose(),
      () => this.rerun.dispose(),
      () => this.comms.dispose(),
      () => this.output.dispose(),
      () => this.closeIoThread(),
      () => this.shell.close(),
      () => this.executor.close(),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        kernelLog(`close: ${String(err)}`);
      }
    }
  }

  /** Load the engine when the shell is idle (start-up timer). */
  private warm(): void {
    if (this.closed || this.engineLoaded) return;
    if (this.shellBusy) {
      this.warmTimer = setTimeout(() => this.warm(), 100);
      return;
    }
    this.warmNow();
  }

  /** Start the compiler (if it is not) and load the engine now. */
  private warmNow(): void {
    this.engineLoaded = true;
    try {
      this.executor.warm();
      this.bridge.attach();
    } catch (err) {
      kernelLog(`compiler warm-up failed: ${String(err)}`);
    }
  }

  private async closeIoThread(): Promise<void> {
    const io = this.io;
    if (!io) return;
    this.io = undefined;
    // Wait for the thread to end by itself after closing its sockets: exiting the process while
    // it still holds zeromq sockets aborts. A thread that does not end in 2 s is terminated.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void io.terminate().then(() => resolve()), 2000);
      io.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      io.postMessage({ kind: 'close' } satisfies ToIoThread);
    });
  }

  private publish(msgType: string, content: Record<string, unknown>, parent: IMessage | undefined): void {
    if (this.closed && msgType !== 'status') return;
    const msg = createMessage(msgType, content, this.session, parent);
    const frames = this.wire.encode(msg, [Buffer.from(`kernel.${this.session}.${msgType}`)]);
    this.io?.postMessage({ kind: 'send', channel: 'iopub', frames } satisfies ToIoThread);
  }

  private async serveShell(): Promise<void> {
    try {
      for await (const frames of this.shell) {
        const incoming = this.decode(frames, 'shell');
        if (!incoming) continue;
        if (this.executing && incoming.msg.header.msg_type !== 'execute_request') void this.serveAside(incoming);
        else {
          this.shellQueue.push(incoming);
          if (!this.shellBusy) void this.drainShell();
        }
      }
    } catch (err) {
      if (!this.closed) kernelLog(`shell: ${String(err)}`);
    }
  }

  private decode(frames: Buffer[], channel: string): IIncoming | undefined {
    try {
      return this.wire.decode(frames);
    } catch (err) {
      // Log the first few and then every thousandth, so a flood cannot fill the log.
      if (++this.malformed <= 10 || this.malformed % 1000 === 0)
        kernelLog(`${channel}: dropped message #${this.malformed}: ${String(err)}`);
      return undefined;
    }
  }

  private async drainShell(): Promise<void> {
    this.shellBusy = true;
    try {
      while (this.shellQueue.length > 0 && !this.closed) {
        const incoming = this.shellQueue.shift() as IIncoming;
        if (incoming.msg.header.msg_type !== 'execute_request') {
          await this.serve(incoming, 'shell');
          continue;
        }
        this.executing = incoming;
        // An interrupt sent for the work before this one no longer applies.
        this.slot.beginWork();
        let outcome: IOutcome;
        try {
          const served = this.serve(incoming, 'shell');
          // Requests that came in behind this execute are served while it awaits; later executes wait.
          for (const waiting of this.shellQueue.filter((m) => m.msg.header.msg_type !== 'execute_request')) {
            this.shellQueue.splice(this.shellQueue.indexOf(waiting), 1);
            void this.serveAside(waiting);
          }
          outcome = await served;
        } finally {
          this.executing = undefined;
        }
        if (outcome.abortQueue) await this.abortQueuedExecutes();
      }
    } finally {
      this.shellBusy = false;
    }
  }

  /** After an error with stop_on_error: every execute_request already waiting is answered `aborted`. */
  private async abortQueuedExecutes(): Promise<void> {
    // Let requests that are already in the socket's buffer reach the queue first.
    await new Promise((r) => setImmediate(r));
    const rest: IIncoming[] = [];
    for (const incoming of this.shellQueue.splice(0)) {
      if (incoming.msg.header.msg_type !== 'execute_request') {
        rest.push(incoming);
        continue;
      }
      this.publish('status', { execution_state: 'busy' }, incoming.msg);
      await this.reply(incoming, 'shell', this.protocol.abortedReply());
      this.publish('status', { execution_state: 'idle' }, incoming.msg);
    }
    this.shellQueue.unshift(...rest);
  }

  /**
   * Serve a shell request while an execute awaits. Its busy/idle go under its own parent; then
   * the kernel says busy again under the execute, so frontends do not show an idle kernel while
   * the cell still runs.
   */
  private async serveAside(incoming: IIncoming): Promise<void> {
    await this.serve(incoming, 'shell', true);
    const executing = this.executing;
    if (executing && !this.closed) this.publish('status', { execution_state: 'busy' }, executing.msg);
  }

  private onIoMessage(m: FromIoThread): void {
    if (m.kind === 'log') kernelLog(m.text);
    else if (m.kind === 'control') {
      const incoming = this.decode(
        m.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)),
        'control',
      );
      if (!incoming) return;
      if (m.work !== undefined && !this.slot.isCurrentWork(m.work)) void this.answerLateInterrupt(incoming);
      else void this.serve(incoming, 'control');
    }
  }

  /**
   * An interrupt_request whose work ended before this thread got to it (its SIGINT broke that
   * work's loop): answered, and it interrupts nothing, for what runs now is the next cell.
   */
  private async answerLateInterrupt(incoming: IIncoming): Promise<void> {
    this.publish('status', { execution_state: 'busy' }, incoming.msg);
    await this.reply(incoming, 'control', { status: 'ok' });
    this.publish('status', { execution_state: 'idle' }, incoming.msg);
  }

  private async serve(incoming: IIncoming, channel: 'shell' | 'control', aside = false): Promise<IOutcome> {
    const { msg } = incoming;
    const previous = this.current;
    if (channel === 'shell' && !aside) {
      this.current = incoming;
      this.output.parent = msg;
    }
    this.publish('status', { execution_state: 'busy' }, msg);
    let outcome: IOutcome = {};
    try {
      // Shell requests run in their own async context (what they start prints under them). Control
      // requests (interrupt, shutdown) start nothing and stay outside, so the shutdown that closes
      // everything does not run inside one.
      const handle = () => this.protocol.handle(msg, { channel });
      const handled = channel === 'shell' ? this.output.run(msg, handle) : handle();
      // A first cell is with the compiler by now: the engine loads meanwhile, before the cell runs.
      if (msg.header.msg_type === 'execute_request' && !this.engineLoaded) this.warmNow();
      outcome = await handled;
    } catch (err) {
      kernelLog(`${msg.header.msg_type} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      outcome = { reply: { status: 'error', ename: 'KernelError', evalue: String(err), traceback: [String(err)] } };
    }
    this.output.flush();
    if (outcome.reply) await this.reply(incoming, channel, outcome.reply);
    this.publish('status', { execution_state: 'idle' }, msg);
    if (channel === 'shell' && !aside) this.current = previous;
    if (outcome.shutdown) {
      await this.close();
      this.resolveFinished();
    }
    return outcome;
  }

  private async reply(incoming: IIncoming, channel: 'shell' | 'control', content: Record<string, unknown>): Promise<void> {
    const msg = createMessage(replyType(incoming.msg.header.msg_type), content, this.session, incoming.msg);
    const frames = this.wire.encode(msg, incoming.ids);
    if (channel === 'shell') await this.shell.send(sendable(frames));
    else this.io?.postMessage({ kind: 'send', channel: 'control', frames } satisfies ToIoThread);
  }

  /** `prompt()`: send an input_request on stdin and block this thread until the reply (or an interrupt). */
  private readInput(prompt: string, password: boolean): string {
    const incoming = this.current;
    if (!incoming || incoming.msg.header.msg_type !== 'execute_request' || incoming.msg.content.allow_stdin !== true || !this.io) {
      throw new StdinError('This frontend does not accept input requests (allow_stdin is false)', {});
    }
    this.output.flush();
    const msg = createMessage('input_request', { prompt, password }, this.session, incoming.msg);
    this.slot.reset();
    this.io.postMessage({ kind: 'send', channel: 'stdin', frames: this.wire.encode(msg, incoming.ids) } satisfies ToIoThread);
    return this.slot.wait();
  }
}

/** The KernelServer's options. */
export namespace KernelServer {
  /** How to run the kernel. */
  export interface IOptions {
    /** The notebook directory: where modules and types resolve from (default: the working directory). */
    cwd?: string;
    /** What compiles the cells (default: a compiler process started with the server). */
    compiler?: ICompiler;
  }
}
