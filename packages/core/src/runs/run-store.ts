import type { ISerializedError } from '../errors';
import type { IJobPlace } from '../events';
import type { JobState } from '../states';
import type { TaskJSON } from '../spec';

/** An output as a run record keeps it: the value inline when small, else a reference to a file holding it. */
export type RecordedOutput =
  | { format?: string; data: unknown }
  | { format?: string; artifact: string; size: number }
  | { type?: string; format?: string; preview?: string };

/** One run of a task, workflow or batch, as the run store keeps it. Fields not known are absent. */
export interface IRunRecord {
  /** The job id. */
  id: string;
  kind: 'task' | 'workflow' | 'batch';
  task?: string;
  /** The workflow or batch this run is a step or item of. */
  parentId?: string;
  step?: string;
  state: JobState;
  /** sha256 of the spec as JSON. */
  specHash?: string;
  /** The spec itself (runs started through `run()` and `map()`), so the run can be made again (`taskcell rerun`). */
  spec?: TaskJSON;
  /** sha256 of the code the mode runs (a function's source, a script). */
  codeHash?: string;
  /** sha256 of each input as it was given, by port id. */
  inputHashes?: Record<string, string>;
  /** The inputs as given, when small (bindings or values), by port id. */
  inputs?: Record<string, unknown>;
  outputs?: Record<string, RecordedOutput>;
  /** True when the result came from the result cache. */
  cached?: boolean;
  /** Milliseconds since the epoch. */
  started: number;
  ended?: number;
  /** Milliseconds from start to end. */
  elapsed?: number;
  place?: IJobPlace;
  error?: ISerializedError;
  /** The notebook (path) and cell (id) the run came from. */
  notebook?: string;
  cell?: string;
}

/** Which runs to list. */
export interface IRunQuery {
  /** Only this task's runs. */
  task?: string;
  /** Only runs started at or after this time (a Date, or milliseconds since the epoch). */
  since?: Date | number;
  state?: JobState;
  /** Only the steps or items of this run. */
  parentId?: string;
  /** Only runs of the spec with this hash. */
  specHash?: string;
  /** At most this many, newest first (default 1000). */
  limit?: number;
}

/**
 * Where run records are kept. `put` merges a record into the one with its id (fields it does not
 * carry are kept), and may batch writes until `flush`.
 */
export interface IRunStore {
  put(record: Partial<IRunRecord> & { id: string }): void;
  /** Write what is batched. */
  flush(): void;
  get(id: string): IRunRecord | undefined;
  /** Newest first. */
  list(query?: IRunQuery): IRunRecord[];
  /** Flush and close; idempotent. */
  close(): void;
}
