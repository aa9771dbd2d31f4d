import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CanceledError, OptionError, TaskcellError, serializeError, toCanceledError } from '../errors';
import type { ISerializedError } from '../errors';
import { globalEvents } from '../events';
import type { IJobPlace, IJobEvent } from '../events';
import { Job } from '../job';
import { getRunner } from '../api';
import { toSpec } from '../builders';
import type { ITaskLike } from '../builders';
import { hashValue, isPlainData } from '../cache/hash';
import { isBinding } from '../io/bindings';
import type { IResult, IRunOptions, Runner } from '../runner';
import { taskToJSON } from '../spec';
import type { IBinding, ITaskSpec, TaskJSON } from '../spec';
import type { IRows } from '../types';
import { datasetItems } from './dataset';
import { runRecorder } from '../runs/recorder';
import type { Dataset, DatasetItem } from './dataset';

/** How to map. Besides these, every run option (`on`, `timeout`, `cache`, `validate`, ...) applies to each item. */
export interface IMapOptions extends Omit<IRunOptions, 'jobId' | 'outputs' | 'concurrency' | 'retries'> {
  /** The input each item feeds; by default the task's one input that `inputs` leaves unbound and has no default. */
  as?: string;
  /** Inputs every item shares (bindings or bare values), besides the one the item feeds. */
  inputs?: Record<string, unknown>;
  /** How many items run at once (default 64). */
  concurrency?: number;
  /** How many times a failed item is tried again (default 0). A cancel is never retried. */
  retries?: number;
  /** Use this id for the batch job. */
  jobId?: string;
  /** Called after each item ends, in the order they end. */
  onItem?: (item: IMapItem, counts: IMapCounts) => void;
}

/** How far a batch is. */
export interface IMapCounts {
  total: number;
  /** Items that ran and succeeded. */
  done: number;
  failed: number;
  /** Items whose result came from an earlier run (not run again). */
  cached: number;
  canceled: number;
}

/** The end of one item. */
export interface IMapItem {
  /** The item: a file's path relative to the folder, or a row's or element's index. */
  item: string | number;
  state: 'SUCCESS' | 'ERROR' | 'CANCELED';
  /** True when the outputs came from an earlier run and the task did not run. */
  cached: boolean;
  /** Output values by port id (SUCCESS only). */
  outputs?: Record<string, unknown>;
  error?: ISerializedError;
  /** Milliseconds the item took (0 when cached). */
  duration: number;
  /** Where it ran (absent when cached or never started). */
  place?: IJobPlace;
  /** The id of the item's (last) child job. */
  jobId?: string;
  /** How many times it was tried. */
  attempts: number;
}

/** What a batch gives back: every item, the counts, and the items as a table. */
export interface IMapResult extends IMapCounts {
  jobId: string;
  task?: string;
  /** SUCCESS when every item was tried (some may have failed), CANCELED when the batch was cancelled. */
  state: 'SUCCESS' | 'CANCELED';
  elapsed: number;
  items: IMapItem[];
  /** One row per item: item, state, one column per output port, duration, place, error. */
  table: IRows;
}

/**
 * Run a task (or workflow) once per item of a dataset, as child jobs of one batch job, on the
 * default runner. A failed item does not stop the others; a re-run skips the items whose result an
 * earlier run stored (resumable); cancelling the batch (`options.signal`, or `cancel(batchJobId)`)
 * stops it and resolves with what ended so far.
 */
