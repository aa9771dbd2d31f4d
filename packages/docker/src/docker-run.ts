import type { Stats } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import * as tar from 'tar';
import { ExtractionTree, TaskcellError, contain, redactEnv, toCanceledError } from '@taskcell/core';
import type { IArtifactRef, Job } from '@taskcell/core';
import { dockerClient, engineError } from './client';
import { ContainerExitError, DockerError, DockerUnavailableError } from './errors';
import { Demultiplexer } from './demux';
import { LineLog, OutputCapture } from './capture';
import type { DockerStream } from './demux';
import { connectProgress } from './pipes';
import type { IPipeConnection, ProgressPipe } from './pipes';
import { toJobProgress } from './progress';
import type { IProgressReport } from './progress';
import type { IArtifactRequest } from './task-spec';
import { gpuRequests, parseBytes } from './task-spec';
import type { BindMountVolume } from './volumes';
import { defaultDockerPolicy } from './policy';
import type { DockerPolicy } from './policy';
import { DATA_VOLUME } from './expand';

/** The label every container taskcell starts carries (value `true`). */
export const CONTAINER_LABEL = 'taskcell';
/** The label naming the job a container belongs to. */
export const JOB_LABEL = 'taskcell.job';
/** The label naming the process run (one id per process) that made a container. */
export const RUN_LABEL = 'taskcell.run';
/** The label holding the pid of the process that made a container. */
export const PID_LABEL = 'taskcell.pid';
/** The label holding the host name of the machine whose process made a container. */
export const HOST_LABEL = 'taskcell.host';
/** This process's run id, on every container it makes (`RUN_LABEL`). */
export const RUN_ID = randomUUID();

/** How to run one container. Only `image` is required. */
export interface IDockerRunOptions {
  image: string;
  /** The command's arguments (after the entrypoint). */
  args?: string[];
  entrypoint?: string[];
  /** Bind mounts. */
  volumes?: BindMountVolume[];
  /** Streams joined to named pipes (`connect(...)`). */
  connections?: IPipeConnection[];
  /** A progress pipe whose reports become progress (the job's, and `onProgress`). */
  progressPipe?: ProgressPipe;
  onProgress?: (report: IProgressReport) => void;
  /** The container's network: `none` unless asked (`bridge`, `host`, a network name). */
  network?: string;
  /** A memory limit: bytes or a size such as `512m`. */
  memory?: number | string;
  /** How many CPUs the container may use (fractions allowed). */
  cpus?: number;
  /** GPUs through device requests: a count, `all`, or device ids. */
  gpus?: number | 'all' | string[];
  env?: Record<string, string>;
  labels?: Record<string, string>;
  /** Raw create options, merged in last (taskcell's labels, `Tty: false` and the attach flags stay). */
  create?: Docker.ContainerCreateOptions;
  /** Pull the image when it is absent (default true). */
  pull?: boolean;
  /** Remove the container after the run (default true). */
  remove?: boolean;
  /** Files or directories to keep after the run; relative paths are in `dataVolume` (`DATA_VOLUME` by default). */
  artifacts?: IArtifactRequest[];
  /** Where kept artifacts go on the host (required with `artifacts`). */
  artifactDir?: string;
  /** The container directory relative artifact paths resolve in. */
  dataVolume?: string;
  /** The job this run belongs to: its logs, progress, artifacts, cancellation and label. */
  job?: Job;
  /** Cancels the run (the job's signal by default): the container is stopped and removed. */
  signal?: AbortSignal;
  /** Every chunk the container writes, as it comes. */
  onOutput?: (stream: DockerStream, chunk: Buffer) => void;
  /** Keep stdout and stderr text in the result (default true). */
  capture?: boolean;
  /**
   * Where captured output past `inMemory` bytes a stream goes (by default it stays in memory): a
   * new directory there with a `stdout` or `stderr` file, named in the result; the caller removes it.
   */
  spillDir?: string;
  /** Bytes of each stream kept in memory before it goes to `spillDir` (default 64 MiB). */
  inMemory?: number;
  /** Milliseconds a cancelled container gets between SIGTERM and SIGKILL (default 500). */
  stopTimeout?: number;
  /** The engine (a client for `DOCKER_HOST` or the default socket by default). */
  docker?: Docker;
  /** Milliseconds the engine has to answer the first call (default 10000). */
  engineTimeout?: number;
  /**
   * What the container may do to the host, checked before it is created (`defaultDockerPolicy()`
   * by default). `volumes` are the caller's own mounts; mounts in `create` must lie in its data roots.
   */
  policy?: DockerPolicy;
}

