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
export type CompilerMessage = { id: number; value: unknown } | { id: number; error: string } | ({ ready: true } & IReadyInfo);

/** How the compiler process was made, told the kernel with `ready`. */
export interface IReadyInfo {
  /** Started from the V8 startup snapshot. */
  snapshot: boolean;
  /** Declaration files the program took from the snapshot, and those it parsed afresh (snapshot only). */
  reused?: number;
  parsed?: number;
  /** Milliseconds from the process's start to its first own code (Node's start, and reading the snapshot), and to ready. */
  mainMs?: number;
  readyMs?: number;
  /** The compiler process (a spare is not the kernel's child: the kernel ends it by pid). */
  pid?: number;
  /** It was a spare, started by an earlier kernel and taken over by this one. */
  spare?: boolean;
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

/** How the compiler process talks to its kernel: Node's IPC channel to its parent, or a socket (a spare, see spare.ts). */
export interface ITransport {
  send(m: CompilerMessage): void;
  onMessage(fn: (m: ICompileRequest) => void): void;
  /** The kernel is gone. */
  onClose(fn: () => void): void;
}

/** The IPC channel to the parent process. */
export const parentChannel: ITransport = {
  send: (m) => void process.send?.(m),
  onMessage: (fn) => void process.on('message', (m) => fn(m as ICompileRequest)),
  onClose: (fn) => void process.on('disconnect', fn),
};

/**
 * Answer the kernel's requests with `api` until the kernel goes (then exit). SIGINT is ignored: an
 * interrupt is the kernel's to handle, and it ends a compile by ending this process.
 */
export function serve(api: ICompileApi, ready: IReadyInfo, transport: ITransport = parentChannel, afterFirst?: () => void): void {
  let first = true;
  process.on('SIGINT', () => undefined);
  transport.onClose(() => process.exit(0));
  transport.onMessage((m) => {
    try {
      const fn = api[m.op] as (...args: unknown[]) => unknown;
      if (typeof fn !== 'function') throw new Error(`unknown compiler request ${JSON.stringify(m.op)}`);
      transport.send({ id: m.id, value: fn.apply(api, m.args) ?? null });
    } catch (err) {
      transport.send({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
    if (first && afterFirst) {
      first = false;
      setTimeout(afterFirst, 200).unref();
    }
  });
  transport.send({ ready: true, ...ready, pid: process.pid, readyMs: Math.round(process.uptime() * 1000) });
}
