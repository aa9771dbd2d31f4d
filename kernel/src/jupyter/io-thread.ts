/**
 * The kernel's I/O thread (a worker_threads entry point, so it is not in the barrel): it owns the
 * heartbeat, control, stdin and IOPub sockets, so they work while the main thread runs a cell
 * (output printed by a blocking loop still streams; IOPub is an XPUB that greets each new
 * subscriber with `iopub_welcome` before anything else reaches it). An
 * `interrupt_request` with a good signature raises SIGINT in the process (which breaks a
 * synchronous loop) before it is handed to the main thread for its reply, with the count of the
 * work it was sent for (see InputSlot); an `input_reply` is
 * written to shared memory where a blocked `prompt()` waits for it.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as zmq from 'zeromq';
import { Wire, sendable } from './wire';
import { createMessage, endpoint } from './messages';
import type { IConnectionInfo } from './messages';
import { InputSlot } from './input-slot';

/** What the main thread passes to the I/O thread. */
export interface IIoThreadData {
  connection: IConnectionInfo;
  input: SharedArrayBuffer;
  /** The kernel's session id, for the messages this thread makes itself (iopub_welcome). */
  session: string;
}

/** Messages from the main thread. */
export type ToIoThread = { kind: 'send'; channel: 'control' | 'stdin' | 'iopub'; frames: Uint8Array[] } | { kind: 'close' };

/** Messages to the main thread. */
export type FromIoThread =
  | { kind: 'ready' }
  /** `work`: for an interrupt_request, the count of the work it was sent for (see InputSlot). */
  | { kind: 'control'; frames: Uint8Array[]; work?: number }
  | { kind: 'log'; text: string }
  | { kind: 'closed' };

namespace Private {
  /**
   * Read pending subscriptions and greet each with `iopub_welcome`. The socket's `readable` says
   * whether one is pending, so a publish with none (nearly all) costs no failed receive.
   */
  export async function greetSubscribers(iopub: zmq.XPublisher, wire: Wire, session: string): Promise<void> {
    while (iopub.readable) {
      let frame: Buffer;
      try {
        [frame] = await iopub.receive();
      } catch {
        return;
      }
      if (frame.length > 0 && frame[0] === 1) {
        const welcome = createMessage('iopub_welcome', { subscription: frame.subarray(1).toString('utf8') }, session, undefined);
        await iopub.send(sendable(wire.encode(welcome, [Buffer.from(`kernel.${session}.iopub_welcome`)])));
      }
    }
  }

  /**
   * Raise SIGINT, and again until the main thread acknowledges it: a signal that lands while the
   * main thread compiles (outside the breakable script) is otherwise lost. Only for the work the
   * interrupt was sent for: once that work has ended, a signal would land on the next, so raising
   * stops. And only once the main thread has run long enough to have seen the last one: a thread
   * that waits for a CPU (on a loaded machine) may not have seen it yet, and a second SIGINT that
   * lands as the first ends a breakable script is kept by Node for the next breakable script,
   * which it would break (the next cell, or the next task's loop).
   */
  export async function raiseUntilSeen(slot: InputSlot, work: number): Promise<void> {
    // Compiling a cell can take seconds on a loaded machine; keep trying for up to ten minutes.
    const until = Date.now() + 600_000;
    while (Date.now() < until) {
      const cpu = mainThreadCpu();
      if (!slot.raiseFor(work, () => process.kill(process.pid, 'SIGINT'))) return;
      for (;;) {
        await new Promise((r) => setTimeout(r, 100));
        if (!slot.interruptPending(work) || Date.now() >= until) return;
        const now = mainThreadCpu();
        if (cpu === undefined || now === undefined || now - cpu >= RUN_BEFORE_RAISING_AGAIN) break;
      }
    }
  }

  /** The main thread's CPU time before another SIGINT is raised for the same interrupt (ms). */
  const RUN_BEFORE_RAISING_AGAIN = 50;

