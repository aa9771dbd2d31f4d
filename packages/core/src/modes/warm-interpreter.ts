import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ObjectId } from 'bson';
import { CanceledError, ConversionError, SpecError, TaskError } from '../errors';
import type { Job } from '../job';
import type { IProgress } from '../events';
import type { IPortSpec, ITaskSpec } from '../spec';
import type { IMode } from './registry';
import { CollectingSink } from '../streams/channel';
import type { IStreamSink } from '../streams/channel';
import { isLiveStream, isStreamPort } from '../streams/ports';

/** How to start a warm interpreter. */
export interface IInterpreterOptions {
  /** The interpreter to run. */
  program: string;
  /** Its arguments (the driver script). */
  args: string[];
  /** The language's name in messages (`Python`, `R`). */
  language: string;
  /** How to choose another interpreter, said when this one does not start. */
  hint: string;
  env?: NodeJS.ProcessEnv;
  /** The line the driver writes to stdout and stderr after each request, so every output line is given to the job that printed it. */
  endMark: string;
}

/** A reply frame of the interpreter's protocol (file descriptor 3, one JSON object a line). */
export interface IInterpreterReply {
  id: number;
  /** The failure of the request, in the interpreter's words. */
  error?: { type: string; message: string; traceback: string };
  /** A progress report sent while a job runs; not the reply. */
  progress?: IProgress;
  /** A streaming output's item, sent while a job runs: the port, and the value in `value`. */
  item?: string;
  [key: string]: unknown;
}

/**
 * One warm interpreter (Python, R) driven over pipes: requests as JSON lines on its stdin, replies
 * and progress frames as JSON lines on file descriptor 3, so what a script prints on stdout and
 * stderr stays free to become the job's log, line by line, as it prints it. After each request the
 * interpreter writes its end mark on both streams, so no line is given to the next job. Cancelling
 * the job kills the interpreter.
 */
export class WarmInterpreter {
  private child: ChildProcess;
  private ready: Promise<void>;
  private replies = new Map<number, (r: IInterpreterReply) => void>();
  /** The sinks of the current job's streaming outputs. */
  private sinks: Record<string, IStreamSink> = {};
  private nextId = 1;
  private current: Job | undefined;
  private ends: Array<() => void> = [];
  private dead: Error | undefined;
  /** What the interpreter wrote on stderr before it was ready, for the error when it does not start. */
  private startErrors: string[] = [];

  /** The interpreter this runs. */
  readonly program: string;
  private readonly language: string;

