/**
 * The compiler process's side of the kernel's requests (client.ts is the other side): requests come
 * over the IPC channel Node opens between parent and child, one answer each, in order.
 */
import type { ICompileApi } from './service';

/** A request to the compiler process. */
export interface ICompileRequest {
  id: number;
  op: keyof ICompileApi;
  args: unknown[];
}

/** The compiler process's messages: an answer, or `ready` once the compiler is built. */
export type CompilerMessage =
  { id: number; value: unknown } | { id: number; error: string } | { ready: true; snapshot: boolean; reused: number; parsed: number };

/** How the compiler process was made, told the kernel with `ready`. */
export interface IReadyInfo {
  /** Started from the V8 startup snapshot. */
  snapshot: boolean;
  /** Declaration files the program took from the snapshot, and those it parsed afresh. */
  reused: number;
  parsed: number;
}

/** What the kernel tells its compiler process, in the environment variable `COMPILER_CONFIG`. */
export interface ICompilerConfig {
  /** The kernel's own packages by name, and where they are (the notebook's imports of them type-check against these). */
  roots: Array<[string, string]>;
  /** The node_modules folders the kernel's packages resolve from, where a notebook folder has none. */
  fallbackDirs: string[];
  /** The compiler's own file (its lib files are beside it). */
  typescript: string;
}

/** The environment variable that carries an ICompilerConfig (as JSON) to the compiler process. */
export const COMPILER_CONFIG = 'TASKCELL_COMPILER_CONFIG';

/**
 * The environment variable that names the compiler process's working directory. A process started
 * from a snapshot reports the directory the snapshot was built in as `process.cwd()` until it
 * changes directory, so it changes to this one first.
 */
export const COMPILER_CWD = 'TASKCELL_COMPILER_CWD';

/** Read the ICompilerConfig the kernel passed; throws when it is missing or not one. */
export function readCompilerConfig(env: NodeJS.ProcessEnv = process.env): ICompilerConfig {
  const text = env[COMPILER_CONFIG];
  if (!text) throw new Error(`${COMPILER_CONFIG} is not set: the compiler process is started by the taskcell kernel`);
  const c = JSON.parse(text) as Partial<ICompilerConfig>;
  if (!Array.isArray(c.roots) || !Array.isArray(c.fallbackDirs) || typeof c.typescript !== 'string') {
    throw new Error(`${COMPILER_CONFIG} must hold {roots, fallbackDirs, typescript}, got ${text.slice(0, 200)}`);
  }
  return { roots: c.roots, fallbackDirs: c.fallbackDirs, typescript: c.typescript };
}

/**
 * Answer the parent's requests with `api` until the parent goes (then exit). SIGINT is ignored: an
 * interrupt is the kernel's to handle, and it ends a compile by ending this process.
 */
export function serve(api: ICompileApi, ready: IReadyInfo, afterFirst?: () => void): void {
  const send = (m: CompilerMessage): void => void process.send?.(m);
  let first = true;
  process.on('SIGINT', () => undefined);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (raw) => {
    const m = raw as ICompileRequest;
    try {
      const fn = api[m.op] as (...args: unknown[]) => unknown;
      if (typeof fn !== 'function') throw new Error(`unknown compiler request ${JSON.stringify(m.op)}`);
      send({ id: m.id, value: fn.apply(api, m.args) ?? null });
    } catch (err) {
      send({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
    if (first && afterFirst) {
      first = false;
      setTimeout(afterFirst, 200).unref();
    }
  });
  send({ ready: true, ...ready });
}