  /** The CPU time the main thread has used (ms), where the system says (Linux); undefined elsewhere. */
  export function mainThreadCpu(): number | undefined {
    try {
      const stat = readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, 'utf8');
      // After the command name (in parentheses, which may hold spaces): utime and stime are the 12th and 13th fields, in 1/100 s.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      return Number.isFinite(ticks) ? ticks * 10 : undefined;
    } catch {
      return undefined;
    }
  }

  export async function main(port: import('node:worker_threads').MessagePort, data: IIoThreadData): Promise<void> {
    const post = (m: FromIoThread): void => port.postMessage(m);
    const info = data.connection;
    const wire = new Wire(info.key, info.signature_scheme);
    const slot = new InputSlot(data.input);
    const hb = new zmq.Reply({ linger: 0 });
    const control = new zmq.Router({ linger: 0 });
    const stdin = new zmq.Router({ linger: 0 });
    // A publisher drops what a slow subscriber has not taken once its queue holds the high-water
    // mark (zeromq's default: 1,000 messages), and a burst of job events (a thousand jobs starting
    // at once) is that many. The queue is bounded well above any burst instead.
    const iopub = new zmq.XPublisher({ linger: 1000, verbosity: 'allSubs', receiveTimeout: 0, sendHighWaterMark: 100_000 });
    await Promise.all([
      hb.bind(endpoint(info, 'hb')),
      control.bind(endpoint(info, 'control')),
      stdin.bind(endpoint(info, 'stdin')),
      iopub.bind(endpoint(info, 'iopub')),
    ]);
    const queues = { control: Promise.resolve(), stdin: Promise.resolve(), iopub: Promise.resolve() };
    // Subscriptions are read before every publish, and on a short timer when idle.
    const greet = (): Promise<void> => greetSubscribers(iopub, wire, data.session);
    const greetTimer = setInterval(() => {
      queues.iopub = queues.iopub.then(greet).catch(() => undefined);
    }, 50);
    let closing = false;
    port.on('message', (m: ToIoThread) => {
      if (m.kind === 'send') {
        const frames = sendable(m.frames);
        const fail = (err: unknown): void => post({ kind: 'log', text: `send on ${m.channel} failed: ${String(err)}` });
        if (m.channel === 'iopub')
          queues.iopub = queues.iopub
            .then(greet)
            .then(() => iopub.send(frames))
            .catch(fail);
        else {
          const sock = m.channel === 'control' ? control : stdin;
          queues[m.channel] = queues[m.channel].then(() => sock.send(frames)).catch(fail);
        }
      } else if (m.kind === 'close' && !closing) {
        closing = true;
        clearInterval(greetTimer);
        void Promise.allSettled([queues.control, queues.stdin, queues.iopub]).then(() => {
          for (const s of [hb, control, stdin, iopub]) s.close();
          post({ kind: 'closed' });
          port.close();
        });
      }
    });
    void (async () => {
      for await (const [ping] of hb) await hb.send(ping);
    })().catch(() => undefined);
    void (async () => {
      for await (const frames of control) {
        let type: string;
        try {
          type = wire.decode(frames).msg.header.msg_type;
        } catch (err) {
          post({ kind: 'log', text: `control: dropped a message: ${String(err)}` });
          continue;
        }
        let work: number | undefined;
        if (type === 'interrupt_request') {
          work = slot.interrupt();
          void raiseUntilSeen(slot, work);
        }
        post({ kind: 'control', frames, work });
      }
    })().catch(() => undefined);
    void (async () => {
      for await (const frames of stdin) {
        try {
          const { msg } = wire.decode(frames);
          if (msg.header.msg_type === 'input_reply') slot.answer(String((msg.content as { value?: unknown }).value ?? ''));
          else post({ kind: 'log', text: `stdin: unexpected ${msg.header.msg_type}; ignored` });
        } catch (err) {
          post({ kind: 'log', text: `stdin: dropped a message: ${String(err)}` });
        }
      }
    })().catch(() => undefined);
    post({ kind: 'ready' });
  }
}

// Started below the namespace, which must exist first.
if (parentPort) void Private.main(parentPort, workerData as IIoThreadData);
