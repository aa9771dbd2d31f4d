/**
 * Typed errors. Every failure kind has a class with a stable `code`, a message that says what was
 * expected and what came, and a `context` naming the task, step, port, type and format involved.
 * Errors serialize to plain JSON (`toJSON`) and revive (`TaskcellError.fromJSON`) so they cross
 * thread, process and Redis boundaries unchanged.
 */

/** Where a failure happened. Every field is optional; set what is known. */
export interface IErrorContext {
  task?: string;
  step?: string;
  port?: string;
  type?: string;
  format?: string;
  path?: string;
  line?: number;
  column?: number;
  [key: string]: unknown;
}

/** The JSON form of a taskcell error. */
export interface ISerializedError {
  name: string;
  code: string;
  message: string;
  context: IErrorContext;
  stack?: string;
  cause?: ISerializedError;
}

/** Base class of every error taskcell raises on purpose. */
export class TaskcellError extends Error {
  /** The stable code, such as `taskcell:validation`. */
  readonly code: string = 'taskcell:error';
  /** What the error is about. */
  readonly context: IErrorContext;

  constructor(message: string, context: IErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.context = context;
  }

  override get name(): string {
    return this.constructor.name;
  }

  toJSON(): ISerializedError {
    const out: ISerializedError = {
      name: this.name,
      code: this.code,
      message: this.message,
      context: this.context,
    };
    if (this.stack) out.stack = this.stack;
    if (this.cause !== undefined) out.cause = serializeError(this.cause);
    return out;
  }

  /** Rebuild an error from its JSON form, with the right class when the code is known. */
  static fromJSON(json: ISerializedError): TaskcellError {
    const Ctor = Private.byCode.get(json.code) ?? TaskcellError;
    const cause = json.cause ? TaskcellError.fromJSON(json.cause) : undefined;
    const err = Object.create(Ctor.prototype) as TaskcellError;
    Object.assign(err, { message: json.message, context: json.context ?? {} });
    Object.defineProperty(err, 'code', { value: json.code, enumerable: true });
    if (json.stack) err.stack = json.stack;
    if (cause) Object.defineProperty(err, 'cause', { value: cause });
    return err;
  }
}

/** A task or workflow spec is malformed; `context.path` names the bad field (`steps[2].task.inputs[0].type`). */
export class SpecError extends TaskcellError {
  override readonly code = 'taskcell:spec';
}

/** Data does not match the type and format it claims. */
export class ValidationError extends TaskcellError {
  override readonly code = 'taskcell:validation';
}

/** No converter path exists, or a converter failed. */
export class ConversionError extends TaskcellError {
  override readonly code = 'taskcell:conversion';
}

/** A type or format name is not registered. */
export class UnknownFormatError extends TaskcellError {
  override readonly code = 'taskcell:unknown-format';
}

/** A required input has no binding and no default. */
export class MissingInputError extends TaskcellError {
  override readonly code = 'taskcell:missing-input';
}

/** A declared output was not produced by the task. */
export class MissingOutputError extends TaskcellError {
  override readonly code = 'taskcell:missing-output';
}

/** A workflow's connections form a cycle; `context.cycle` lists it. */
export class CycleError extends TaskcellError {
  override readonly code = 'taskcell:cycle';
}

/** The task's own code threw; `cause` holds what it threw. */
export class TaskError extends TaskcellError {
  override readonly code = 'taskcell:task';
}

/** Fetching or pushing data through a binding failed. */
export class IoError extends TaskcellError {
  override readonly code = 'taskcell:io';
}

/** The job was cancelled. A cancelled job ends CANCELED, not ERROR. */
export class CanceledError extends TaskcellError {
  override readonly code = 'taskcell:canceled';
}

/** The job ran longer than its `timeout`. */
export class TimeoutError extends TaskcellError {
  override readonly code = 'taskcell:timeout';
}

/** The code asked for a job state change the transition table forbids. */
export class TransitionError extends TaskcellError {
  override readonly code = 'taskcell:transition';
}

/** An option or argument has the wrong shape. */
export class OptionError extends TaskcellError {
  override readonly code = 'taskcell:option';
}