export function map(task: ITaskLike | ITaskSpec | TaskJSON, dataset: Dataset, options: IMapOptions = {}): Promise<IMapResult> {
  try {
    return mapOn(getRunner(), toSpec(task), dataset, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** `map` on a given runner; recorded as a run of kind `batch` when runs are recorded. */
export async function mapOn(runner: Runner, spec: ITaskSpec, dataset: Dataset, options: IMapOptions = {}): Promise<IMapResult> {
  const recorder = runRecorder();
  if (!recorder) return runBatch(runner, spec, dataset, options);
  let result: IMapResult | undefined;
  await recorder.track(
    runner,
    spec,
    options.inputs ?? {},
    { jobId: options.jobId },
    async (o) => {
      result = await runBatch(runner, spec, dataset, { ...options, jobId: o.jobId });
      const { items: _i, table, ...counts } = result;
      return { jobId: result.jobId, outputs: { table: { format: 'rows', data: table }, counts: { format: 'json', data: counts } } };
    },
    'batch',
  );
  return result!;
}

/** One batch: the items as child jobs, `concurrency` at a time. */
async function runBatch(runner: Runner, spec: ITaskSpec, dataset: Dataset, options: IMapOptions): Promise<IMapResult> {
  const concurrency = options.concurrency ?? Private.DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new OptionError(`Expected \`concurrency\` to be an integer >= 1, got \`${concurrency}\``, { option: 'concurrency' });
  }
  const retries = options.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new OptionError(`Expected \`retries\` to be an integer >= 0, got \`${retries}\``, { option: 'retries' });
  }
  const shared = options.inputs ?? {};
  const as = mapInput(spec, shared, options.as);
  const items = datasetItems(dataset);
  const batch = new Job({ task: spec.name === undefined ? 'map' : `map ${spec.name}`, jobId: options.jobId, onEvent: options.onEvent });
  const untrack = runner.track(batch.jobId, (reason) => batch.abort(reason));
  const outer = options.signal;
  const onOuter = () => batch.abort(Private.canceled(batch.jobId, outer!.reason));
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  const counts: IMapCounts = { total: items.length, done: 0, failed: 0, cached: 0, canceled: 0 };
  const ended: IMapItem[] = new Array(items.length);
  const key = options.cache === false || spec.cache === false ? undefined : Private.specKey(runner, spec, as, shared);
  const { signal: _s, onEvent, onItem: _i, as: _a, inputs: _in, retries: _r, concurrency: _c, jobId: _j, ...runOptions } = options;
  try {
    batch.to('QUEUED');
    batch.to('RUNNING');
    batch.progress(0, items.length, Private.message(counts));
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < items.length) {
        const i = next++;
        const it = await Private.runItem(runner, spec, items[i], i, { as, shared, specKey: key, retries, batch, onEvent, runOptions });
        ended[i] = it;
        if (it.state === 'SUCCESS') counts[it.cached ? 'cached' : 'done']++;
        else counts[it.state === 'ERROR' ? 'failed' : 'canceled']++;
        batch.progress(counts.done + counts.failed + counts.cached + counts.canceled, items.length, Private.message(counts));
        options.onItem?.(it, { ...counts });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
    const state = batch.aborted ? 'CANCELED' : 'SUCCESS';
    if (state === 'CANCELED') {
      batch.to('CANCELING');
      batch.to('CANCELED');
    } else batch.to('SUCCESS');
    const result: IMapResult = {
      jobId: batch.jobId,
      state,
      ...counts,
      elapsed: Date.now() - batch.started,
      items: ended,
      table: mapTable(spec, ended),
    };
    if (spec.name !== undefined) result.task = spec.name;
    return result;
  } catch (err) {
    if (!batch.ended) batch.to('ERROR', { error: serializeError(err) });
    throw err;
  } finally {
    untrack();
    outer?.removeEventListener('abort', onOuter);
  }
}

/** The input each item feeds: `as`, or the task's one input neither `shared` nor a default binds. */
export function mapInput(spec: ITaskSpec, shared: Record<string, unknown>, as?: string): string {
  const ids = spec.inputs.map((p) => p.id);
  if (as !== undefined) {
    if (!ids.includes(as)) {
      throw new OptionError(`Expected \`as\` to name an input of ${Private.name(spec)} (${ids.join(', ') || 'none'}), got "${as}"`, {
        task: spec.name,
        port: as,
      });
    }
    return as;
  }
  const free = spec.inputs.filter((p) => shared[p.id] === undefined && !p.default).map((p) => p.id);
  if (free.length !== 1) {
    throw new OptionError(
      `Expected ${Private.name(spec)} to have one input left for the items to feed, got ${free.length ? free.join(', ') : 'none'}; name it with \`as\``,
      { task: spec.name },
    );
  }
  return free[0];
}

/** The items as a table: item, state, one column per output port, duration, place, error. */
export function mapTable(spec: ITaskSpec, items: readonly IMapItem[]): IRows {
  const ports = spec.outputs.map((p) => p.id);
  const fields = ['item', 'state', ...ports, 'cached', 'duration', 'place', 'error'];
  const rows = items.map((it) => {
    const row: Record<string, unknown> = { item: it.item, state: it.state };
    for (const p of ports) row[p] = it.outputs?.[p] ?? null;
    row.cached = it.cached;
    row.duration = it.duration;
    row.place = it.place === undefined ? '' : [it.place.kind, it.place.name].filter(Boolean).join(' ');
    row.error = it.error?.message ?? '';
    return row;
  });
  return { fields, rows };
}

namespace Private {
  export const DEFAULT_CONCURRENCY = 64;

  export interface IItemContext {
    as: string;
    shared: Record<string, unknown>;
    specKey: string | undefined;
    retries: number;
    batch: Job;
    onEvent: IRunOptions['onEvent'];
    runOptions: IRunOptions;
  }

  export function name(spec: ITaskSpec): string {
    return spec.name === undefined ? 'the task' : `task "${spec.name}"`;
  }

  export function message(c: IMapCounts): string {
    return `${c.done} done, ${c.failed} failed, ${c.cached} cached of ${c.total}`;
  }

  export function canceled(jobId: string, reason: unknown): TaskcellError {
    return toCanceledError(reason, `Batch ${jobId} was cancelled`, { job: jobId });
  }

  /** What keys an item's stored result besides its own content: the spec and code, the fed input, the shared inputs. */
  export function specKey(runner: Runner, spec: ITaskSpec, as: string, shared: Record<string, unknown>): string | undefined {
    const id = runner.modes.get(spec.mode).cacheIdentity?.(spec);
    if (id === undefined || 'skip' in id || id.volatile) return undefined;
    const h = createHash('sha256')
      .update('map\0')
      .update(JSON.stringify(taskToJSON(spec)))
      .update('\0')
      .update(id.code);
    h.update(`\0${as}\0`);
    return hashValue(shared, h)?.digest('hex') ?? undefined;
  }

  async function itemKey(specKey: string | undefined, item: DatasetItem): Promise<string | undefined> {
    if (specKey === undefined) return undefined;
    const h = createHash('sha256').update(specKey);
    if (item.kind === 'file')
      return h
        .update('\0file\0')
        .update(await readFile(item.path))
        .digest('hex');
    return hashValue(item.value, h.update('\0value\0'))?.digest('hex') ?? undefined;
  }

  export async function runItem(runner: Runner, spec: ITaskSpec, item: DatasetItem, index: number, c: IItemContext): Promise<IMapItem> {
    if (c.batch.aborted) return { item: item.label, state: 'CANCELED', cached: false, duration: 0, attempts: 0 };
    let key: string | undefined;
    try {
      key = await itemKey(c.specKey, item);
    } catch (err) {
      return { item: item.label, state: 'ERROR', cached: false, error: serializeError(err), duration: 0, attempts: 0 };
    }
    const hit = key === undefined ? undefined : await runner.resultCache.get(key);
    if (hit) {
      const outputs: Record<string, unknown> = {};
      for (const [id, o] of Object.entries(hit.outputs)) outputs[id] = o.data;
      const now = Date.now();
      runRecorder()?.store.put({
        id: `${c.batch.jobId}-${index}`,
        kind: 'task',
        task: spec.name,
        parentId: c.batch.jobId,
        step: String(item.label),
        state: 'SUCCESS',
        cached: true,
        outputs: hit.outputs,
        started: now,
        ended: now,
        elapsed: 0,
      });
      return { item: item.label, state: 'SUCCESS', cached: true, outputs, duration: 0, attempts: 0 };
    }
    const port = spec.inputs.find((p) => p.id === c.as)!;
    const fed: unknown =
      item.kind === 'file'
        ? ({ mode: 'local', path: item.path, format: port.format } satisfies IBinding)
        : feedValue(item.value, port.format);
    // Object.assign, not a spread followed by properties: V8 builds that literal property by property, slowly.
    const inputs: Record<string, unknown> = Object.assign({}, c.shared, { [c.as]: fed });
    let attempts = 0;
    for (;;) {
      attempts++;
      // Where it ran, as its events say; followed only when someone listens to events anyway, since a
      // followed job costs a remote pool its event stream. Otherwise, the kind of place it was sent to.
      let place: IJobPlace | undefined;
      const onEvent =
        c.onEvent !== undefined || globalEvents.hasListeners
          ? (e: IJobEvent): void => {
              if (e.place !== undefined && e.jobId === jobId) place = e.place;
              c.onEvent?.(e);
            }
          : undefined;
      // A queue such as BullMQ refuses `:` in job ids.
      const jobId = `${c.batch.jobId}-${index}${attempts > 1 ? `-${attempts}` : ''}`;
      const started = Date.now();
      try {
        const options = Object.assign({}, c.runOptions, {
          jobId,
          onEvent,
          parentId: c.batch.jobId,
          parentJob: c.batch,
          step: String(item.label),
        });
        const recorder = runRecorder();
        const r: IResult = recorder
          ? await recorder.track(runner, spec, inputs, options, (o) => runner.execute(spec, inputs, { ...options, ...o }))
          : await runner.execute(spec, inputs, options);
        if (key !== undefined) store(runner, key, r);
        place ??= sentTo(c.runOptions.on);
        const it: IMapItem = {
          item: item.label,
          state: 'SUCCESS',
          cached: false,
          outputs: r.data,
          duration: Date.now() - started,
          jobId,
          attempts,
        };
        if (place !== undefined) it.place = place;
        return it;
      } catch (err) {
        const canceled = err instanceof CanceledError || c.batch.aborted;
        if (!canceled && attempts <= c.retries) continue;
        const it: IMapItem = {
          item: item.label,
          state: canceled ? 'CANCELED' : 'ERROR',
          cached: false,
          error: serializeError(err),
          duration: Date.now() - started,
          jobId,
          attempts,
        };
        if (place !== undefined) it.place = place;
        return it;
      }
    }
  }

  /** The kind of place a job sent `on` there runs in. */
  function sentTo(on: string | undefined): IJobPlace {
    if (on === undefined || on === 'in-process') return { kind: 'in-process' };
    return { kind: on === 'threads' ? 'thread' : 'remote' };
  }

  /** A row's value feeds the port as it is: a binding stays one, anything else is data in the port's format. */
  function feedValue(value: unknown, format: string): unknown {
    return isBinding(value) ? value : { format, data: value };
  }

  function store(runner: Runner, key: string, r: IResult): void {
    const outputs: Record<string, { format: string; data: unknown }> = {};
    for (const [id, b] of Object.entries(r.outputs)) {
      if (b.data === undefined || !isPlainData(b.data)) return;
      outputs[id] = { format: b.format ?? 'json', data: b.data };
    }
    try {
      runner.resultCache.set(key, { outputs });
    } catch {
      // An item whose result cannot be stored only loses resumability; the batch goes on.
    }
  }
}
