import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { CanceledError, SpecError, TaskError } from '../errors';
import type { Job } from '../job';
import type { IPortSpec, ITaskSpec } from '../spec';
import type { IMode } from './registry';
import { CollectingSink } from '../streams/channel';
import type { IStreamSink } from '../streams/channel';
import { isLiveStream, isStreamPort } from '../streams/ports';

/** The Python side, shipped with the package (`python/taskcell_python.py`). */
const RUNNER = join(__dirname, '..', '..', 'python', 'taskcell_python.py');
/** Written to stdout and stderr after each job, so every output line is given to the job that printed it. */
const END = '\u0000taskcell-end';

/**
 * `python`: Girder Worker's python mode. The script runs in a Python 3 interpreter kept warm
 * between jobs (one per job running at once): each input is a variable, each output is read back
 * from the script's scope; what it prints becomes the job's log, line by line, as it prints it; an
 * exception becomes a TaskError carrying the Python traceback; cancelling kills the interpreter.
 *
 * The interpreter is `$TASKCELL_PYTHON`, else the nearest `.venv/bin/python` up from the working
 * directory (the project venv), else `python3`. Ports in the `networkx` and `pil` formats cross as
 * taskcell's graph and image values and become networkx graphs and PIL images on the Python side.
 *
 * Streaming ports are line streams: a `stream: true` input fed by a running step is an iterator in
 * the script (`for line in lines:`), its items written into the interpreter's stdin as the script
 * reads, held back by the pipe when it does not; a `stream: true` output set to an iterable (a
 * generator) sends each item as it is made, and the interpreter waits while its reader is behind.
 * A whole text given to a streaming input is iterated by lines.
 *
 * Girder Worker's `write_script: 1` on a task writes its script to a file in the job's folder before
 * it runs (the job log names the file), and the script runs under that file name, so tracebacks
 * and debuggers point at it.
 */
export const pythonMode: IMode = {
  name: 'python',

  check(task) {
    if (typeof task.script !== 'string') {
      throw new SpecError(`Task "${task.name ?? '(unnamed)'}" in mode python needs a "script" (or a "script_uri" read by loadTask)`, {
        task: task.name,
        path: 'script',
      });
    }
  },

  async execute(task, inputs, { job, options }) {
    const proc = await Private.pool.acquire();
    try {
      return await proc.run(task, inputs, job, options.streams);
    } finally {
      Private.pool.release(proc);
    }
  },

  cacheIdentity(task) {
    return { code: `python:${task.script ?? ''}` };
  },

  place() {
    return { kind: 'python', name: Private.interpreter() };
  },
};

/** Stop every warm interpreter (they also end with the process). */
export function closePythonInterpreters(): void {
  Private.pool.closeAll();
}

namespace Private {
  interface IReply {
    id: number;
    /** A streaming output's item: the port, and the value in `value`. */
    item?: string;
    value?: unknown;
    outputs?: Record<string, unknown>;
    error?: { type: string; message: string; traceback: string };
  }

  /** The interpreter to use. */
  export function interpreter(): string {
    if (process.env.TASKCELL_PYTHON) return process.env.TASKCELL_PYTHON;
    for (let dir = process.cwd(); ; dir = dirname(dir)) {
      const candidate = join(dir, '.venv', 'bin', 'python');
      if (existsSync(candidate)) return candidate;
      if (dirname(dir) === dir) return 'python3';
    }
  }