/** What a finished run gives back. */
export interface IDockerRunResult {
  containerId: string;
  exitCode: number;
  /** What the container wrote on stdout, or '' when it went to `stdoutFile`. */
  stdout: string;
  stderr: string;
  /** The file stdout went to when it outgrew `inMemory`. */
  stdoutFile?: string;
  stderrFile?: string;
  artifacts: IArtifactRef[];
}

/**
 * Run a container to its end, in the spirit of Girder Worker's `docker_run`: pull the image when
 * absent, check the create options against the Docker policy, create the container (labelled
 * `taskcell`, `taskcell.job`, and with this process's run id, pid and host so `removeDeadRunContainers`
 * can find it if the process dies; network `none` unless asked), attach to its output before it starts, join the named pipes, wait, keep the artifacts,
 * remove it. A non-zero exit rejects with a ContainerExitError (after artifacts asked for
 * `onFailure` were kept); a cancel stops and removes the container and rejects with a
 * CanceledError.
 */
export async function dockerRun(options: IDockerRunOptions): Promise<IDockerRunResult> {
  const run = new Private.Run(options);
  return run.execute();
}

/** A command line as a POSIX shell reads it back: each argument quoted unless it is plain. */
export function shellQuote(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Pull `image` when the engine does not have it; refuse when `pull` is false. */
export async function ensureImage(docker: Docker, image: string, pull = true, timeout = 10000): Promise<void> {
  if (await Private.hasImage(docker, image, timeout)) return;
  if (!pull) {
    throw new DockerError(`Image "${image}" is not present in the engine and pulling is off (pull_image: false)`, {
      image,
      operation: 'image inspect',
    });
  }
  try {
    const stream = (await docker.pull(image)) as Readable;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
        const failed = out?.find((o) => o.error);
        if (err || failed) reject(err ?? new Error(failed!.error));
        else resolve();
      });
    });
  } catch (err) {
    const e = engineError(docker, `pull of image "${image}"`, err);
    if (e instanceof DockerUnavailableError) throw e;
    throw new DockerError(
      `Image "${image}" is not present and could not be pulled: ${e.message}`,
      { image, operation: 'pull' },
      { cause: err },
    );
  }
}

namespace Private {
  /** The last 64 KiB of a file, as text (the end of a stream that went to a file). */
  export async function fileTail(path: string): Promise<string> {
    const f = await open(path, 'r');
    try {
      const { size } = await f.stat();
      const n = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(n);
      await f.read(buf, 0, n, size - n);
      return buf.toString('utf8');
    } finally {
      await f.close();
    }
  }

