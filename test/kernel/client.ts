/**
 * A small Jupyter client over real zeromq sockets for black-box kernel tests: starts
 * `taskcell kernel` on ipc endpoints in a temp directory, signs requests, and collects the
 * replies and IOPub messages of each.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as zmq from 'zeromq';

/** The repository root. */
export const ROOT = resolve(__dirname, '..', '..');

/** A decoded message. */
export interface IMsg {
  header: { msg_id: string; msg_type: string; session: string; [k: string]: unknown };
  parent_header: { msg_id?: string; [k: string]: unknown };
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

/** A request's reply and the IOPub messages it caused, up to its idle status. */
export interface IExchange {
  reply: IMsg;
  iopub: IMsg[];
}

/** A kernel process and a client connected to it. */
export class KernelClient {
  readonly key: string = randomUUID();
  readonly session = randomUUID();
  readonly dir = mkdtempSync(join(tmpdir(), 'taskcell-kernel-test-'));
  readonly shell = new zmq.Dealer({ routingId: this.session, linger: 0 });
  readonly control = new zmq.Dealer({ routingId: this.session, linger: 0 });
  readonly stdin = new zmq.Dealer({ routingId: this.session, linger: 0 });
  readonly iopub = new zmq.Subscriber({ linger: 0 });
  readonly hb = new zmq.Request({ linger: 0 });
  /** Every IOPub message received so far. */
  readonly received: IMsg[] = [];
  /** Input requests seen on stdin, answered by `onInput`. */
  onInput: ((msg: IMsg) => string) | undefined;
  proc: ChildProcess | undefined;
  stderr = '';
  private waiters: Array<() => void> = [];
  private replies = new Map<string, (m: IMsg) => void>();
  private closed = false;

  /** Start a kernel in `cwd` (default: a fresh empty directory) with `env` (default: this process's) and connect. */
  async start(cwd: string = this.dir, env: NodeJS.ProcessEnv = process.env): Promise<void> {
    const base = join(this.dir, 'k');
    const conn = {
      transport: 'ipc',
      ip: base,
      key: this.key,
      signature_scheme: 'hmac-sha256',
      shell_port: 1,
      iopub_port: 2,
      stdin_port: 3,
      control_port: 4,
      hb_port: 5,
    };
    const file = join(this.dir, 'connection.json');
    writeFileSync(file, JSON.stringify(conn));
    this.proc = spawn(process.execPath, [join(ROOT, 'kernel', 'bin', 'taskcell.js'), 'kernel', '--connection-file', file], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.iopub.subscribe();
    const ep = (port: number): string => `ipc://${base}-${port}`;
    this.shell.connect(ep(1));
    this.iopub.connect(ep(2));
    this.stdin.connect(ep(3));
    this.control.connect(ep(4));
    this.hb.connect(ep(5));
    void this.pump(this.shell);
    void this.pump(this.control);
    void this.pumpIopub();
    void this.pumpStdin();
    // The kernel is up when it answers kernel_info (retried: the first ones may precede the bind).
    for (let i = 0; i < 100; i++) {
      const r = await Promise.race([
        this.request('kernel_info_request', {}),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 200)),
      ]);
      if (r) {
        // IOPub is subscribed once the kernel's welcome arrives; before that, messages are lost.
        await this.waitFor((m) => m.header.msg_type === 'iopub_welcome');
        return;
      }
    }
    throw new Error(`kernel did not answer kernel_info: ${this.stderr}`);
  }

  /** Frames of a signed message. */
  frames(
    msgType: string,
    content: Record<string, unknown>,
    key = this.key,
    metadata: Record<string, unknown> = {},
  ): { id: string; frames: Buffer[] } {
    const id = randomUUID();
    const header = {
      msg_id: id,
      msg_type: msgType,
      session: this.session,
      username: 'test',
      date: new Date().toISOString(),
      version: '5.3',
    };
    const parts = [header, {}, metadata, content].map((p) => Buffer.from(JSON.stringify(p)));
    const sig = key ? createHmac('sha256', key).update(Buffer.concat(parts)).digest('hex') : '';
    return { id, frames: [Buffer.from('<IDS|MSG>'), Buffer.from(sig), ...parts] };
  }

