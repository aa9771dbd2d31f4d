import { MissingInputError, MissingOutputError, OptionError, ValidationError } from '../errors';
import type { IErrorContext } from '../errors';
import type { Job } from '../job';
import type { IMode } from '../modes/registry';
import type { Fetched, IIoContext } from '../io/registry';
import { bindingMode, isBinding } from '../io/bindings';
import { readAs, writeToTemp } from '../io/files';
import type { ICachedResult } from '../cache/result-cache';
import { isPlainData } from '../cache/hash';
import { resultKey, specKey } from '../cache/task-key';
import type { IBinding, ITaskSpec } from '../spec';
import type { Runner } from '../runner';
import type { IResolvedRunOptions, IResult } from './options';
import { where } from './options';
import { notServed } from '../modes/workflow-select';
import { isLiveStream, settleStreams } from '../streams/ports';

/**
 * The input and output pipeline of one job, inside its lifecycle: bind inputs -> fetch -> validate
 * -> convert -> (result cache) -> execute -> convert outputs -> push. One per runner, which it
 * reads its registries and caches from.
 */
export class JobPipeline {
  private specHashes = new WeakMap<ITaskSpec, string | { skip: string }>();
  private ioContextCache = new WeakMap<Job, IIoContext>();

  constructor(private readonly runner: Runner) {}

  async flow(task: ITaskSpec, mode: IMode, job: Job, rawInputs: Record<string, unknown>, options: IResolvedRunOptions): Promise<IResult> {
    const ctx = where(task, options);
    const validate = options.validate !== false;
    const autoConvert = options.autoConvert !== false;

    // 1. Bind every input: the caller's binding, a bare value in the port's format, or the port default.
    const bindings: IBinding[] = new Array(task.inputs.length);
    let needFetch = false;
    for (let i = 0; i < task.inputs.length; i++) {
      const port = task.inputs[i];
      let b: IBinding | undefined;
      const raw = rawInputs[port.id];
      if (raw !== undefined) b = isBinding(raw) ? raw : { format: port.format, data: raw };
      else if (port.default) b = port.default;
      else {
        throw new MissingInputError(
          `Required input "${port.id}"${task.name ? ` of task "${task.name}"` : ''}${ctx.step !== undefined ? ` (step "${ctx.step}")` : ''} is not bound and has no default`,
          { ...ctx, port: port.id, type: port.type, format: port.format },
        );
      }
      const m = bindingMode(b);
      if (m !== 'inline' && !this.runner.io.get(m).hasData?.(b)) needFetch = true;
      bindings[i] = b;
    }
    for (const id of Object.keys(rawInputs)) {
      if (!task.inputs.some((p) => p.id === id)) {
        throw new OptionError(
          `Task${task.name ? ` "${task.name}"` : ''} has no input "${id}"; its inputs are: ${task.inputs.map((p) => p.id).join(', ') || 'none'}`,
          { ...ctx, port: id },
        );
      }
    }

    // 2. Fetch what is not inline, all at once.
    const fetched: Fetched[] = new Array(task.inputs.length);
    if (needFetch) job.to('FETCHING_INPUT');
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < bindings.length; i++) {
      const b = bindings[i];
      const m = bindingMode(b);
      if (m === 'inline') {
        fetched[i] = { data: b.data };
        continue;
      }
      const r = this.runner.io.get(m).fetch(b, task.inputs[i], this.ioContext(job));
      if (Private.isThenable(r)) pending.push(r.then((v) => void (fetched[i] = v)));
      else fetched[i] = r;
    }
    if (pending.length) await Promise.all(pending);

