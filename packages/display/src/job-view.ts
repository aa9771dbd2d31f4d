import type { IArtifactRef, IJobEvent, IJobPlace, IProgress, ISerializedError } from '@taskcell/core';
import { escapeHtml } from './html';
import { MIME } from './mime';
import type { IMimeBundle } from './mime';

/** The states after which a job changes no more. */
export const FINAL_STATES: ReadonlySet<string> = new Set(['SUCCESS', 'ERROR', 'CANCELED']);

/** True when `state` is final (SUCCESS, ERROR or CANCELED). */
export function isFinalState(state: string | undefined): boolean {
  return state !== undefined && FINAL_STATES.has(state);
}

/** Progress as a percentage clamped to 0..100, or undefined when there is no total to measure against. */
export function progressPercent(progress: IProgress | undefined): number | undefined {
  if (!progress || !(progress.total > 0) || !Number.isFinite(progress.current)) return undefined;
  return Math.max(0, Math.min(100, (100 * progress.current) / progress.total));
}

/** Progress as text: `3/10 reading`, or the message alone, or ''. */
export function formatProgress(progress: IProgress | undefined): string {
  if (!progress) return '';
  const count = progress.total > 0 ? `${progress.current}/${progress.total}` : '';
  return [count, progress.message ?? ''].filter(Boolean).join(' ');
}

