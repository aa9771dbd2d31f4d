import { TaskcellError } from '@taskcell/core';

/** A job's payload could not be read by the worker (not taskcell's wire form, or corrupted); the job fails, the worker lives on. */
export class PayloadError extends TaskcellError {
  override readonly code = 'taskcell:payload';
}

/** The pool itself failed: a thread died, or the queue refused the job. */
export class PoolError extends TaskcellError {
  override readonly code = 'taskcell:pool';
}