  constructor(options: IInterpreterOptions) {
    const { program, args, language, hint, endMark } = options;
    this.program = program;
    this.language = language;
    this.child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const protocol = createInterface({ input: this.child.stdio[3] as Readable });
    this.ready = new Promise((resolve, reject) => {
      protocol.once('line', () => resolve());
      this.child.once('error', (err) =>
        reject(new TaskError(`Cannot start the ${language} interpreter "${program}": ${err.message}; ${hint}`, { interpreter: program })),
      );
      // 'close' comes after the streams end, so what the interpreter said on stderr is all there.
      this.child.once('close', (code) => {
        const said = this.startErrors.length ? `: ${this.startErrors.join('\n')}\n` : ' ';
        reject(
          new TaskError(`The ${language} interpreter "${program}" exited at start (code ${code})${said}(${hint})`, {
            interpreter: program,
            stderr: this.startErrors.join('\n'),
          }),
        );
      });
    });
    this.ready.then(
      () => (this.startErrors = []),
      () => undefined,
    );
    // A failed start is reported to the request that waits for it; none may be waiting yet.
    protocol.on('line', (line) => {
      let msg: IInterpreterReply;
      try {
        msg = JSON.parse(line) as IInterpreterReply;
      } catch {
        return;
      }
      if (msg.progress && !msg.error && Object.keys(msg).length === 2) {
        this.current?.progress(msg.progress.current, msg.progress.total, msg.progress.message);
        return;
      }
      if (msg.item !== undefined) {
        const w = this.sinks[msg.item]?.write(decodeFromWire(msg.value));
        // The reader is behind: stop reading, so the pipe fills and the script waits in its write.
        if (w) {
          protocol.pause();
          void w.then(() => protocol.resume());
        }
        return;
      }
      this.replies.get(msg.id)?.(msg);
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: this.child[stream]! }).on('line', (line) => {
        // A script's last output without a newline shares its line with the end mark.
        const end = line.endsWith(endMark);
        const text = end ? line.slice(0, -endMark.length) : line;
        if (end && !text) this.ends.shift()?.();
        else if (this.current) this.current.writeLog(stream, text);
        else if (stream === 'stderr' && this.startErrors.length < 20) this.startErrors.push(text);
        if (end && text) this.ends.shift()?.();
      });
    }
    this.child.once('exit', (code, signal) => {
      this.dead = new TaskError(`The ${language} interpreter ended (${signal ?? `exit code ${code}`})`, { interpreter: program });
      for (const done of this.replies.values())
        done({ id: 0, error: { type: 'InterpreterExit', message: this.dead.message, traceback: '' } });
      for (const end of this.ends.splice(0)) end();
    });
  }

  /** False once the interpreter has ended. */
  get alive(): boolean {
    return this.dead === undefined;
  }

  /**
   * Send one request (`id` is added) and wait for its reply, with every line the interpreter prints
   * meanwhile. With a job, those lines become its log, its progress frames its progress, and
   * cancelling the job kills the interpreter and rejects with the job's reason. `streams` are the
   * job's live streaming inputs, written into stdin as frames while the script reads them, and the
   * sinks its streaming outputs' items go to as they come.
   */
  async request(
    body: Record<string, unknown>,
    job?: Job,
    streams?: { inputs: Record<string, AsyncIterable<unknown>>; sinks: Record<string, IStreamSink> },
  ): Promise<IInterpreterReply> {
    await this.ready;
    if (this.dead) throw this.dead;
    this.current = job;
    const id = this.nextId++;
    this.sinks = streams?.sinks ?? {};
    let ended = false;
    const onAbort = () => this.kill();
    job?.signal.addEventListener('abort', onAbort, { once: true });
    const drained = new Promise<void>((resolve) => {
      let n = 2;
      for (let i = 0; i < 2; i++) this.ends.push(() => --n === 0 && resolve());
    });
    try {
      const reply = await new Promise<IInterpreterReply>((resolve) => {
        this.replies.set(id, resolve);
        (this.child.stdin as Writable).write(`${JSON.stringify({ ...body, id })}\n`);
        for (const [port, source] of Object.entries(streams?.inputs ?? {})) void this.feed(id, port, source, () => ended);
      });
      ended = true;
      if (job?.aborted)
        throw job.abortReason instanceof Error
          ? job.abortReason
          : new CanceledError(`${this.language} task cancelled`, { task: body.name as string | undefined });
      if (!this.dead) await drained;
      return reply;
    } finally {
      ended = true;
      this.sinks = {};
      this.replies.delete(id);
      job?.signal.removeEventListener('abort', onAbort);
      this.current = undefined;
    }
  }

  /**
   * Write a streaming input's items into stdin as frames of request `id`, waiting for the pipe to
   * drain when it is full (the script is not reading). Stops when the request has ended.
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
    const stop = () => ended() || this.dead !== undefined;
    try {
      for (;;) {
        if (stop()) return void (await it.return?.());
        const r = await it.next();
        if (r.done) break;
        if (stop()) return void (await it.return?.());
        await send({ item: encodeForWire(r.value) });
      }
      if (!stop()) await send({ end: true });
    } catch (err) {
      if (!stop()) await send({ error: (err as Error)?.message ?? String(err) });
    }
  }

  /** Stop the interpreter now. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** A busy interpreter keeps Node running; an idle one does not. */
  busy(): void {
    this.child.ref();
    for (const s of this.child.stdio) (s as unknown as { ref?: () => void } | null)?.ref?.();
  }

  /** Let Node exit while this interpreter waits for work. */
  idle(): void {
    this.child.unref();
    for (const s of this.child.stdio) (s as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

/** Warm interpreters, one per request running at once; at most one per core kept when idle. */
export class InterpreterPool {
  private free: WarmInterpreter[] = [];

  /**
   * @param program the interpreter to use now (read on each acquire, so a changed setting takes effect)
   * @param start start a new interpreter of that program
   */
  constructor(
    private readonly program: () => string,
    private readonly start: (program: string) => WarmInterpreter,
  ) {}

  /** A warm interpreter of the current program, busy until released. */
  acquire(): WarmInterpreter {
    const program = this.program();
    while (this.free.length) {
      const p = this.free.pop()!;
      if (p.alive && p.program === program) {
        p.busy();
        return p;
      }
      p.kill();
    }
    return this.start(program);
  }

  /** Keep a live interpreter for the next request (a cancelled one was killed and is dropped). */
  release(p: WarmInterpreter): void {
    if (p.alive && this.free.length < cpus().length) {
      p.idle();
      this.free.push(p);
    } else p.kill();
  }

  /** Run `fn` on an interpreter of the pool, then give it back. */
  async use<T>(fn: (p: WarmInterpreter) => Promise<T>): Promise<T> {
    const p = this.acquire();
    try {
      return await fn(p);
    } finally {
      this.release(p);
    }
  }

  /** Stop every idle interpreter. */
  closeAll(): void {
    for (const p of this.free.splice(0)) p.kill();
  }
}

/** JSON for the wire: bytes as `{__bytes__: base64}`, BSON ObjectIds as `{__objectid__: hex}`. */
export function encodeForWire(v: unknown): unknown {
  if (v instanceof Uint8Array) return { __bytes__: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  // By tag rather than instanceof: an ObjectId may come from another copy of the bson package.
  if ((v as { _bsontype?: unknown } | null)?._bsontype === 'ObjectId') return { __objectid__: (v as ObjectId).toHexString() };
  if (Array.isArray(v)) return v.map(encodeForWire);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeForWire(x)]));
  return v;
}