    // 3. Validate and 4. convert into each port's format.
    const values: Record<string, unknown> = {};
    let converting = false;
    const conversions: Array<Promise<void>> = [];
    for (let i = 0; i < bindings.length; i++) {
      const port = task.inputs[i];
      const format = bindings[i].format ?? port.format;
      const f = fetched[i];
      if ('file' in f) {
        if (port.target === 'filepath') {
          values[port.id] = f.file;
          continue;
        }
        (f as { data?: unknown }).data = await readAs(this.runner.formats, port.type, format, f.file);
      }
      let data = (f as { data: unknown }).data;
      if (isLiveStream(port, data)) {
        values[port.id] = data;
        continue;
      }
      if (validate) this.runner.formats.validate(port.type, format, data, Object.assign({}, ctx, { port: port.id }), `Input "${port.id}"`);
      if (format !== port.format) {
        if (!autoConvert) {
          throw new ValidationError(
            `Input "${port.id}" is in format "${format}" but the port wants "${port.format}", and automatic conversion is off`,
            { ...ctx, port: port.id, type: port.type, format },
          );
        }
        if (!converting) {
          converting = true;
          job.to('CONVERTING_INPUT');
        }
        data = this.runner.formats.convert(port.type, format, port.format, data, { ...ctx, port: port.id, tempdir: () => job.tempdir });
      }
      if (port.target === 'filepath') {
        const d = data;
        conversions.push(Promise.resolve(d).then(async (v) => void (values[port.id] = await writeToTemp(job.tempdir, port, v))));
      } else if (Private.isThenable(data)) {
        conversions.push(data.then((v) => void (values[port.id] = v)));
      } else values[port.id] = data;
    }
    if (conversions.length) await Promise.all(conversions);
    if (job.state !== 'RUNNING') job.to('RUNNING');

    // 5. The result cache.
    const outBindings = options.outputs ?? {};
    let key: string | undefined;
    if (options.cache !== false && task.cache !== false && mode.cacheIdentity && options.streams === undefined) {
      const k = await this.key(task, mode, values, outBindings);
      if (typeof k === 'string') {
        key = k;
        const found = this.runner.resultCache.get(k);
        const hit = found instanceof Promise ? await found : found;
        if (hit) {
          job.cacheEvent(hit.from === undefined ? { hit: true, key: k } : { hit: true, key: k, from: hit.from });
          return this.finish(task, job, hit.outputs, outBindings, ctx, true, { validate: false, autoConvert });
        }
      } else if (job.observed) job.cacheEvent({ hit: false, skipped: k.skip });
    }
    if (options.cacheOnly) throw notServed(task, options);

