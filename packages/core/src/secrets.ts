/**
 * Which environment variables hold secrets, by their names, and how their values are hidden: in a
 * failed container's error (the environment it ran with) and in the spec a run record keeps alike.
 */

/** Names of environment variables whose values are secrets. */
const SECRET_NAME = /(secret|token|passw|pwd|key|credential|auth|cookie|session|private)/i;

/** What a secret's value is shown and kept as. */
export const REDACTED = '***';

/** True when an environment variable of this name holds a secret (`API_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `NAME=value` entries with the values of secret-looking names replaced by `***`. */
export function redactEnv(env: string[]): string[] {
  return env.map((e) => Private.envEntry(e, (name, value) => (isSecretName(name) ? REDACTED : value)));
}

/**
 * A copy of a spec (as JSON) whose environment fields (`docker_run_args.environment`, any `env` or
 * `environment`, in a workflow's steps too) keep their names but hold `***` as the value of each
 * secret-looking name.
 */
export function redactSpecEnv<T>(json: T): T {
  return mapSpecEnv(json, (name, value) => (isSecretName(name) ? REDACTED : value));
}

/**
 * A copy of a spec (as JSON) with `f(name, value)` as the value of every variable of its environment
 * fields: objects of names to values, or lists of `NAME=value` strings (an entry without `=`, which
 * takes its value from the engine's environment, is left as it is).
 */
export function mapSpecEnv<T>(json: T, f: (name: string, value: unknown) => unknown): T {
  return Private.walk(json, f) as T;
}

namespace Private {
  /** Keys whose value is an environment. */
  const ENV_KEY = /^(env|environment)$/i;

  export function envEntry(entry: string, f: (name: string, value: unknown) => unknown): string {
    const eq = entry.indexOf('=');
    if (eq <= 0) return entry;
    const name = entry.slice(0, eq);
    return `${name}=${String(f(name, entry.slice(eq + 1)))}`;
  }

  export function walk(v: unknown, f: (name: string, value: unknown) => unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => walk(x, f));
    if (!plain(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = ENV_KEY.test(k) ? env(x, f) : walk(x, f);
    return out;
  }

  function env(v: unknown, f: (name: string, value: unknown) => unknown): unknown {
    if (Array.isArray(v)) return v.map((e) => (typeof e === 'string' ? envEntry(e, f) : walk(e, f)));
    if (!plain(v)) return v;
    return Object.fromEntries(Object.entries(v).map(([name, value]) => [name, f(name, value)]));
  }

  /** A plain object (what JSON makes); others (a Buffer, a Date) are data, kept as they are. */
  function plain(v: unknown): v is Record<string, unknown> {
    if (v === null || typeof v !== 'object') return false;
    const proto = Object.getPrototypeOf(v) as unknown;
    return proto === Object.prototype || proto === null;
  }
}
