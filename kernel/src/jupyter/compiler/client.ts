/**
 * Where the kernel's cells are compiled. The kernel compiles in a process of its own
 * (CompilerProcess): it starts with the kernel and builds the compiler while the kernel loads,
 * on another core, from a V8 startup snapshot when one is built (snapshot.ts); an interrupt ends a
 * compile that does not end by itself. `taskcell export` compiles in its own process
 * (InProcessCompiler).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachedModule } from '../code-cache';
import { CompilerError, InterruptedError } from '../errors';
import { kernelModuleDirs, ownPackageRoots, saveCompilerCode } from '../module-resolution';
import { localCompileService } from './local';
import type { CompileService, ICompileApi } from './service';
import type { CompilerMessage, ICompileRequest, ICompilerConfig, IReadyInfo } from './serve';
import { SPARES, SPARE_SOCKET, socketTransport, spareSocketPath, spareStartingPath } from './spare';
import type { ISpareClaim } from './spare';
import { buildSnapshotInBackground, compilerConfig, compilerEnv, snapshotPath } from './snapshot';

/** How long a kernel waits for a spare that is still starting, before it starts a compiler of its own. */
const SPARE_WAIT_MS = 3000;

/** A compile request's arguments and result, by name. */
type Args<K extends keyof ICompileApi> = Parameters<ICompileApi[K]>;
type Result<K extends keyof ICompileApi> = ReturnType<ICompileApi[K]>;

/** What compiles the Executor's cells. */
export interface ICompiler {
  /** Begin building the compiler, without waiting for it (later calls do nothing). */
  start(): void;
  /** True once started. */
  readonly started: boolean;
  call<K extends keyof ICompileApi>(op: K, ...args: Args<K>): Promise<Result<K>>;
  /** End the compile in progress with InterruptedError; false when none is. */
  interrupt(): boolean;
  close(): void;
}

/** Compiles in this process (nothing to interrupt: a compile here runs to its end). */
export class InProcessCompiler implements ICompiler {
  private service: CompileService | undefined;
  private unpatch: (() => void) | undefined;
  private codeKept = false;

  constructor(private readonly cwd: string) {}

  get started(): boolean {
    return this.service !== undefined;
  }

  start(): void {
    if (this.service) return;
    const local = localCompileService(this.cwd, ownPackageRoots(), kernelModuleDirs());
    this.service = local.service;
    this.unpatch = local.unpatch;
    this.service.warm();
  }