/** A duration as people read it: `850 ms`, `12.3 s`, `4 min 05 s`; '' for a negative or unknown one. */
export function formatElapsed(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Where a job ran, in a few words: `in-process`, `thread 3` (`threads` before a thread took it),
 * `remote worker-a`, `python`, `docker busybox:1.36`; a python or docker job started on a thread
 * or a remote worker adds it (`python · thread 3`).
 */
export function formatPlace(place: IJobPlace | undefined): string {
  if (!place) return '';
  const own = Private.placeWords(place.kind, place.name);
  return place.via !== undefined ? `${own} · ${Private.placeWords(/^thread/.test(place.via) ? 'thread' : 'remote', place.via)}` : own;
}

/** The whole place, for a tooltip: the words of `formatPlace` with the interpreter's path or the remote host. */
export function describePlace(place: IJobPlace | undefined): string {
  if (!place) return '';
  const extra = [place.kind === 'python' || place.kind === 'r' ? place.name : undefined, place.host].filter((x): x is string => !!x);
  return extra.length ? `${formatPlace(place)} (${extra.join(', ')})` : formatPlace(place);
}

/** One log line of a job. */
export interface ILogLine {
  stream: 'stdout' | 'stderr' | 'log';
  line: string;
}

/** One output a job reported while it ran: its port and a short preview. */
export interface IJobOutput {
  port: string;
  type: string;
  format: string;
  preview?: string;
}

/** Everything known about one job, folded from its events by `foldJobEvent`. */
export interface IJobRecord {
  jobId: string;
  /** The workflow job this job is a step of. */
  parentId?: string;
  step?: string;
  task?: string;
  state: string;
  /** Every state the job went through, with when (milliseconds since the epoch). */
  history: Array<{ state: string; time: number }>;
  progress?: IProgress;
  /** Milliseconds since the epoch of the first event seen. */
  started: number;
  /** Milliseconds since the epoch of the last event seen. */
  updated: number;
  /** Set when the job reached a final state. */
  elapsed?: number;
  place?: IJobPlace;
  /** Whether the result came from the result cache (set by the job's cache event). */
  cached?: boolean;
  logs: ILogLine[];
  outputs: IJobOutput[];
  artifacts: IArtifactRef[];
  /** Workflows: the steps and edges of the DAG. */
  dag?: { steps: string[]; edges: Array<[string, string]>; streams?: Array<[string, string]> };
  /** Workflows: the job id of each step seen so far. */
  stepJobs: Record<string, string>;
  error?: string;
  /** A failed job: what its error names to explain the failure (the panel's Debug section). */
  debug?: IJobDebug;
  /** The notebook whose kernel ran the job. */
  source?: string;
  /** The id of the notebook cell whose execution started the job (a step: see its workflow's record). */
  cellId?: string;
  /** True when the kernel no longer knows the job although it never reported a final state. */
  lost?: boolean;
  /** A job with a retry policy: the attempt that runs (or ran last), of how many at most. */
  attempt?: { n: number; of: number };
  /** Set when the kernel says the job's body still runs after its cancel (it ignores its signal): the kernel's words. */
  cancelIgnored?: string;
}

/**
 * What explains a failed job, from its error's context: the command line as it ran (a container's,
 * arguments expanded), the image and its digest, the exit code, the environment (secrets redacted
 * where the job ran), the host, the end of stderr and the working directory a `keep` kept.
 */
export interface IJobDebug {
  /** The command line as a POSIX shell reads it back. */
  commandLine?: string;
  image?: string;
  imageDigest?: string;
  exitCode?: number;
  env?: string[];
  host?: string;
  stderr?: string;
  workdir?: string;
}

/** The Debug fields of an error's context (and its causes'), or undefined when it has none. */
export function debugOf(error: ISerializedError | undefined): IJobDebug | undefined {
  const d: IJobDebug = {};
  for (let e = error, depth = 0; e && depth < 8; e = e.cause, depth++) {
    const c = (e.context ?? {}) as Record<string, unknown>;
    const text = (k: keyof IJobDebug) => {
      if (d[k] === undefined && typeof c[k] === 'string' && c[k]) (d as Record<string, unknown>)[k] = c[k];
    };
    const list = (k: 'env') => {
      if (d[k] === undefined && Array.isArray(c[k]) && (c[k] as unknown[]).every((x) => typeof x === 'string')) d[k] = c[k] as string[];
    };
    list('env');
    text('commandLine');
    text('image');
    text('imageDigest');
    text('host');
    text('stderr');
    text('workdir');
    if (d.exitCode === undefined && typeof c.exitCode === 'number') d.exitCode = c.exitCode;
  }
  return Object.keys(d).length ? d : undefined;
}

/** A fresh record of a job first seen at `time`. */
export function createJobRecord(jobId: string, time: number, fields: Partial<IJobRecord> = {}): IJobRecord {
  return {
    jobId,
    state: 'INACTIVE',
    history: [],
    started: time,
    updated: time,
    logs: [],
    outputs: [],
    artifacts: [],
    stepJobs: {},
    ...fields,
  };
}

/** Options of `foldJobEvent`. */
export interface IFoldOptions {
  /** Log lines kept (default 200): the oldest go first. */
  maxLogLines?: number;
  /** The time of an event that carries none. */
  now?: number;
}

/**
 * Fold one of a job's own events into its record, in place: the one place where the kernel's job
 * cards and the extension's Tasks panel turn events into what they show. Returns true when the
 * state changed. A state reported by a non-state event (progress, log) after a final state is
 * ignored: a late progress event does not bring a finished job back.
 */
export function foldJobEvent(r: IJobRecord, event: IJobEvent, options: IFoldOptions = {}): boolean {
  const time = event.time ?? options.now ?? Date.now();
  let changed = false;
  if (event.step !== undefined) r.step = event.step;
  if (event.task !== undefined) r.task = event.task;
  r.updated = time;
  if (event.state !== undefined && (!isFinalState(r.state) || event.kind === 'state')) {
    changed = r.state !== event.state;
    if (changed || r.history.length === 0) r.history.push({ state: event.state, time });
    r.state = event.state;
    r.lost = false;
  }
  if (event.progress) r.progress = event.progress;
  if (event.place) r.place = event.place;
  if (event.elapsed !== undefined) r.elapsed = event.elapsed;
  if (event.cache) r.cached = event.cache.hit;
  if (event.error) {
    r.error = `${event.error.code}: ${event.error.message}`;
    r.debug = debugOf(event.error);
  }
  if (event.attempt) r.attempt = { n: event.attempt.n, of: event.attempt.of };
  if (event.kind === 'cancel-ignored') r.cancelIgnored = event.notice ?? 'The task ignores its cancel signal and still runs in the kernel.';
  if (event.log) {
    r.logs.push({ stream: event.log.stream, line: event.log.line });
    const max = options.maxLogLines ?? 200;
    if (r.logs.length > max) r.logs.splice(0, r.logs.length - max);
  }
  if (event.artifact) r.artifacts.push(event.artifact);
  if (event.output) r.outputs.push(event.output);
  if (event.dag) r.dag = event.dag;
  return changed;
}

/** A job as a cell shows it: its record, and for a workflow each step's latest state. */
export interface IJobView extends IJobRecord {
  /** Workflows: each step's latest state, by step name. */
  steps: Record<string, string>;
}

/** One output of a finished job, rendered by its port's declared type and format. */
export interface IRenderedOutput {
  port: string;
  type: string;
  format: string;
  /** The output's MIME bundle (always with text/plain). */
  data: IMimeBundle;
  metadata?: Record<string, unknown>;
}

/** What `application/vnd.taskcell.job+json` carries: a job view, where it ran, and once it ended its outputs. */
export interface IJobCard extends IJobView {
  /** Where the job ran, in a word (in-process, threads, remote, docker, python); else from `place`. */
  where?: string;
  /** The outputs, rendered by their declared type, once the job succeeded. */
  results?: IRenderedOutput[];
  /** In a card's JSON: the steps past those `steps` lists, counted by state (`and 980 more: 975 SUCCESS, 5 RUNNING`). */
  moreSteps?: string;
}

/** How many log lines a job card keeps. */
export const JOB_VIEW_LOG_LINES = 5;

/** How many steps a card's text and HTML fallbacks list by name (the rest are counted). */
export const JOB_VIEW_STEP_LINES = 20;

/** A workflow's steps to list by name (the first `limit`), and the rest counted by state (`and 980 more: 975 SUCCESS, 5 RUNNING`, or ''). */
export function summarizeSteps(
  steps: Record<string, string>,
  limit = JOB_VIEW_STEP_LINES,
): { shown: Array<[string, string]>; more: string } {
  // One pass without intermediate arrays: a live card summarizes a thousand steps on every draw.
  const shown: Array<[string, string]> = [];
  const counts = new Map<string, number>();
  let rest = 0;
  for (const name in steps) {
    const state = steps[name];
    if (shown.length < limit) shown.push([name, state]);
    else {
      rest++;
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
  }
  const more = rest ? `and ${rest} more: ${[...counts].map(([st, n]) => `${n} ${st}`).join(', ')}` : '';
  return { shown, more };
}

/** A fresh view of a job. */
export function createJobView(jobId: string, task?: string, time = Date.now()): IJobView {
  return { ...createJobRecord(jobId, time, task !== undefined ? { task } : {}), steps: {} };
}

/**
 * Fold one event into a view (in place): the job's own events through `foldJobEvent`, and the
 * state events of a workflow's steps into its step table.
 */
export function applyJobEvent(view: IJobView, event: IJobEvent): IJobView {
  if (event.jobId !== view.jobId) {
    if (isStepStateEvent(event)) view.steps[event.step] = event.state;
    return view;
  }
  foldJobEvent(view, event, { maxLogLines: JOB_VIEW_LOG_LINES });
  if (event.dag) for (const s of event.dag.steps) view.steps[s] ??= 'INACTIVE';
  return view;
}

/** True for the events that move a workflow step's state: its state events (no allocation: this runs for every event of every step). */
export function isStepStateEvent(event: IJobEvent): event is IJobEvent & { step: string; state: string } {
  return event.kind === 'state' && event.step !== undefined && event.state !== undefined;
}

/**
 * The events of a job waiting to be folded into its view, for a view drawn less often than events
 * come (a live card): the job's own events in order, and of its steps only the latest state, so a
 * workflow of a thousand steps keeps a thousand short strings rather than every event it sent.
 */
export class JobEventQueue {
  /** Take one event of the job or of its steps. */
  push(view: IJobView, event: IJobEvent): void {
    if (event.jobId === view.jobId) this.own.push(event);
    else if (isStepStateEvent(event)) this.steps.set(event.step, event.state);
  }

  /** Fold what waits into the view (in place) and empty the queue; with `ownOnly`, the steps' states are dropped. */
  foldInto(view: IJobView, ownOnly = false): IJobView {
    for (const e of this.own) applyJobEvent(view, e);
    if (!ownOnly) for (const [step, state] of this.steps) view.steps[step] = state;
    this.own = [];
    this.steps.clear();
    return view;
  }

  private own: IJobEvent[] = [];
  private readonly steps = new Map<string, string>();
}

/** True when the view's state is final. */
export function isFinalJobView(view: IJobView): boolean {
  return isFinalState(view.state);
}

/**
 * A job card: `application/vnd.taskcell.job+json` (the card with its outputs' own bundles) and
 * HTML and text fallbacks that show the same: name, state, where, duration, cache hit, progress,
 * steps, error, log tail and each output's own fallback.
 */
export function jobViewBundle(card: IJobCard): IMimeBundle {
  const name = card.task ?? card.jobId;
  const final = isFinalState(card.state);
  const pct = progressPercent(card.progress);
  const where = card.where ?? formatPlace(card.place);
  const facts = [where, formatElapsed(card.elapsed), card.cached ? 'cached' : ''].filter(Boolean);
  const progress = formatProgress(card.progress);
  const summary = summarizeSteps(card.steps ?? {});
  const { shown: shownSteps, more: moreSteps } = summary;
  const logs = card.logs.map((l) => l.line);
  const results = card.results ?? [];

  const text = [`${name} [${card.state}]${progress ? ` ${progress}` : ''}${facts.length ? ` (${facts.join(', ')})` : ''}`];
  for (const [s, st] of shownSteps) text.push(`  ${s}: ${st}`);
  if (moreSteps) text.push(`  ${moreSteps}`);
  if (card.error) text.push(`  ${card.error}`);
  for (const l of logs) text.push(`  | ${l}`);
  for (const o of results) text.push(`${o.port} (${o.type}:${o.format}):`, Private.indent(String(o.data[MIME.plain] ?? '')));

  const bar =
    pct !== undefined
      ? `<progress max="100" value="${Math.round(pct)}"></progress> ${Math.round(pct)}%${card.progress?.message ? ` ${escapeHtml(card.progress.message)}` : ''}`
      : final
        ? ''
        : '<progress></progress>';
  const html = [
    `<div class="tc-job tc-job-${escapeHtml(card.state.toLowerCase())}">`,
    `<b>${escapeHtml(name)}</b> <code>${escapeHtml(card.state)}</code>${facts.length ? ` ${escapeHtml(facts.join(' · '))}` : ''} ${bar}`,
    shownSteps.length || moreSteps
      ? `<ul>${shownSteps.map(([s, st]) => `<li>${escapeHtml(s)}: <code>${escapeHtml(st)}</code></li>`).join('')}${moreSteps ? `<li>${escapeHtml(moreSteps)}</li>` : ''}</ul>`
      : '',
    card.error ? `<pre class="tc-job-error">${escapeHtml(card.error)}</pre>` : '',
    logs.length ? `<pre class="tc-job-log">${escapeHtml(logs.join('\n'))}</pre>` : '',
    results
      .map((o) => `<div class="tc-job-output"><h4>${escapeHtml(`${o.port} (${o.type}:${o.format})`)}</h4>${Private.html(o.data)}</div>`)
      .join(''),
    '</div>',
  ].join('');
  return { [MIME.job]: Private.payload(card, summary), [MIME.html]: html, [MIME.plain]: text.join('\n') };
}

namespace Private {
  export function placeWords(kind: IJobPlace['kind'], name: string | undefined): string {
    switch (kind) {
      case 'thread': {
        const n = /(\d+)$/.exec(name ?? '')?.[1];
        return n !== undefined ? `thread ${n}` : 'threads';
      }
      case 'container':
        return name ? `docker ${name}` : 'docker';
      case 'python':
        return 'python';
      case 'r':
        return 'R';
      default:
        return name ? `${kind} ${name}` : kind;
    }
  }

  /**
   * The JSON of a card: without the state history and run-time previews, which a card does not
   * show, and with the steps it lists by name (the rest counted in `moreSteps`), so a workflow of
   * a thousand steps costs its live card no more than one of fifty.
   */
  export function payload(card: IJobCard, steps: { shown: Array<[string, string]>; more: string }): IJobCard {
    return { ...card, history: [], outputs: [], steps: Object.fromEntries(steps.shown), ...(steps.more ? { moreSteps: steps.more } : {}) };
  }

  export function indent(text: string): string {
    return text
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
  }

  /** An output's HTML fallback: its HTML, an image, or its text. */
  export function html(data: IMimeBundle): string {
    if (typeof data[MIME.html] === 'string') return data[MIME.html] as string;
    for (const mime of [MIME.png, MIME.jpeg, MIME.gif]) {
      if (typeof data[mime] === 'string')
        return `<img src="data:${mime};base64,${data[mime] as string}" alt="${escapeHtml(String(data[MIME.plain] ?? ''))}">`;
    }
    return `<pre>${escapeHtml(String(data[MIME.plain] ?? ''))}</pre>`;
  }
}
