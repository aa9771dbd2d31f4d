import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { serializeError } from '../errors';
import { globalEvents } from '../events';
import type { IDisposable, IJobEvent } from '../events';
import { hashValue } from '../cache/hash';
import { isFinal } from '../states';
import type { JobState } from '../states';
import type { IResult, IRunOptions, Runner } from '../runner';
import { redactSpecEnv } from '../secrets';
import { taskToJSON } from '../spec';
import type { ITaskSpec, TaskJSON } from '../spec';
import { SqliteRunStore } from './sqlite-run-store';
import { StoreError } from './store-error';
import type { IRunQuery, IRunRecord, IRunStore, RecordedOutput } from './run-store';

/** The notebook and cell the runs started now come from (the kernel sets it for each cell). */
export interface IRunContext {
  notebook?: string;
  cell?: string;
}

/**
 * Keeps a record of every run in a run store. Job events (from this process, threads and remote
 * workers alike, which all reach `globalEvents`) give each job's state, timings, place, cache use and
 * output previews; runs started through `run()` and `map()` add their spec (secrets in its
 * environment kept as `***`) and code hashes, input hashes and full outputs (small ones inline, big
 * ones as files under `artifactDir`). A store given as a function is opened when the first run is
 * recorded, so a process that runs nothing never opens it.
 */
export class RunRecorder implements IDisposable {
  readonly artifactDir: string;
  /** The store's file, when it has one. */
  readonly path: string | undefined;
  /** Where the runs started now come from. */
  context: IRunContext = {};
  private readonly inlineLimit: number;
  private readonly seen = new Set<string>();
  /** Spec and code hashes (and the spec as JSON) of the tasks seen, when their code cannot change. */
  private readonly specHashes = new WeakMap<ITaskSpec, Pick<IRunRecord, 'specHash' | 'codeHash' | 'spec'>>();
  /** Jobs whose full outputs were recorded: their output previews no longer replace them. */
  private readonly full = new Set<string>();
  /** Output previews of running jobs, by job id, as their output events come. */
  private readonly previews = new Map<string, Record<string, RecordedOutput>>();
  /** The notebook and cell of each open run, which its child jobs (steps, a map's items) inherit. */
  private readonly origins = new Map<string, IRunContext>();
  private subscription: IDisposable | undefined;
  private opened: IRunStore | undefined;
  private opener: (() => IRunStore) | undefined;

  constructor(options: RunRecorder.IOptions) {
    if (typeof options.store === 'function') this.opener = options.store;
    else this.opened = options.store;
    this.path = options.path;
    this.artifactDir = options.artifactDir;
    this.inlineLimit = options.inlineLimit ?? 16 * 1024;
    this.subscription = globalEvents.subscribe((e) => this.onEvent(e));
  }

  get isDisposed(): boolean {
    return this.subscription === undefined;
  }

  /** True once the store is open (the first run recorded opens a store given as a function). */
  get isOpen(): boolean {
    return this.opened !== undefined;
  }

  /** The store, opened now if it was not yet; throws the store's error when it cannot be opened. */
  get store(): IRunStore {
    if (this.opened) return this.opened;
    if (!this.opener) throw new StoreError(`The run store${this.path ? ` ${this.path}` : ''} is closed`, { path: this.path });
    const open = this.opener;
    this.opener = undefined;
    this.opened = open();
    return this.opened;
  }

  /** Fold one job event into its run's record. */
  onEvent(e: IJobEvent): void {
    const r: Partial<IRunRecord> & { id: string } = { id: e.jobId };
    if (!this.seen.has(e.jobId)) {
      this.seen.add(e.jobId);
      r.started = e.time;
      r.kind = 'task';
      if (e.task !== undefined) r.task = e.task;
      if (e.parentId !== undefined) r.parentId = e.parentId;
      if (e.step !== undefined) r.step = e.step;
      Object.assign(r, this.origin(e.jobId, e.parentId));
    }
    if (e.place !== undefined) r.place = e.place;
    switch (e.kind) {
      case 'state':
        if (e.dag) r.kind = 'workflow';
        if (e.state === undefined) break;
        r.state = e.state;
        if (isFinal(e.state)) {
          r.ended = e.time;
          if (e.elapsed !== undefined) r.elapsed = e.elapsed;
          if (e.error !== undefined) r.error = e.error;
          this.seen.delete(e.jobId);
          this.origins.delete(e.jobId);
        }
        break;
      case 'cache':
        r.cached = e.cache?.hit === true;
        break;
      case 'output':
        if (e.output && !this.full.has(e.jobId)) {
          const previews = {
            ...this.previews.get(e.jobId),
            [e.output.port]: { type: e.output.type, format: e.output.format, preview: e.output.preview },
          };
          this.previews.set(e.jobId, previews);
          r.outputs = previews;
        }
        break;
      default:
        if (r.started === undefined && r.place === undefined) return;
    }
    if (r.ended !== undefined) this.previews.delete(e.jobId);
    if (r.ended !== undefined) this.full.delete(e.jobId);
    this.usable()?.put(r);
  }