  call<K extends keyof ICompileApi>(op: K, ...args: Args<K>): Promise<Result<K>> {
    try {
      this.start();
      const fn = this.service![op] as (...a: unknown[]) => Result<K>;
      const value = fn.apply(this.service, args);
      if (!this.codeKept) {
        this.codeKept = true;
        // The compiler's code for the next process, with what compiling a first cell compiled.
        setTimeout(saveCompilerCode, 200).unref();
      }
      return Promise.resolve(value);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  interrupt(): boolean {
    return false;
  }

  close(): void {
    this.service?.close();
    this.service = undefined;
    this.unpatch?.();
    this.unpatch = undefined;
  }
}

interface IPending {
  op: keyof ICompileApi;
  args: unknown[];
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** A compiler process as the kernel holds it: its own child, or a spare it took over. */
interface ILink {
  readonly kind: 'child' | 'spare';
  /** The snapshot it started from, if any. */
  readonly snapshot: string | undefined;
  send(m: ICompileRequest): void;
  /** End it now (a compile in progress included). */
  kill(): void;
}

/**
 * The compiler in a process of its own: a spare that an earlier kernel left (it has read the
 * snapshot already), else a child started from the snapshot, else a child that loads the compiler
 * from its files. Requests wait while it starts and are answered in order. One that ends before it
 * is ready is replaced by the next kind and gets the same requests (a snapshot V8 refused is
 * removed); one that ends later fails the compiles in progress with CompilerError, and the next
 * request starts a new one. Nothing is lost: the kernel keeps the cells' declarations. Once ready
 * and answering, it leaves spares for the next kernels (`TASKCELL_SPARE_COMPILER=off` turns that
 * off) and, when there was no snapshot, builds one.
 */
export class CompilerProcess implements ICompiler {
  private link: ILink | undefined;
  private ready = false;
  private readonly pending = new Map<number, IPending>();
  private nextId = 1;
  private config: ICompilerConfig | undefined;
  private snapshotRefused = false;
  private spareFailed = false;
  private afterReady = false;
  private closed = false;
  /** The compiler process's pid, once known (a spare's comes with `ready`). */
  private pid: number | undefined;

  constructor(private readonly options: CompilerProcess.IOptions) {}

  get started(): boolean {
    return this.link !== undefined;
  }

  /** How the running compiler process was made, once it is ready. */
  info: IReadyInfo | undefined;

  start(): void {
    if (this.link || this.closed) return;
    const config = (this.config ??= compilerConfig());
    const blob = this.snapshotRefused ? undefined : snapshotPath(config, this.cacheDir());
    const snapshot = blob && existsSync(blob) ? blob : undefined;
    this.ready = false;
    this.info = undefined;
    this.pid = undefined;
    const spares = snapshot !== undefined && !this.spareFailed && process.env.TASKCELL_SPARE_COMPILER !== 'off';
    this.use((spares && (this.claimSpare(snapshot, config) ?? this.awaitSpare(snapshot, config))) || this.spawnChild(snapshot, config));
  }

  /** Talk to `link` from now on; requests made before go first, in their order. */
  private use(link: ILink): void {
    this.link = link;
    for (const [id, p] of this.pending) link.send({ id, op: p.op, args: p.args });
  }

  /**
   * A spare that an earlier kernel started a moment ago is still reading the snapshot: wait for
   * it (it is ahead of a process started now), up to SPARE_WAIT_MS; undefined when none is starting.
   */
  private awaitSpare(snapshot: string, config: ICompilerConfig): ILink | undefined {
    if (!Private.spareStarting(snapshot)) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const waiting: ILink = { kind: 'spare', snapshot, send: () => undefined, kill: () => clearTimeout(timer) };
    const deadline = Date.now() + SPARE_WAIT_MS;
    const poll = (): void => {
      if (this.link !== waiting) return;
      const claimed = this.claimSpare(snapshot, config);
      if (claimed) this.use(claimed);
      else if (Private.spareStarting(snapshot) && Date.now() < deadline) timer = setTimeout(poll, 5);
      else this.use(this.spawnChild(snapshot, config));
    };
    timer = setTimeout(poll, 5);
    return waiting;
  }

  call<K extends keyof ICompileApi>(op: K, ...args: Args<K>): Promise<Result<K>> {
    if (this.closed) return Promise.reject(new CompilerError('The kernel is shutting down: no more cells are compiled', {}));
    this.start();
    const id = this.nextId++;
    return new Promise<Result<K>>((resolve, reject) => {
      this.pending.set(id, { op, args, resolve: resolve as (v: unknown) => void, reject });
      this.link!.send({ id, op, args });
    });
  }

  interrupt(): boolean {
    if (this.pending.size === 0 || !this.link) return false;
    this.stop();
    this.failPending(new InterruptedError('Execution was interrupted (while the cell was compiling)', {}));
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    this.failPending(new CompilerError('The kernel is shutting down: the compile did not finish', {}));
  }

  private cacheDir(): string | undefined {
    return 'cacheDir' in this.options ? this.options.cacheDir : CachedModule.defaultDir();
  }

  private stop(): void {
    const link = this.link;
    this.link = undefined;
    link?.kill();
    if (this.pid !== undefined && link?.kind === 'spare') Private.kill(this.pid);
  }

  private failPending(err: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
  }

  /** A child process, from the snapshot when there is one. */
  private spawnChild(snapshot: string | undefined, config: ICompilerConfig): ILink {
    const args = snapshot ? ['--snapshot-blob', snapshot] : [join(__dirname, 'child.js')];
    const child = spawn(process.execPath, args, {
      cwd: this.options.cwd,
      env: compilerEnv(config, this.options.cwd),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const link: ILink = {
      kind: 'child',
      snapshot,
      send: (m) => void child.send(m),
      kill: () => void child.kill('SIGKILL'),
    };
    child.on('message', (m: CompilerMessage) => this.onMessage(link, m));
    child.on('exit', (code, signal) => this.onEnd(link, signal ? `signal ${signal}` : `exit code ${code}`));
    child.on('error', (err) => this.options.log(`compiler process: ${err.message}`));
    return link;
  }

  /** Take over a spare waiting beside `snapshot`, if one is (renaming its socket first, so no other kernel takes it too). */
  private claimSpare(snapshot: string, config: ICompilerConfig): ILink | undefined {
    let claimed: string | undefined;
    for (let slot = 0; slot < SPARES && !claimed; slot++) {
      const waiting = spareSocketPath(snapshot, slot);
      try {
        renameSync(waiting, `${waiting}.${process.pid}`);
        claimed = `${waiting}.${process.pid}`;
      } catch {
        // None waits in this slot.
      }
    }
    if (!claimed) return undefined;
    const socket = connect(claimed);
    const link: ILink = {
      kind: 'spare',
      snapshot,
      send: (m) => void socket.write(`${JSON.stringify(m)}\n`),
      kill: () => void socket.destroy(),
    };
    socket.on('connect', () => rmSync(claimed!, { force: true }));
    socket.on('error', (err) => this.options.log(`spare compiler: ${err.message}`));
    socket.on('close', () => {
      rmSync(claimed!, { force: true });
      this.onEnd(link, 'its connection closed');
    });
    socketTransport(socket).onMessage((m) => this.onMessage(link, m as unknown as CompilerMessage));
    const claim: ISpareClaim = { claim: { cwd: this.options.cwd, config } };
    socket.write(`${JSON.stringify(claim)}\n`);
    return link;
  }

  private onMessage(link: ILink, m: CompilerMessage): void {
    if (link !== this.link) return;
    if ('ready' in m) {
      const { ready: _, ...info } = m;
      this.ready = true;
      this.info = info;
      this.pid = info.pid;
      const times = `pid ${info.pid}, started in ${info.mainMs} ms, ready at ${info.readyMs} ms`;
      const how = info.spare
        ? 'a spare, from its startup snapshot'
        : info.snapshot
          ? 'from its startup snapshot'
          : 'without a startup snapshot';
      const files = info.snapshot ? `${info.reused} declaration files reused, ${info.parsed} parsed; ` : '';
      this.options.log(`compiler ready, ${how} (${files}${times})`);
      this.options.onReady?.(info);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.prepareNext(link);
    if ('error' in m) p.reject(new CompilerError(`The compiler failed: ${m.error}`, {}));
    else p.resolve(m.value === null ? undefined : m.value);
  }

  private onEnd(link: ILink, how: string): void {
    if (link !== this.link) return;
    this.link = undefined;
    if (this.closed) return;
    if (!this.ready) {
      // Not ready yet: the next kind gets the same requests.
      if (link.kind === 'spare') {
        this.options.log(`the spare compiler went away before it was ready (${how}); starting one`);
        this.spareFailed = true;
      } else if (link.snapshot) {
        this.options.log(`the compiler's startup snapshot was refused (${how}); compiling without it`);
        rmSync(link.snapshot, { force: true });
        this.snapshotRefused = true;
      } else {
        this.options.log(`the compiler process ended before it was ready (${how})`);
        this.failPending(new CompilerError(`The compiler process ended (${how}) before it was ready`, { exit: how }));
        return;
      }
      if (this.pending.size > 0) this.start();
      return;
    }
    this.options.log(`the compiler process ended (${how})`);
    this.failPending(
      new CompilerError(`The compiler process ended (${how}) while compiling; the next cell starts a new one`, { exit: how }),
    );
  }

  /**
   * When the compiler answers its first request: leave a spare for the next kernel (now, before
   * the answer is used: a kernel restarted right after its first cell is the one that needs it),
   * or, without a snapshot, build one a second later (once per kernel).
   */
  private prepareNext(link: ILink): void {
    if (this.afterReady) return;
    this.afterReady = true;
    const cacheDir = this.cacheDir();
    const config = this.config;
    if (!cacheDir || !config || this.snapshotRefused) return;
    if (link.snapshot) {
      if (process.env.TASKCELL_SPARE_COMPILER !== 'off') Private.spawnSpares(link.snapshot, config);
      return;
    }
    setTimeout(() => !this.closed && buildSnapshotInBackground(config, cacheDir), 1000).unref();
  }
}

namespace Private {
  export function kill(pid: number): void {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }

  /** True while a spare for `snapshot` is reading it in any slot (see startingIn). */
  export function spareStarting(snapshot: string): boolean {
    for (let slot = 0; slot < SPARES; slot++) if (startingIn(snapshot, slot)) return true;
    return false;
  }

  /** True while the spare in `slot` reads the snapshot: its marker names a live process, written less than SPARE_WAIT_MS ago. */
  function startingIn(snapshot: string, slot: number): boolean {
    const marker = spareStartingPath(snapshot, slot);
    try {
      if (Date.now() - statSync(marker).mtimeMs > SPARE_WAIT_MS) return false;
      process.kill(Number(readFileSync(marker, 'utf8')), 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Start a spare from `snapshot` in each free slot; they outlive this kernel, and stop by themselves when idle. */
  export function spawnSpares(snapshot: string, config: ICompilerConfig): void {
    for (let slot = 0; slot < SPARES; slot++) {
      const socket = spareSocketPath(snapshot, slot);
      if (existsSync(socket) || startingIn(snapshot, slot)) continue;
      const child = spawn(process.execPath, ['--snapshot-blob', snapshot], {
        cwd: tmpdir(),
        detached: true,
        stdio: 'ignore',
        env: { ...compilerEnv(config, tmpdir()), [SPARE_SOCKET]: socket },
      });
      child.on('error', () => undefined);
      child.unref();
      // The spare removes this once it listens.
      if (child.pid !== undefined) writeFileSync(spareStartingPath(snapshot, slot), String(child.pid));
    }
  }
}

/** CompilerProcess's options. */
export namespace CompilerProcess {
  export interface IOptions {
    /** The notebook's directory (the compiler's working directory). */
    cwd: string;
    /** Where the snapshot is looked for and built; undefined turns it off. Default: the code cache directory. */
    cacheDir?: string | undefined;
    log: (line: string) => void;
    onReady?: (info: IReadyInfo) => void;
  }
}
