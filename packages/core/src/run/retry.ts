import { TaskcellError } from '../errors';
import type { IErrorContext } from '../errors';

/**
 * How a failed job is tried again: up to `max` more attempts, each after a delay that is `delay`
 * ms every time (`fixed`) or doubles from `delay` (`exponential`), capped at `maxDelay`. With
 * `on`, only errors of those codes are retried; without it, every error but a TimeoutError or a
 * CanceledError (which are retried only when `on` lists them).
 */
export interface IRetryPolicy {
  /** Attempts after the first (0: none). */
  max: number;
  backoff: 'fixed' | 'exponential';
  /** Milliseconds before the second attempt. */
  delay: number;
  /** No wait is longer than this (ms). */
  maxDelay?: number;
  /** Error codes to retry (`taskcell:task`, or just `task`). */
  on?: string[];
}

/** The retry policy as written (in a spec, a step, `task()` or `run()`). Missing fields take their defaults. */
export interface IRetryOptions {
  max: number;
  backoff?: 'fixed' | 'exponential';
  delay?: number;
  maxDelay?: number;
  on?: string[];
}

/**
 * Check and normalize a retry policy written in a spec or in options. `Err` is the typed error to
 * throw (SpecError for specs, OptionError for options); `where` names the field (`retries`,
 * `steps[1].retries`). Codes in `on` get the `taskcell:` prefix when they have none.
 */
export function parseRetries(
  value: unknown,
  where: string,
  Err: new (message: string, context?: IErrorContext) => TaskcellError,
): IRetryPolicy {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new Err(`Expected \`${field}\` to be ${expected}, got \`${Private.show(got)}\``, { path: field, option: field });
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return bad(where, 'an object such as { "max": 3, "backoff": "fixed", "delay": 100 }', value);
  }
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    if (!Private.FIELDS.has(k)) bad(`${where}.${k}`, `absent (a retry policy has ${[...Private.FIELDS].join(', ')})`, v[k]);
  }
  const ms = (k: string, dflt: number | undefined): number | undefined => {
    const x = v[k];
    if (x === undefined) return dflt;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) bad(`${where}.${k}`, 'a number of milliseconds >= 0', x);
    return x as number;
  };
  const max = v.max;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) bad(`${where}.max`, 'an integer >= 0', max);
  const backoff = v.backoff ?? 'fixed';
  if (backoff !== 'fixed' && backoff !== 'exponential') bad(`${where}.backoff`, '"fixed" or "exponential"', backoff);
  const policy: IRetryPolicy = { max: max as number, backoff: backoff as IRetryPolicy['backoff'], delay: ms('delay', 0)! };
  const maxDelay = ms('maxDelay', undefined);
  if (maxDelay !== undefined) {
    if (maxDelay < policy.delay) bad(`${where}.maxDelay`, `>= delay (${policy.delay})`, maxDelay);
    policy.maxDelay = maxDelay;
  }
  if (v.on !== undefined) {
    if (!Array.isArray(v.on) || v.on.some((c) => typeof c !== 'string' || c === '')) {
      bad(`${where}.on`, 'a list of error codes such as ["taskcell:task", "taskcell:timeout"]', v.on);
    }
    policy.on = (v.on as string[]).map((c) => (c.includes(':') ? c : `taskcell:${c}`));
  }
  return policy;
}

/** Milliseconds to wait before attempt `n` (2 for the first retry). */
export function retryDelay(policy: IRetryPolicy, n: number): number {
  const d = policy.backoff === 'exponential' ? policy.delay * 2 ** (n - 2) : policy.delay;
  return policy.maxDelay === undefined ? d : Math.min(d, policy.maxDelay);
}

/** Whether the policy retries this error (attempts left aside). */
export function isRetryable(policy: IRetryPolicy, err: unknown): boolean {
  const code = err instanceof TaskcellError ? err.code : 'taskcell:task';
  if (policy.on) return policy.on.includes(code);
  return code !== 'taskcell:timeout' && code !== 'taskcell:canceled';
}

/** The policy back as JSON (for the spec it came from). */
export function retriesToJSON(policy: IRetryPolicy): Record<string, unknown> {
  const out: Record<string, unknown> = { max: policy.max, backoff: policy.backoff, delay: policy.delay };
  if (policy.maxDelay !== undefined) out.maxDelay = policy.maxDelay;
  if (policy.on) out.on = [...policy.on];
  return out;
}

namespace Private {
  export const FIELDS = new Set(['max', 'backoff', 'delay', 'maxDelay', 'on']);

  export function show(v: unknown): string {
    try {
      return JSON.stringify(v) ?? String(v);
    } catch {
      return String(v);
    }
  }
}