  /** JSON for the wire: bytes as base64. */
  export function encode(v: unknown): unknown {
    if (v instanceof Uint8Array) return { __bytes__: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    if (Array.isArray(v)) return v.map(encode);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
    return v;
  }

  export function decode(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(decode);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === '__bytes__') return Buffer.from(o.__bytes__ as string, 'base64');
      return Object.fromEntries(keys.map((k) => [k, decode(o[k])]));
    }
    return v;
  }

  /** Write a task's script into its job's folder (`write_script`); the file's path. */
  export function writeScript(task: ITaskSpec, job: Job): string {
    const file = join(job.tempdir, `${(task.name ?? 'script').replace(/[^\w.-]/g, '_')}.py`);
    writeFileSync(file, task.script ?? '');
    job.writeLog('log', `taskcell: the script of task "${task.name ?? '(unnamed)'}" is written to ${file} (write_script)`);
    return file;
  }

  function ports(list: IPortSpec[]) {
    return list.map((p) =>
      isStreamPort(p)
        ? { id: p.id, type: p.type, format: p.format, target: p.target, stream: true }
        : { id: p.id, type: p.type, format: p.format, target: p.target },
    );
  }

  /** One warm interpreter. */
  export class Interpreter {
    private child: ChildProcess;
    private ready: Promise<void>;
    private replies = new Map<number, (r: IReply) => void>();
    /** The sinks of the current job's streaming outputs. */
    private sinks: Record<string, IStreamSink> = {};
    private nextId = 1;
    private current: Job | undefined;
    private ends: Array<() => void> = [];
    private dead: Error | undefined;

    constructor(readonly python: string) {
      this.child = spawn(python, ['-u', RUNNER], {
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
      });
      const protocol = createInterface({ input: this.child.stdio[3] as Readable });
      this.ready = new Promise((resolve, reject) => {
        protocol.once('line', () => resolve());
        this.child.once('error', (err) =>
          reject(
            new TaskError(`Cannot start the Python interpreter "${python}": ${err.message}; set TASKCELL_PYTHON to a Python 3`, { python }),
          ),
        );
        this.child.once('exit', (code) =>
          reject(new TaskError(`The Python interpreter "${python}" exited at start (code ${code})`, { python })),
        );
      });
      protocol.on('line', (line) => {
        let msg: IReply;
        try {
          msg = JSON.parse(line) as IReply;
        } catch {
          return;
        }
        if (msg.item !== undefined) {
          const w = this.sinks[msg.item]?.write(decode(msg.value));
          // The reader is behind: stop reading, so the pipe fills and the script waits in its write.
          if (w) {
            protocol.pause();
            void w.then(() => protocol.resume());
          }
        } else this.replies.get(msg.id)?.(msg);
      });
      for (const stream of ['stdout', 'stderr'] as const) {
        createInterface({ input: this.child[stream]! }).on('line', (line) => {
          if (line === END) this.ends.shift()?.();
          else this.current?.writeLog(stream, line);
        });
      }
      this.child.once('exit', (code, signal) => {
        this.dead = new TaskError(`The Python interpreter ended (${signal ?? `exit code ${code}`})`, {});
        for (const done of this.replies.values())
          done({ id: 0, error: { type: 'InterpreterExit', message: this.dead.message, traceback: '' } });
        for (const end of this.ends.splice(0)) end();
      });
    }

    get alive(): boolean {
      return this.dead === undefined;
    }

    async run(
      task: ITaskSpec,
      inputs: Record<string, unknown>,
      job: Job,
      sinks: Record<string, IStreamSink> | undefined,
    ): Promise<Record<string, unknown>> {
      await this.ready;
      if (this.dead) throw this.dead;
      this.current = job;
      const id = this.nextId++;
      // Streaming outputs nothing reads while the task runs are kept whole.
      const kept: Record<string, CollectingSink> = {};
      this.sinks = {};
      for (const p of task.outputs) {
        if (isStreamPort(p)) this.sinks[p.id] = sinks?.[p.id] ?? (kept[p.id] = new CollectingSink());
      }
      const streamed = task.inputs.filter((p) => isLiveStream(p, inputs[p.id]));
      const values = streamed.length ? { ...inputs } : inputs;
      for (const p of streamed) delete values[p.id];
      let ended = false;
      const filename = task.source.write_script ? Private.writeScript(task, job) : undefined;
      const onAbort = () => this.kill();
      job.signal.addEventListener('abort', onAbort, { once: true });
      const drained = new Promise<void>((resolve) => {
        let n = 2;
        for (let i = 0; i < 2; i++) this.ends.push(() => --n === 0 && resolve());
      });
      try {
        const magic: Record<string, unknown> = {};
        if (/\b_tempdir\b/.test(task.script ?? '') || task.outputs.some((p) => p.id === '_tempdir')) magic._tempdir = job.tempdir;
        const reply = await new Promise<IReply>((resolve) => {
          this.replies.set(id, resolve);
          const req = {
            id,
            name: task.name,
            script: task.script,
            inputs: ports(task.inputs),
            outputs: ports(task.outputs),
            values: encode(values),
            magic,
            streams: streamed.map((p) => p.id),
            filename,
          };
          (this.child.stdin as Writable).write(`${JSON.stringify(req)}\n`);
          for (const p of streamed) void this.feed(id, p.id, inputs[p.id] as AsyncIterable<unknown>, () => ended);
        });
        ended = true;
        if (job.aborted)
          throw job.abortReason instanceof Error ? job.abortReason : new CanceledError('Python task cancelled', { task: task.name });
        if (!this.dead) await drained;
        if (reply.error) {
          throw new TaskError(`Python ${reply.error.type}: ${reply.error.message}\n${reply.error.traceback}`.trimEnd(), {
            task: task.name,
            pythonType: reply.error.type,
            traceback: reply.error.traceback,
          });
        }
        const outputs = decode(reply.outputs) as Record<string, unknown>;
        for (const [port, sink] of Object.entries(kept)) if (!(port in outputs)) outputs[port] = sink.value();
        return outputs;
      } finally {
        ended = true;
        this.sinks = {};
        this.replies.delete(id);
        job.signal.removeEventListener('abort', onAbort);
        this.current = undefined;
      }
    }

    /**
     * Write a streaming input's items into stdin as frames of job `id`, waiting for the pipe to drain
     * when it is full (the script is not reading). Stops when the job has ended.
     */
    private async feed(id: number, port: string, source: AsyncIterable<unknown>, ended: () => boolean): Promise<void> {
      const stdin = this.child.stdin as Writable;
      const send = async (frame: Record<string, unknown>) => {
        if (!stdin.write(`${JSON.stringify({ job: id, stream: port, ...frame })}\n`)) {
          await new Promise<void>((resolve) => {
            const go = () => {
              stdin.off('drain', go);
              this.child.off('exit', go);
              resolve();
            };
            stdin.once('drain', go);
            this.child.once('exit', go);
          });
        }
      };
      const it = source[Symbol.asyncIterator]();
      try {
        for (;;) {
          if (ended() || this.dead) {
            await it.return?.();
            return;
          }
          const r = await it.next();
          if (r.done) break;
          if (ended() || this.dead) {
            await it.return?.();
            return;
          }
          await send({ item: encode(r.value) });
        }
        if (!ended() && !this.dead) await send({ end: true });
      } catch (err) {
        if (!ended() && !this.dead) await send({ error: (err as Error)?.message ?? String(err) });
      }
    }

    kill(): void {
      this.child.kill('SIGKILL');
    }

    /** A busy interpreter keeps Node running; an idle one does not. */
    busy(): void {
      this.child.ref();
      for (const s of this.child.stdio) (s as unknown as { ref?: () => void } | null)?.ref?.();
    }

    idle(): void {
      this.child.unref();
      for (const s of this.child.stdio) (s as unknown as { unref?: () => void } | null)?.unref?.();
    }
  }

  /** Warm interpreters, one per job running at once; at most one per core kept when idle. */
  class InterpreterPool {
    private free: Interpreter[] = [];

    async acquire(): Promise<Interpreter> {
      const python = interpreter();
      while (this.free.length) {
        const p = this.free.pop()!;
        if (p.alive && p.python === python) {
          p.busy();
          return p;
        }
        p.kill();
      }
      return new Interpreter(python);
    }

    /** Keep a live interpreter for the next job (a cancelled one was killed and is dropped). */
    release(p: Interpreter): void {
      if (p.alive && this.free.length < cpus().length) {
        p.idle();
        this.free.push(p);
      } else p.kill();
    }

    closeAll(): void {
      for (const p of this.free.splice(0)) p.kill();
    }
  }

  export const pool = new InterpreterPool();
}