  /**
   * Run `execute` as one recorded run of `spec` (`kind` `batch` for a map): its record gets the spec
   * and code hashes, the input hashes and the inputs when small, the notebook and cell, and when it
   * ends its outputs or error.
   */
  track<R extends { outputs?: IResult['outputs']; jobId: string; cached?: boolean }>(
    runner: Runner,
    spec: ITaskSpec,
    inputs: Record<string, unknown>,
    options: IRunOptions & { parentId?: string; step?: string },
    execute: (options: IRunOptions) => Promise<R>,
    kind: IRunRecord['kind'] = spec.mode === 'workflow' ? 'workflow' : 'task',
  ): Promise<R> {
    const id = options.jobId ?? randomUUID();
    const store = this.usable();
    if (!store) return execute({ ...options, jobId: id });
    const r: Partial<IRunRecord> & { id: string } = {
      id,
      kind,
      state: 'QUEUED',
      started: Date.now(),
      ...this.hashes(runner, spec, inputs),
    };
    if (spec.name !== undefined) r.task = spec.name;
    if (options.parentId !== undefined) {
      r.parentId = options.parentId;
      // An item's or a step's spec is its parent's to keep (a map's items would each repeat it).
      delete r.spec;
    }
    if (options.step !== undefined) r.step = options.step;
    Object.assign(r, this.origin(id, options.parentId));
    store.put(r);
    return execute({ ...options, jobId: id }).then(
      (result) => {
        const done: Partial<IRunRecord> & { id: string } = { id, kind };
        if (result.outputs) done.outputs = this.outputs(id, result.outputs);
        if (result.cached !== undefined) done.cached = result.cached;
        store.put(done);
        this.origins.delete(id);
        return result;
      },
      (err: unknown) => {
        const error = serializeError(err);
        const state: JobState = error.code === 'taskcell:canceled' ? 'CANCELED' : 'ERROR';
        store.put({ id, kind, error, state, ended: Date.now() });
        this.origins.delete(id);
        throw err;
      },
    );
  }

  /**
   * Keep the full outputs of a workflow step that ended, with its spec, code and input hashes, so a
   * later re-run of the workflow can serve the step from this record (`recorded`). Only outputs
   * that come back from JSON as they went in are kept (a Buffer, a Date or a Map would not).
   */
  keepStep(runner: Runner, task: ITaskSpec, inputs: Record<string, unknown>, jobId: string, outputs: IResult['outputs']): void {
    for (const o of Object.values(outputs)) if (!Private.jsonSafe(o.data)) return;
    const store = this.usable();
    if (!store) return;
    // A step's spec is its workflow's to keep.
    const { spec: _spec, ...hashes } = this.hashes(runner, task, inputs);
    this.full.add(jobId);
    store.put({ id: jobId, ...hashes, outputs: this.outputs(jobId, outputs) });
  }

  /**
   * The outputs a step of the same task (spec and code) recorded for the same inputs, newest first:
   * what `keepStep` kept. Undefined when no such step succeeded, or its outputs cannot be read back.
   */
  recorded(
    runner: Runner,
    task: ITaskSpec,
    inputs: Record<string, unknown>,
  ): { id: string; outputs: Record<string, { format?: string; data: unknown }> } | undefined {
    const store = this.usable();
    if (!store) return undefined;
    const want = this.hashes(runner, task, inputs);
    if (want.specHash === undefined) return undefined;
    const same = (a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean =>
      JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());
    for (const r of store.list({ specHash: want.specHash, state: 'SUCCESS', limit: 50 })) {
      if (r.step === undefined || r.codeHash !== want.codeHash || !same(r.inputHashes, want.inputHashes) || !r.outputs) continue;
      const outputs = Private.readOutputs(r.outputs, task);
      if (outputs) return { id: r.id, outputs };
    }
    return undefined;
  }

  /** The runs kept, newest first. */
  runs(query?: IRunQuery): IRunRecord[] {
    return this.usable()?.list(query) ?? [];
  }