    // 6. Execute.
    const produced = await mode.execute(task, values, { job, runner: this.runner, options, outputs: outBindings });
    const settling = settleStreams(task, produced as Record<string, unknown> | undefined, options.streams);
    const streamed = settling && (await settling);
    const outputs: Record<string, { format: string; data: unknown }> = {};
    for (const port of task.outputs) {
      if (streamed?.has(port.id)) continue;
      let v = (produced as Record<string, unknown> | undefined)?.[port.id];
      if (v === undefined) {
        throw new MissingOutputError(
          `Task${task.name ? ` "${task.name}"` : ''} did not produce its output "${port.id}" (${port.type}/${port.format})`,
          { ...ctx, port: port.id, type: port.type, format: port.format },
        );
      }
      if (port.target === 'filepath' && typeof v === 'string' && !outBindings[port.id]) {
        v = await readAs(this.runner.formats, port.type, port.format, v);
      }
      outputs[port.id] = { format: port.format, data: v };
    }
    for (const extra of ['_visualizations']) {
      const v = (produced as Record<string, unknown> | undefined)?.[extra];
      if (v !== undefined) outputs[extra] = { format: 'object', data: v };
    }
    if (key !== undefined) this.store(key, outputs, job);
    return this.finish(task, job, outputs, outBindings, ctx, false, { validate, autoConvert });
  }

  /** Convert outputs to the requested formats, push bound ones, and build the result. */
  private async finish(
    task: ITaskSpec,
    job: Job,
    produced: Record<string, { format: string; data: unknown }>,
    outBindings: Record<string, IBinding>,
    ctx: IErrorContext,
    cached: boolean,
    flags: { validate: boolean; autoConvert: boolean },
  ): Promise<IResult> {
    const outputs: Record<string, IBinding> = {};
    const data: Record<string, unknown> = {};
    let converting = false;
    for (const port of task.outputs) {
      const p = produced[port.id];
      if (p === undefined) continue;
      const b = outBindings[port.id];
      let value = p.data;
      if (flags.validate && port.target !== 'filepath') {
        this.runner.formats.validate(port.type, p.format, value, Object.assign({}, ctx, { port: port.id }), `Output "${port.id}"`);
      }
      const want = b?.format ?? p.format;
      if (want !== p.format && port.target !== 'filepath') {
        if (!flags.autoConvert) {
          throw new ValidationError(
            `Output "${port.id}" is "${p.format}" but its binding wants "${want}", and automatic conversion is off`,
            {
              ...ctx,
              port: port.id,
            },
          );
        }
        if (!converting) {
          converting = true;
          job.to('CONVERTING_OUTPUT');
        }
        value = await this.runner.formats.convert(port.type, p.format, want, value, { ...ctx, port: port.id, tempdir: () => job.tempdir });
      }
      data[port.id] = value;
      outputs[port.id] = { format: want, data: value };
      if (job.observed) job.outputEvent({ port: port.id, type: port.type, format: want, preview: Private.preview(value) });
    }
    for (const [id, p] of Object.entries(produced)) if (!(id in outputs)) outputs[id] = p;
    job.to('PUSHING_OUTPUT');
    const pushes: Array<Promise<void>> = [];
    for (const port of task.outputs) {
      const b = outBindings[port.id];
      if (!b) continue;
      const m = bindingMode(b);
      if (m === 'inline') {
        outputs[port.id] = { ...b, format: outputs[port.id].format, data: data[port.id] };
        continue;
      }
      const pushed = this.runner.io.get(m).push({ ...b, format: outputs[port.id].format }, port, data[port.id], this.ioContext(job));
      pushes.push(Promise.resolve(pushed).then((r) => void (outputs[port.id] = r)));
      delete data[port.id];
    }
    if (pushes.length) await Promise.all(pushes);
    const result: IResult = {
      jobId: job.jobId,
      state: 'SUCCESS',
      outputs,
      data,
      cached,
      elapsed: Date.now() - job.started,
      logs: job.logs,
      artifacts: job.artifacts,
    };
    if (task.name !== undefined) result.task = task.name;
    if (job.steps) result.steps = job.steps;
    return result;
  }

  private ioContext(job: Job): IIoContext {
    let c = this.ioContextCache.get(job);
    if (!c) {
      c = { job, formats: this.runner.formats, fetchCache: this.runner.fetchCache };
      this.ioContextCache.set(job, c);
    }
    return c;
  }

  /** The result's cache key, with the spec part computed once per task (unless its mode says it may change). */
  private async key(
    task: ITaskSpec,
    mode: IMode,
    values: Record<string, unknown>,
    outBindings: Record<string, IBinding>,
  ): Promise<string | { skip: string }> {
    let spec = this.specHashes.get(task);
    if (spec === undefined) {
      const id = mode.cacheIdentity!(task);
      spec = 'skip' in id ? id : specKey(task, id.code);
      if (!id.volatile) this.specHashes.set(task, spec);
    }
    if (typeof spec !== 'string') return spec;
    return resultKey(spec, task, values, outBindings);
  }

  private store(key: string, outputs: Record<string, { format: string; data: unknown }>, job: Job): void {
    for (const [id, o] of Object.entries(outputs)) {
      if (!isPlainData(o.data)) {
        job.cacheEvent({ hit: false, skipped: `output "${id}" is not plain data` });
        return;
      }
    }
    try {
      this.runner.resultCache.set(key, { outputs } satisfies ICachedResult);
      job.cacheEvent({ hit: false, key });
    } catch (err) {
      job.cacheEvent({ hit: false, skipped: `the cache could not store it: ${(err as Error).message}` });
    }
  }
}

namespace Private {
  export function isThenable(v: unknown): v is Promise<unknown> {
    return typeof (v as { then?: unknown } | null)?.then === 'function';
  }

  export function preview(v: unknown): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 77)}...` : v;
    if (Buffer.isBuffer(v)) return `<${v.length} bytes>`;
    try {
      const s = JSON.stringify(v);
      return s.length > 80 ? `${s.slice(0, 77)}...` : s;
    } catch {
      return String(v);
    }
  }
}