  /** Send a request and wait for its reply. */
  async request(msgType: string, content: Record<string, unknown>, channel: 'shell' | 'control' = 'shell'): Promise<IMsg> {
    const { id, frames } = this.frames(msgType, content);
    const reply = new Promise<IMsg>((resolve) => this.replies.set(id, resolve));
    await (channel === 'shell' ? this.shell : this.control).send(frames);
    return reply;
  }

  /** Send a request, and wait for its reply and its idle status. */
  async exchange(
    msgType: string,
    content: Record<string, unknown>,
    channel: 'shell' | 'control' = 'shell',
    metadata: Record<string, unknown> = {},
  ): Promise<IExchange> {
    const { id, frames } = this.frames(msgType, content, this.key, metadata);
    const reply = new Promise<IMsg>((resolve) => this.replies.set(id, resolve));
    await (channel === 'shell' ? this.shell : this.control).send(frames);
    const r = await reply;
    const iopub = await this.iopubFor(id);
    return { reply: r, iopub };
  }

  /** Send a message that has no reply (comm_open, comm_msg, comm_close) and collect its IOPub messages. */
  async notify(msgType: string, content: Record<string, unknown>): Promise<IMsg[]> {
    const { id, frames } = this.frames(msgType, content);
    await this.shell.send(frames);
    return this.iopubFor(id);
  }

  /** Run code; resolves with the execute_reply and the cell's IOPub messages. `metadata` is the request's (JupyterLab sends `cellId`). */
  execute(code: string, extra: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Promise<IExchange> {
    return this.exchange(
      'execute_request',
      {
        code,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: true,
        stop_on_error: true,
        ...extra,
      },
      'shell',
      metadata,
    );
  }

  /** The IOPub messages of a request, once its idle status arrived. */
  async iopubFor(msgId: string, timeoutMs = 20000): Promise<IMsg[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mine = this.received.filter((m) => m.parent_header.msg_id === msgId);
      if (mine.some((m) => m.header.msg_type === 'status' && m.content.execution_state === 'idle')) return mine;
      if (Date.now() > deadline) throw new Error(`no idle status for ${msgId}; got ${mine.map((m) => m.header.msg_type).join(', ')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** Wait until an IOPub message matches. */
  async waitFor(pred: (m: IMsg) => boolean, timeoutMs = 10000): Promise<IMsg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.received.find(pred);
      if (m) return m;
      if (Date.now() > deadline) throw new Error('timed out waiting for an IOPub message');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** Stop the kernel (by its pid) and close the sockets. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const proc = this.proc;
    // A process that ended by a signal has a signalCode and no exitCode: it is gone all the same.
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    }
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) s.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private decode(frames: Buffer[]): IMsg {
    const at = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
    const [header, parent, metadata, content] = frames
      .slice(at + 2, at + 6)
      .map((f) => JSON.parse(f.toString()) as Record<string, unknown>);
    return { header: header as IMsg['header'], parent_header: parent, metadata, content };
  }

  private async pump(sock: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of sock) {
        const m = this.decode(frames);
        const id = m.parent_header.msg_id;
        const resolve = id ? this.replies.get(id) : undefined;
        if (resolve && id) {
          this.replies.delete(id);
          resolve(m);
        }
      }
    } catch {
      // closed
    }
  }

  private async pumpIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        this.received.push(this.decode(frames));
        const w = this.waiters;
        this.waiters = [];
        for (const r of w) r();
      }
    } catch {
      // closed
    }
  }

  private async pumpStdin(): Promise<void> {
    try {
      for await (const frames of this.stdin) {
        const m = this.decode(frames);
        const value = this.onInput ? this.onInput(m) : '';
        const reply = this.frames('input_reply', { value });
        await this.stdin.send(reply.frames);
      }
    } catch {
      // closed
    }
  }
}

/** Run `fn` against a fresh kernel started with `env`, and stop the kernel afterwards. */
export async function withKernel(env: NodeJS.ProcessEnv, fn: (k: KernelClient) => Promise<void>): Promise<void> {
  const k = new KernelClient();
  try {
    await k.start(k.dir, env);
    await fn(k);
  } finally {
    await k.close();
  }
}
