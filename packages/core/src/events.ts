import type { ISerializedError } from './errors';
import type { JobState } from './states';

/** The version of the JobEvent record. Bump it when a field changes meaning. */
export const JOB_EVENT_VERSION = 1;

/** Where a job ran: in the kernel's process, a thread, a remote worker, a Python or R interpreter or a container. */
export interface IJobPlace {
  kind: 'in-process' | 'thread' | 'remote' | 'python' | 'r' | 'container';
  /** Worker name, thread name (`thread-3`), interpreter or container image. */
  name?: string;
  host?: string;
  /** A python or container job's pool: the thread or remote worker whose runner started it (`thread-3`, a worker's name). */
  via?: string;
}

/** Progress as Girder Worker reports it. */
export interface IProgress {
  current: number;
  total: number;
  message?: string;
}

/** A file or directory a job produced and kept. */
export interface IArtifactRef {
  name: string;
  /** Where it is, as a path all readers can reach. */
  path: string;
  size?: number;
  mime?: string;
}

/**
 * One thing that happened to a job. Small, versioned and JSON-serializable: the same record crosses
 * threads, Redis and the kernel comm.
 */
export interface IJobEvent {
  v: typeof JOB_EVENT_VERSION;
  /** What kind of event. */
  kind: 'state' | 'progress' | 'log' | 'artifact' | 'cache' | 'output' | 'cancel-ignored' | 'attempt';
  jobId: string;
  /** The workflow job this job is a step of. */
  parentId?: string;
  /** The step name inside the parent workflow. */
  step?: string;
  /** The task's name. */
  task?: string;
  /** Milliseconds since the epoch. */
  time: number;
  /** The state after this event (kind `state`), or the state the job was in. */
  state?: JobState;
  progress?: IProgress;
  /** One log line (kind `log`). */
  log?: { stream: 'stdout' | 'stderr' | 'log'; line: string };
  artifact?: IArtifactRef;
  /** Kind `cache`: whether the result came from the cache (and from which layer: memory, disk, redis, artifacts), and why caching was skipped if it was. */
  cache?: { hit: boolean; key?: string; skipped?: string; from?: string };
  /** Kind `state` on a final state: how long the job took, in milliseconds. */
  elapsed?: number;
  /** Kind `state` on ERROR. */
  error?: ISerializedError;
  /** Kind `output`: port id, and a short preview of the value. */
  output?: { port: string; type: string; format: string; preview?: string };
  /** Where the job runs. */
  place?: IJobPlace;
  /**
   * Kind `state` when a workflow starts: its steps and the edges between them, for drawing the DAG;
   * `streams` are the edges that stream (the consumer runs while its producer does).
   */
  dag?: { steps: string[]; edges: Array<[string, string]>; streams?: Array<[string, string]> };
  /**
   * Kind `attempt`, when a job may be tried more than once (its retry policy): attempt `n` of at
   * most `of` starts, after waiting `delay` ms since attempt n-1 failed with `error`.
   */
  attempt?: { n: number; of: number; delay?: number; error?: ISerializedError };
  /**
   * Kind `cancel-ignored`, the one event after a job's final state: its body still runs in this
   * process a while after its cancel, because it does not heed its signal. Says so in words.
   */
  notice?: string;
}

/** A receiver of job events. */
export type JobEventListener = (event: IJobEvent) => void;

/** Something that can be disposed of; registration functions return one. */
export interface IDisposable {
  dispose(): void;
  readonly isDisposed?: boolean;
}

/**
 * A set of listeners. Emitting to an empty set costs one length check, so events are only built
 * when someone listens (see `hasListeners`).
 */
export class EventHub {
  private listeners: JobEventListener[] = [];

  /** True when at least one listener is subscribed. */
  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  /** Subscribe; dispose the result to unsubscribe. */
  subscribe(listener: JobEventListener): IDisposable {
    this.listeners = [...this.listeners, listener];
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
      get isDisposed() {
        return disposed;
      },
    };
  }

  /** Deliver an event. A listener that throws does not stop the others or the job. */
  emit(event: IJobEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        process.emitWarning(`taskcell: a job event listener threw: ${String(err)}`);
      }
    }
  }
}

/** Every job's events, for observers such as the kernel's Tasks panel bridge. */
export const globalEvents = new EventHub();