  /** Stop recording, write what is pending and close the store (never opened when nothing was recorded); idempotent. */
  dispose(): void {
    if (!this.subscription) return;
    this.subscription.dispose();
    this.subscription = undefined;
    this.opener = undefined;
    this.opened?.close();
  }

  /**
   * The store, opened at the first run; a store that cannot be opened (locked by another process,
   * unwritable) leaves runs unrecorded with a warning instead of stopping them, and ends recording.
   */
  private usable(): IRunStore | undefined {
    if (this.opened) return this.opened;
    if (!this.opener) return undefined;
    try {
      return this.store;
    } catch (err) {
      process.emitWarning(`taskcell: runs are not recorded: ${(err as Error).message}`);
      this.dispose();
      return undefined;
    }
  }

  /**
   * Where a run comes from: its parent's notebook and cell when it has an open parent (a step or a
   * map's item may report long after its cell ran), else the cell running now. Kept for its children.
   */
  private origin(id: string, parentId: string | undefined): IRunContext {
    const known = this.origins.get(id);
    if (known) return known;
    const inherited = parentId === undefined ? undefined : this.origins.get(parentId);
    const c: IRunContext = {};
    const from = inherited ?? this.context;
    if (from.notebook !== undefined) c.notebook = from.notebook;
    if (from.cell !== undefined) c.cell = from.cell;
    if (c.notebook !== undefined || c.cell !== undefined) this.origins.set(id, c);
    return c;
  }

  /** The spec (as JSON) with its hash and its code's, and the inputs' hashes and small inputs. */
  private hashes(runner: Runner, spec: ITaskSpec, inputs: Record<string, unknown>): Partial<IRunRecord> {
    const out: Partial<IRunRecord> = {};
    let known = this.specHashes.get(spec);
    if (!known) {
      // Kept and hashed with its secrets redacted: a record holds nothing a secret could be read back from.
      const text = JSON.stringify(redactSpecEnv(taskToJSON(spec)));
      known = { specHash: createHash('sha256').update(text).digest('hex'), spec: JSON.parse(text) as TaskJSON };
      let volatile = false;
      if (runner.modes.has(spec.mode)) {
        const id = runner.modes.get(spec.mode).cacheIdentity?.(spec);
        if (id && 'code' in id) known.codeHash = createHash('sha256').update(id.code).digest('hex');
        volatile = id?.volatile === true;
      }
      // A task whose code may change between runs (cells it uses were edited) is hashed each time.
      if (!volatile) this.specHashes.set(spec, known);
    }
    Object.assign(out, known);
    const hashes: Record<string, string> = {};
    const small: Record<string, unknown> = {};
    for (const [port, v] of Object.entries(inputs)) {
      const h = hashValue(v);
      if (h) hashes[port] = h.digest('hex');
      const text = Private.json(v);
      if (text !== undefined && text.length <= this.inlineLimit) small[port] = v;
    }
    out.inputHashes = hashes;
    out.inputs = small;
    return out;
  }

  /** Small outputs inline; big ones written to a file of their own, referenced by path. */
  private outputs(jobId: string, outputs: IResult['outputs']): Record<string, RecordedOutput> {
    const out: Record<string, RecordedOutput> = {};
    for (const [port, b] of Object.entries(outputs)) {
      const format = b.format;
      if (b.data === undefined) {
        const { data: _d, ...where } = b;
        out[port] = { format, data: where };
        continue;
      }
      const text = Private.json(b.data);
      if (text !== undefined && text.length <= this.inlineLimit) out[port] = { format, data: b.data };
      else {
        const file = join(this.artifactDir, jobId.replace(/[^\w.-]/g, '_'), `${port.replace(/[^\w.-]/g, '_')}.json`);
        const content = text ?? JSON.stringify(String(b.data));
        try {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, content);
          out[port] = { format, artifact: file, size: Buffer.byteLength(content) };
        } catch {
          // A record without this output's content is still a record of the run.
          out[port] = { format, preview: content.slice(0, 80) };
        }
      }
    }
    return out;
  }
}

/** RunRecorder's options. */
export namespace RunRecorder {
  export interface IOptions {
    /** Where runs are kept, or how to open it: a function is called when the first run is recorded. */
    store: IRunStore | (() => IRunStore);
    /** The store's file, when it has one (read from directly while the store is not open). */
    path?: string;
    /** Where outputs too big to keep inline are written. */
    artifactDir: string;
    /** Outputs and inputs up to this many characters of JSON are kept inline (default 16 KiB). */
    inlineLimit?: number;
  }
}

