import { TaskcellError, serializeError } from '@taskcell/core';
import type { ISerializedError } from '@taskcell/core';

/** A job's payload could not be read by the worker (not taskcell's wire form, or corrupted); the job fails, the worker lives on. */
export class PayloadError extends TaskcellError {
  override readonly code = 'taskcell:payload';
}

/** The pool itself failed: a thread died, or the queue refused the job. */
export class PoolError extends TaskcellError {
  override readonly code = 'taskcell:pool';
}

/**
 * The JSON form of an error for a job's outcome on a worker: the typed error, its message, context
 * and causes, without stack traces, which would tell whoever reads the queue the worker's paths
 * (its install, its home, its task files).
 */
export function outcomeError(err: unknown): ISerializedError {
  return Private.withoutStacks(serializeError(err)) as ISerializedError;
}

namespace Private {
  /** A copy of a JSON value with every `stack` key left out, at any depth (workflow errors nest theirs in context). */
  export function withoutStacks(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withoutStacks);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'stack') out[k] = withoutStacks(v);
    return out;
  }
}