/** The inverse of `encodeForWire`: `{__bytes__: base64}` becomes a Buffer, `{__objectid__: hex}` an ObjectId. */
export function decodeFromWire(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeFromWire);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '__bytes__') return Buffer.from(o.__bytes__ as string, 'base64');
    if (keys.length === 1 && keys[0] === '__objectid__') return new ObjectId(o.__objectid__ as string);
    return Object.fromEntries(keys.map((k) => [k, decodeFromWire(o[k])]));
  }
  return v;
}

/** The TaskError for a failed request, carrying the interpreter's traceback. */
export function interpreterError(language: string, error: NonNullable<IInterpreterReply['error']>, task?: string): TaskError {
  return new TaskError(`${language} ${error.type}: ${error.message}\n${error.traceback}`.trimEnd(), {
    task,
    [`${language.toLowerCase()}Type`]: error.type,
    traceback: error.traceback,
  });
}

/**
 * Convert a value between two formats of a type in an interpreter of the pool: one `convert`
 * request, its failure a ConversionError naming the type and formats with the interpreter's words.
 */
export function convertIn(
  pool: InterpreterPool,
  language: string,
  request: { type: string; from: string; to: string; value: unknown },
): Promise<unknown> {
  return pool.use(async (p) => {
    const reply = await p.request({ kind: 'convert', ...request });
    const { type, from, to } = request;
    if (reply.error) {
      const { error } = reply;
      throw new ConversionError(
        `Converting type "${type}" from "${from}" to "${to}" in ${language} failed: ${error.type}: ${error.message}`,
        {
          type,
          format: from,
          to,
          traceback: error.traceback,
        },
      );
    }
    return decodeFromWire(reply.value);
  });
}