let active: RunRecorder | undefined;

/**
 * Record every run from now on in an SQLite database: `path`, else `$TASKCELL_RUNS_DB`, else
 * `runs.db` beside the runner's cache folder (`.taskcell/runs.db`). The database opens when the
 * first run is recorded (opening it costs a kernel's first cell about 150 ms); one that cannot be
 * opened then (locked by another process, unwritable) leaves runs unrecorded with a warning instead
 * of stopping them. Returns the recorder, also given by `runRecorder()`; its store is closed when
 * the process exits.
 */
export function recordRuns(runner: Runner, options: { path?: string } = {}): RunRecorder {
  if (active && !active.isDisposed) return active;
  const path = options.path ?? defaultRunsPath(runner);
  const recorder = new RunRecorder({ store: () => new SqliteRunStore({ path }), path, artifactDir: join(dirname(path), 'runs') });
  active = recorder;
  process.once('exit', () => recorder.dispose());
  return recorder;
}

/** `recordRuns`, unless `TASKCELL_RUNS=0`. */
export function recordRunsIfEnabled(runner: Runner): RunRecorder | undefined {
  if (process.env.TASKCELL_RUNS === '0') return undefined;
  return recordRuns(runner);
}

/** The recorder `recordRuns` started, if one records now. */
export function runRecorder(): RunRecorder | undefined {
  return active && !active.isDisposed ? active : undefined;
}

/** Where run records go by default. */
export function defaultRunsPath(runner?: Pick<Runner, 'cacheDir'>): string {
  return process.env.TASKCELL_RUNS_DB ?? (runner ? join(dirname(runner.cacheDir), 'runs.db') : join(process.cwd(), '.taskcell', 'runs.db'));
}

/**
 * The runs recorded, newest first: `runs({ task, since, state })`. Reads the recorder of this
 * process, or else the database at the default path (none there: no runs).
 */
export function runs(query: IRunQuery & { path?: string } = {}): IRunRecord[] {
  const { path, ...q } = query;
  return Private.read(path, (store) => store.list(q)) ?? [];
}

/** One recorded run by its id, from this process's recorder or the database at `path` (default path otherwise). */
export function runRecord(id: string, path?: string): IRunRecord | undefined {
  return Private.read(path, (store) => store.get(id));
}

namespace Private {
  /**
   * Read through the live recorder's store when it is the one asked for and open, else open the file
   * read-only (a recorder that has recorded nothing yet has not opened it).
   */
  export function read<T>(path: string | undefined, f: (store: IRunStore) => T): T | undefined {
    const live = runRecorder();
    const asked = live && (path === undefined || live.path === path);
    if (asked && live.isOpen) return f(live.store);
    const file = path ?? (asked ? live.path : undefined) ?? defaultRunsPath();
    if (!existsSync(file)) return undefined;
    const store = new SqliteRunStore({ path: file, readOnly: true });
    try {
      return f(store);
    } finally {
      store.close();
    }
  }

  /** True when JSON gives the value back as it is: null, booleans, finite numbers, strings, arrays and plain objects of them. */
  export function jsonSafe(value: unknown): boolean {
    const stack: unknown[] = [value];
    while (stack.length) {
      const v = stack.pop();
      if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) return false;
        continue;
      }
      if (typeof v !== 'object') return false;
      if (Array.isArray(v)) {
        for (const x of v) stack.push(x);
        continue;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype) return false;
      for (const x of Object.values(v as object)) {
        if (x === undefined) return false;
        stack.push(x);
      }
    }
    return true;
  }

  /** A record's outputs with their data, read from the artifact files of big ones; undefined when one lacks its data. */
  export function readOutputs(
    recorded: Record<string, RecordedOutput>,
    task: ITaskSpec,
  ): Record<string, { format?: string; data: unknown }> | undefined {
    const out: Record<string, { format?: string; data: unknown }> = {};
    for (const port of task.outputs) {
      const o = recorded[port.id];
      if (o === undefined) return undefined;
      if ('data' in o) out[port.id] = { format: o.format, data: o.data };
      else if ('artifact' in o) {
        try {
          out[port.id] = { format: o.format, data: JSON.parse(readFileSync(o.artifact, 'utf8')) };
        } catch {
          return undefined;
        }
      } else return undefined;
    }
    return out;
  }

  export function json(v: unknown): string | undefined {
    try {
      return JSON.stringify(v);
    } catch {
      return undefined;
    }
  }
}
