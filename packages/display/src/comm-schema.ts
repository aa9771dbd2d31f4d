import type { IJobEvent } from '@taskcell/core';

/** The comm target the kernel registers for job events and job commands. */
export const COMM_TARGET = 'taskcell';

/** The version of the messages below. Bump it when a field changes meaning. */
export const COMM_SCHEMA_VERSION = 1;

/** Kernel to frontend: sent once on open, the jobs running now. */
export interface IHelloMessage {
  v: typeof COMM_SCHEMA_VERSION;
  type: 'hello';
  jobs: string[];
}

/** Kernel to frontend: one job event, as `globalEvents` emitted it. */
export interface IEventMessage {
  v: typeof COMM_SCHEMA_VERSION;
  type: 'event';
  event: IJobEvent;
  /**
   * A top-level job's events: the id of the notebook cell whose execution started the job (the
   * `cellId` JupyterLab puts in an execute_request's metadata), when the request carried one.
   */
  cellId?: string;
}

/** Kernel to frontend: the answer to `list`. */
export interface IJobsMessage {
  v: typeof COMM_SCHEMA_VERSION;
  type: 'jobs';
  requestId?: string;
  jobs: string[];
}

/** Kernel to frontend: the answer to `cancel` and `cancel-all`: the jobs that were running and are now cancelling. */
export interface ICanceledMessage {
  v: typeof COMM_SCHEMA_VERSION;
  type: 'canceled';
  requestId?: string;
  jobIds: string[];
}

/** Kernel to frontend: a command could not be understood. */
export interface ICommErrorMessage {
  v: typeof COMM_SCHEMA_VERSION;
  type: 'error';
  requestId?: string;
  code: 'taskcell:comm';
  message: string;
}

/** Everything the kernel sends on the comm. */
export type KernelCommMessage = IHelloMessage | IEventMessage | IJobsMessage | ICanceledMessage | ICommErrorMessage;

/** Frontend to kernel: the commands the kernel accepts. */
export type FrontendCommMessage =
  | { v: typeof COMM_SCHEMA_VERSION; type: 'list'; requestId?: string }
  | { v: typeof COMM_SCHEMA_VERSION; type: 'cancel'; jobId: string; requestId?: string }
  | { v: typeof COMM_SCHEMA_VERSION; type: 'cancel-all'; requestId?: string };

/**
 * Check a frontend message; returns the command, or an error message to send back that says what
 * was expected and what came.
 */
export function parseFrontendMessage(data: unknown): FrontendCommMessage | ICommErrorMessage {
  const fail = (message: string, requestId?: string): ICommErrorMessage => ({
    v: COMM_SCHEMA_VERSION,
    type: 'error',
    code: 'taskcell:comm',
    message,
    ...(requestId !== undefined ? { requestId } : {}),
  });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return fail(`Expected a command object, got ${Private.kind(data)}`);
  const d = data as Record<string, unknown>;
  const requestId = typeof d.requestId === 'string' ? d.requestId : undefined;
  if (d.v !== COMM_SCHEMA_VERSION)
    return fail(`Expected schema version \`v\` ${COMM_SCHEMA_VERSION}, got ${JSON.stringify(d.v)}`, requestId);
  const rid = requestId !== undefined ? { requestId } : {};
  switch (d.type) {
    case 'list':
      return { v: COMM_SCHEMA_VERSION, type: 'list', ...rid };
    case 'cancel-all':
      return { v: COMM_SCHEMA_VERSION, type: 'cancel-all', ...rid };
    case 'cancel':
      if (typeof d.jobId !== 'string')
        return fail(`Expected \`jobId\` to be a string in a cancel command, got ${Private.kind(d.jobId)}`, requestId);
      return { v: COMM_SCHEMA_VERSION, type: 'cancel', jobId: d.jobId, ...rid };
    default:
      return fail(`Expected \`type\` to be one of list, cancel, cancel-all, got ${JSON.stringify(d.type)}`, requestId);
  }
}

/** True for the error result of `parseFrontendMessage`. */
export function isCommError(m: FrontendCommMessage | ICommErrorMessage): m is ICommErrorMessage {
  return m.type === 'error';
}

namespace Private {
  export function kind(v: unknown): string {
    return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
  }
}
