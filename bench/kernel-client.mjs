// A small Jupyter client for the kernel benchmarks: starts a kernel on free loopback TCP ports,
// signs requests on the shell socket and, when asked, subscribes to IOPub (a kernel may skip
// publishing when nobody listens, which would hide the cost of what it publishes).
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const zmq = createRequire(join(root, 'kernel', 'package.json'))('zeromq');

/** A kernel started from `command(connectionFile)` and a shell (and optionally IOPub) client to it. */
export class KernelBenchClient {
  constructor(name, command, options = {}) {
    this.name = name;
    this.command = command;
    this.iopubCount = options.iopub ? 0 : undefined;
    this.env = options.env ?? process.env;
    this.key = randomUUID();
    this.session = randomUUID();
    this.dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
    this.shell = new zmq.Dealer({ routingId: this.session, linger: 0 });
    this.pending = new Map();
  }

  async start() {
    // TCP on free loopback ports: tslab builds every endpoint as transport://ip:port.
    const [shell, iopub, stdin, control, hb] = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    const file = join(this.dir, 'connection.json');
    const conn = {
      transport: 'tcp',
      ip: '127.0.0.1',
      key: this.key,
      signature_scheme: 'hmac-sha256',
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
    };
    writeFileSync(file, JSON.stringify(conn));
    this.shell.connect(`tcp://127.0.0.1:${shell}`);
    void this.pump();
    if (this.iopubCount !== undefined) {
      this.iopub = new zmq.Subscriber({ linger: 0 });
      this.iopub.subscribe();
      this.iopub.connect(`tcp://127.0.0.1:${iopub}`);
      void this.pumpIopub();
    }
    this.file = file;
    return this.spawn();
  }

  /** Start the kernel process on the connection file and wait for its kernel_info_reply; resolves to the ms it took. */
  async spawn() {
    const [cmd, ...args] = this.command(this.file);
    const t0 = performance.now();
    this.proc = spawn(cmd, args, { cwd: this.dir, stdio: 'ignore', env: this.env });
    await this.request('kernel_info_request', {});
    return performance.now() - t0;
  }

  /**
   * Restart as a frontend's restart does for a kernel that is gone: a new process on the same
   * connection file (the client's sockets reconnect), in the same folder. Resolves to the ms
   * from the old process's end to the new one's first `code` result.
   */
  async restart(code) {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await exited;
    const t0 = performance.now();
    await this.spawn();
    await this.execute(code);
    return performance.now() - t0;
  }

  async request(type, content) {
    const id = randomUUID();
    const header = { msg_id: id, msg_type: type, session: this.session, username: 'bench', date: new Date().toISOString(), version: '5.3' };
    const parts = [header, {}, {}, content].map((p) => Buffer.from(JSON.stringify(p)));
    const sig = createHmac('sha256', this.key).update(Buffer.concat(parts)).digest('hex');
    const reply = new Promise((resolve) => this.pending.set(id, resolve));
    await this.shell.send(['<IDS|MSG>', sig, ...parts]);
    return reply;
  }

  async execute(code) {
    const t0 = performance.now();
    const reply = await this.request('execute_request', {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    const ms = performance.now() - t0;
    if (reply.status !== 'ok') throw new Error(`${this.name}: ${code} -> ${JSON.stringify(reply)}`);
    return ms;
  }

  async pump() {
    try {
      for await (const frames of this.shell) {
        const at = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
        const parent = JSON.parse(frames[at + 3].toString());
        const content = JSON.parse(frames[at + 5].toString());
        this.pending.get(parent.msg_id)?.(content);
        this.pending.delete(parent.msg_id);
      }
    } catch {
      // closed
    }
  }

  /** Count IOPub messages, decoding each as a frontend would. */
  async pumpIopub() {
    try {
      for await (const frames of this.iopub) {
        const at = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
        JSON.parse(frames[at + 5].toString());
        this.iopubCount++;
      }
    } catch {
      // closed
    }
  }

  async close() {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await exited;
    this.shell.close();
    this.iopub?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The median of `xs`. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The median of `xs` with a 95% interval from order statistics (no assumption about the distribution). */
export function medianInterval(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const n = sorted.length;
  const half = (1.96 * Math.sqrt(n)) / 2;
  const lo = sorted[Math.max(0, Math.floor(n / 2 - half))];
  const hi = sorted[Math.min(n - 1, Math.ceil(n / 2 + half))];
  return { median: median(sorted), lo, hi };
}