  export async function hasImage(docker: Docker, image: string, timeout: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        docker.getImage(image).inspect(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeout} ms`), { code: 'ETIMEDOUT' })), timeout);
        }),
      ]);
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw engineError(docker, `inspect of image "${image}"`, err);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  export class Run {
    private readonly docker: Docker;
    private container: Docker.Container | undefined;
    private readonly stdout: OutputCapture;
    private readonly stderr: OutputCapture;
    private removed: Promise<void> | undefined;
    private cancelReason: unknown;
    private readonly connections: IPipeConnection[];

    constructor(private readonly o: IDockerRunOptions) {
      this.docker = o.docker ?? dockerClient();
      this.stdout = new OutputCapture('stdout', o.spillDir, o.inMemory);
      this.stderr = new OutputCapture('stderr', o.spillDir, o.inMemory);
      this.connections = [...(o.connections ?? [])];
      if (o.progressPipe) {
        const job = o.job;
        this.connections.push(
          connectProgress(o.progressPipe, (report) => {
            if (job) {
              const p = toJobProgress(report);
              job.progress(p.current, p.total, p.message);
            }
            o.onProgress?.(report);
          }),
        );
      }
    }

    async execute(): Promise<IDockerRunResult> {
      const o = this.o;
      const signal = o.signal ?? o.job?.signal;
      const onAbort = () => {
        this.cancelReason = signal!.reason;
        // A removal that fails is reported by the run's own error path below.
        this.stopAndRemove().catch(() => undefined);
      };
      if (signal?.aborted) throw this.canceled(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await this.runContainer();
      } catch (err) {
        await Promise.all([this.stdout.discard(), this.stderr.discard()]);
        if (this.cancelReason !== undefined) {
          await this.removed?.catch(() => undefined);
          throw this.canceled(this.cancelReason);
        }
        // A run that broke (start refused, engine gone) leaves no container behind unless asked to keep it.
        if (o.remove !== false && !(err instanceof ContainerExitError)) await this.stopAndRemove().catch(() => undefined);
        throw err;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        for (const c of this.connections) c.close();
      }
    }

    private canceled(reason: unknown): TaskcellError {
      return toCanceledError(reason, `The container run of "${this.o.image}" was cancelled`, { image: this.o.image });
    }

    private async runContainer(): Promise<IDockerRunResult> {
      const o = this.o;
      await ensureImage(this.docker, o.image, o.pull !== false, o.engineTimeout ?? 10000);
      this.checkCancel();
      for (const c of this.connections) await c.prepare();
      const container = await this.create();
      this.container = container;
      if (this.cancelReason !== undefined) {
        await this.stopAndRemove();
        this.checkCancel();
      }
      // Attached before the start, so no output is missed (asking for `logs` too could repeat some).
      const attached = await this.call('attach', () => container.attach({ stream: true, stdout: true, stderr: true }));
      const streamDone = this.demux(attached as NodeJS.ReadableStream);
      await this.call('start', () => container.start());
      let exitSeen!: () => void;
      const exited = new Promise<void>((r) => (exitSeen = r));
      const moving = this.connections.map((c) => c.run(exited));
      let status: { StatusCode: number };
      try {
        status = (await this.call('wait', () => container.wait())) as { StatusCode: number };
      } finally {
        exitSeen();
      }
      await Promise.all([streamDone, ...moving]);
      this.checkCancel();
      const failed = status.StatusCode !== 0;
      // What the container ran with, read before it is removed: its image's digest and its environment.
      const ran = failed ? await this.call('inspect', () => container.inspect()).catch(() => undefined) : undefined;
      const artifacts = await this.keepArtifacts(failed);
      if (o.remove !== false) await this.stopAndRemove();
      const [stdout, stderr] = await Promise.all([this.stdout.end(), this.stderr.end()]);
      const result: IDockerRunResult = {
        containerId: container.id,
        exitCode: status.StatusCode,
        stdout: 'text' in stdout ? stdout.text : '',
        stderr: 'text' in stderr ? stderr.text : '',
        artifacts,
      };
      if ('file' in stdout) result.stdoutFile = stdout.file;
      if ('file' in stderr) result.stderrFile = stderr.file;
      if (failed) {
        const last = result.stderrFile ? await Private.fileTail(result.stderrFile) : result.stderr;
        const tail = last.trimEnd().split('\n').slice(-20).join('\n');
        // The command line as the container ran it (arguments expanded), to look into the failure or run it by hand.
        const command = [...(o.entrypoint ?? []), ...(o.args ?? [])];
        throw new ContainerExitError(
          `Container of image "${o.image}" exited with status ${status.StatusCode}, expected 0${tail ? `; its stderr ends:\n${tail}` : ''}` +
            (command.length ? `\ncommand: ${shellQuote(command)}` : ''),
          {
            image: o.image,
            exitCode: status.StatusCode,
            containerId: container.id,
            stderr: tail,
            command,
            commandLine: shellQuote(command),
            imageDigest: ran?.Image,
            env: redactEnv(ran?.Config?.Env ?? []),
            host: hostname(),
          },
        );
      }
      return result;
    }

    private checkCancel(): void {
      if (this.cancelReason !== undefined) throw this.canceled(this.cancelReason);
    }

    private call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
      return fn().catch((err: unknown) => {
        throw engineError(this.docker, `${operation} (image "${this.o.image}")`, err);
      });
    }

    private create(): Promise<Docker.Container> {
      const o = this.o;
      const raw = o.create ?? {};
      const host: Docker.HostConfig = { ...(raw.HostConfig ?? {}) };
      host.NetworkMode = o.network ?? host.NetworkMode ?? 'none';
      const own = (o.volumes ?? []).map((v) => v.bind);
      const binds = [...own, ...(host.Binds ?? [])];
      if (binds.length) host.Binds = binds;
      if (o.memory !== undefined) host.Memory = parseBytes(o.memory, 'dockerRun: memory');
      if (o.cpus !== undefined) host.NanoCpus = Math.round(o.cpus * 1e9);
      if (o.gpus !== undefined) host.DeviceRequests = gpuRequests(o.gpus);
      host.AutoRemove = false;
      const env = [...(raw.Env ?? []), ...Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`)];
      const create: Docker.ContainerCreateOptions = {
        ...raw,
        Image: o.image,
        Labels: {
          ...(raw.Labels ?? {}),
          ...(o.labels ?? {}),
          [CONTAINER_LABEL]: 'true',
          [JOB_LABEL]: o.job?.jobId ?? randomUUID(),
          [RUN_LABEL]: RUN_ID,
          [PID_LABEL]: String(process.pid),
          [HOST_LABEL]: hostname(),
        },
        Tty: false,
        OpenStdin: false,
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: host,
      };
      if (o.args !== undefined) create.Cmd = o.args;
      if (o.entrypoint !== undefined) create.Entrypoint = o.entrypoint;
      if (env.length) create.Env = env;
      if (host.NetworkMode === 'none') create.NetworkDisabled = true;
      try {
        (o.policy ?? defaultDockerPolicy()).apply(create, own, (this.docker.modem as { socketPath?: string }).socketPath);
      } catch (err) {
        return Promise.reject(err);
      }
      return this.call('create', () => this.docker.createContainer(create));
    }

    private demux(stream: NodeJS.ReadableStream): Promise<void> {
      const o = this.o;
      const capture = o.capture !== false;
      const logs = o.job ? { stdout: new LineLog(o.job, 'stdout'), stderr: new LineLog(o.job, 'stderr') } : undefined;
      const demux = new Demultiplexer((which, payload) => {
        if (which === 'stdin') return;
        if (capture) (which === 'stdout' ? this.stdout : this.stderr).write(payload);
        logs?.[which].write(payload);
        o.onOutput?.(which, payload);
      });
      return new Promise<void>((resolve) => {
        stream.on('data', (chunk: Buffer) => demux.write(chunk));
        const end = () => {
          logs?.stdout.flush();
          logs?.stderr.flush();
          resolve();
        };
        stream.once('end', end);
        stream.once('close', end);
        stream.once('error', end);
      });
    }

    private async keepArtifacts(failed: boolean): Promise<IArtifactRef[]> {
      const o = this.o;
      const wanted = (o.artifacts ?? []).filter((a) => !failed || a.onFailure);
      if (!wanted.length || !this.container) return [];
      if (!o.artifactDir) throw new DockerError('dockerRun: `artifacts` need an `artifactDir` to keep them in', { image: o.image });
      const refs: IArtifactRef[] = [];
      await mkdir(o.artifactDir, { recursive: true });
      for (const a of wanted) {
        const path = a.path.startsWith('/') ? a.path : posix.join(o.dataVolume ?? DATA_VOLUME, a.path);
        let archive: NodeJS.ReadableStream;
        try {
          archive = await this.container.getArchive({ path });
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404) {
            o.job?.writeLog('stderr', `taskcell: artifact ${path} was not found in the container`);
            continue;
          }
          throw engineError(this.docker, `copy of artifact ${path}`, err);
        }
        const base = posix.basename(path);
        const name = a.name ?? base;
        // The name comes from the spec: it stays in the artifacts folder.
        const dest = contain(o.artifactDir, name, { what: 'artifact name', context: { image: o.image } });
        await mkdir(dest, { recursive: true });
        // What the container made: its links are checked against the artifact's folder before they are written.
        const members = new ExtractionTree(dest, { what: `member of artifact ${path}`, context: { image: o.image } });
        let refused: unknown;
        const filter = (member: string, entry: tar.ReadEntry | Stats): boolean => {
          if (refused !== undefined || !('type' in entry)) return refused === undefined;
          try {
            members.add({
              name: member,
              symlink: entry.type === 'SymbolicLink' ? (entry.linkpath ?? '') : undefined,
              hardlink: entry.type === 'Link' ? (entry.linkpath ?? '') : undefined,
            });
            return true;
          } catch (err) {
            refused = err;
            return false;
          }
        };
        await pipeline(archive as Readable, tar.x({ cwd: dest, filter }));
        if (refused !== undefined) throw refused;
        // The archive holds the file or directory under its base name.
        const ref: IArtifactRef = { name, path: join(dest, base) };
        refs.push(ref);
        o.job?.artifact(ref.path, name);
      }
      return refs;
    }

    /** Stop the container (SIGTERM, SIGKILL after `stopTimeout`) and remove it; once. */
    stopAndRemove(): Promise<void> {
      const container = this.container;
      if (!container) return Promise.resolve();
      return (this.removed ??= (async () => {
        const grace = this.o.stopTimeout ?? 500;
        try {
          await container.kill({ signal: 'SIGTERM' });
          await Promise.race([container.wait(), new Promise((r) => setTimeout(r, grace))]);
        } catch {
          // Not running any more: nothing to stop.
        }
        try {
          await container.remove({ force: true, v: true });
        } catch (err) {
          const status = (err as { statusCode?: number }).statusCode;
          // 404: already gone; 409: removal already in progress.
          if (status !== 404 && status !== 409) throw engineError(this.docker, `removal of container ${container.id}`, err);
        }
      })());
    }
  }
}