/** What a mode that runs scripts in warm interpreters needs. */
export interface IInterpreterModeOptions {
  /** The mode's name, also the kind of place its jobs run in. */
  name: 'python' | 'r';
  /** The language's name in messages. */
  language: string;
  /** The pool of interpreters jobs run in. */
  pool: () => InterpreterPool;
  /** The interpreter jobs run in now. */
  interpreter: () => string;
  /**
   * One job's input values as the driver reads them, the variables the script gets besides its
   * inputs, and the file the script was written to (`write_script`), if any.
   */
  request(
    task: ITaskSpec,
    inputs: Record<string, unknown>,
    job: Job,
  ): { values: unknown; magic: Record<string, unknown>; filename?: string };
  /** The driver reads streaming ports (`stream: true`) while the script runs. */
  streams?: boolean;
}

/**
 * A mode running Girder Worker scripts (`python`, `r`) in a pool of warm interpreters: the task
 * needs a `script`; its ports, values and script go to the driver in one request, whose reply holds
 * the outputs (bytes as Buffers) or the failure, a TaskError with the interpreter's traceback.
 */
export function interpreterMode(options: IInterpreterModeOptions): IMode {
  const { name } = options;
  const ports = (list: IPortSpec[]) =>
    list.map((p) =>
      isStreamPort(p)
        ? { id: p.id, type: p.type, format: p.format, target: p.target, stream: true }
        : { id: p.id, type: p.type, format: p.format, target: p.target },
    );
  return {
    name,

    check(task) {
      if (typeof task.script !== 'string') {
        throw new SpecError(`Task "${task.name ?? '(unnamed)'}" in mode ${name} needs a "script" (or a "script_uri" read by loadTask)`, {
          task: task.name,
          path: 'script',
        });
      }
    },

    async execute(task, inputs, { job, options: run }) {
      if (!options.streams) return Private.execute(options, ports, task, inputs, job);
      // Live streaming inputs are fed while the script reads; streaming outputs nothing streams from are kept whole.
      const live = task.inputs.filter((p) => isLiveStream(p, inputs[p.id]));
      const plain = live.length ? { ...inputs } : inputs;
      for (const p of live) delete plain[p.id];
      const kept: Record<string, CollectingSink> = {};
      const sinks: Record<string, IStreamSink> = {};
      for (const p of task.outputs) if (isStreamPort(p)) sinks[p.id] = run.streams?.[p.id] ?? (kept[p.id] = new CollectingSink());
      const streams = { inputs: Object.fromEntries(live.map((p) => [p.id, inputs[p.id] as AsyncIterable<unknown>])), sinks };
      const outputs = await Private.execute(
        options,
        ports,
        task,
        plain,
        job,
        live.map((p) => p.id),
        streams,
      );
      for (const [port, sink] of Object.entries(kept)) if (!(port in outputs)) outputs[port] = sink.value();
      return outputs;
    },

    cacheIdentity(task) {
      return { code: `${name}:${task.script ?? ''}` };
    },

    place() {
      return { kind: name, name: options.interpreter() };
    },
  };
}

namespace Private {
  /** One job's request, and its outputs (bytes as Buffers) or its failure as a TaskError. */
  export async function execute(
    options: IInterpreterModeOptions,
    ports: (list: IPortSpec[]) => unknown[],
    task: ITaskSpec,
    inputs: Record<string, unknown>,
    job: Job,
    streamed?: string[],
    streams?: { inputs: Record<string, AsyncIterable<unknown>>; sinks: Record<string, IStreamSink> },
  ): Promise<Record<string, unknown>> {
    const { values, magic, filename } = options.request(task, inputs, job);
    const body: Record<string, unknown> = {
      name: task.name,
      script: task.script,
      inputs: ports(task.inputs),
      outputs: ports(task.outputs),
      values,
      magic,
    };
    if (streamed?.length) body.streams = streamed;
    if (filename !== undefined) body.filename = filename;
    const reply = await options.pool().use((p) => p.request(body, job, streams));
    if (reply.error) throw interpreterError(options.language, reply.error, task.name);
    return decodeFromWire(reply.outputs) as Record<string, unknown>;
  }
}