/** A name is registered twice (a step, a mode, a format, a port). */
export class DuplicateError extends TaskcellError {
  override readonly code = 'taskcell:duplicate';
}

/** One step of a workflow failed; finished steps' results are kept on the error. */
export class WorkflowError extends TaskcellError {
  override readonly code = 'taskcell:workflow';

  /**
   * @param failed - each failed step with its error
   * @param completed - outputs of every step that finished, by step name
   * @param notRun - steps that never ran because a step they depend on failed
   * @param outputs - the workflow outputs that could still be produced
   */
  constructor(
    message: string,
    context: IErrorContext,
    readonly failed: Array<{ step: string; error: TaskcellError }> = [],
    readonly completed: Record<string, Record<string, unknown>> = {},
    readonly notRun: string[] = [],
    readonly outputs: Record<string, unknown> = {},
  ) {
    super(message, context, { cause: failed[0]?.error });
  }

  override toJSON(): ISerializedError {
    const json = super.toJSON();
    json.context = {
      ...json.context,
      failed: this.failed.map((f) => ({ step: f.step, error: f.error.toJSON() })),
      notRun: this.notRun,
      completedSteps: Object.keys(this.completed),
    };
    return json;
  }
}

/** Turn anything thrown into a TaskcellError (non-Error throws included), keeping known ones as they are. */
export function toTaskcellError(err: unknown, context: IErrorContext = {}): TaskcellError {
  if (err instanceof TaskcellError) return err;
  if (err instanceof Error) {
    const wrapped = new TaskError(`${err.name}: ${err.message}`, context, { cause: err });
    if (err.stack) wrapped.stack = err.stack;
    return wrapped;
  }
  return new TaskError(`Non-error thrown: ${Private.describe(err)}`, context);
}

/**
 * An abort reason as the error a cancelled job rejects with: a TaskcellError (a CanceledError, a
 * TimeoutError) as it is; anything else (a DOMException, a string) as a CanceledError saying
 * `message`, with `context`, that keeps the reason as its cause.
 */
export function toCanceledError(reason: unknown, message = 'Job was cancelled', context: IErrorContext = {}): TaskcellError {
  return reason instanceof TaskcellError ? reason : new CanceledError(message, context, { cause: reason });
}

/** The JSON form of any thrown value. */
export function serializeError(err: unknown): ISerializedError {
  if (err instanceof TaskcellError) return err.toJSON();
  if (err instanceof Error) {
    return { name: err.name, code: 'taskcell:task', message: err.message, context: {}, stack: err.stack };
  }
  return { name: 'Error', code: 'taskcell:task', message: Private.describe(err), context: {} };
}

/** Name the JS type of a value the way error messages do: `string "2"`, `number 3`, `array(2)`. */
export function describeValue(value: unknown): string {
  return Private.describe(value);
}

namespace Private {
  export const byCode = new Map<string, new (message: string, context?: IErrorContext) => TaskcellError>(
    [
      SpecError,
      ValidationError,
      ConversionError,
      UnknownFormatError,
      MissingInputError,
      MissingOutputError,
      CycleError,
      TaskError,
      IoError,
      CanceledError,
      TimeoutError,
      TransitionError,
      OptionError,
      DuplicateError,
      WorkflowError,
    ].map((C) => [new C('', {}).code, C as new (message: string, context?: IErrorContext) => TaskcellError]),
  );

  export function describe(value: unknown): string {
    if (value === null) return 'null';
    if (Array.isArray(value)) return `array(${value.length})`;
    if (Buffer.isBuffer(value)) return `Buffer(${value.length} bytes)`;
    switch (typeof value) {
      case 'string': {
        const s = value.length > 40 ? `${value.slice(0, 37)}...` : value;
        return `string ${JSON.stringify(s)}`;
      }
      case 'number':
      case 'boolean':
      case 'bigint':
        return `${typeof value} ${String(value)}`;
      case 'undefined':
        return 'undefined';
      case 'function':
        return 'function';
      default: {
        const ctor = (value as object).constructor?.name;
        return ctor && ctor !== 'Object' ? `${ctor} instance` : 'object';
      }
    }
  }
}
