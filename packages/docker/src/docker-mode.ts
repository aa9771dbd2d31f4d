import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { lstat, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type Docker from 'dockerode';
import { Readable } from 'node:stream';
import { MissingOutputError, contain, containTree, isLiveStream } from '@taskcell/core';
import type { IBinding, IMode, IPortSpec, ITaskSpec, Job, Runner } from '@taskcell/core';
import { dockerClient } from './client';
import { dockerRun } from './docker-run';
import type { IDockerRunResult } from './docker-run';
import { capturedText } from './capture';
import { DATA_VOLUME, expandArgs, toContainerPath } from './expand';
import { collectGarbage } from './gc';
import type { IGcPolicy } from './gc';
import { NamedInputPipe, NamedOutputPipe, ProgressPipe, connect, sinkWritable } from './pipes';
import type { IPipeConnection } from './pipes';
import { hostPathInData, parseDockerTask, validateDockerOutputs } from './task-spec';
import type { IDockerTaskSpec } from './task-spec';
import type { DockerPolicy } from './policy';
import { BindMountVolume } from './volumes';

/**
 * The `docker` mode: Girder Worker's docker task. The job's temp directory is mounted at
 * `/mnt/girder_worker/data`; `container_args` are expanded (`$input{}`, `$flag{}`, `$output{}`);
 * `filepath` inputs outside the temp directory are mounted read-only at their own path; `stream`
 * inputs and outputs become named pipes (fed from, or feeding, another step while it runs when the
 * workflow streams them: the bytes pass through this process, container to container, at the pace
 * of the slower end); `progress_pipe: true` turns JSON lines in
 * `/mnt/girder_worker/data/.girder_progress` into progress events; the outputs are `_stdout`,
 * `_stderr` and files. What the container prints goes to the job log line by line as it prints it.
 * `artifacts` (paths in the container, relative ones in the data directory) are copied out after the
 * run, into `artifacts/<job id>` beside the runner's cache directory, before the container is removed.
 * A cancel or timeout stops the container (SIGTERM, SIGKILL after `stopTimeout`) and removes it.
 * Every container passes the Docker policy first (`DockerPolicy`), and a file output the container
 * made into a symbolic link, or a directory output holding a link out of the data directory, is
 * refused with a ContainmentError instead of handing on what the link points at.
 *
 * Results are cached only when the image is pinned by a digest (`name@sha256:...`) or named by its
 * id (`sha256:...`, what a local build gives): a tag may point at other code tomorrow.
 */
export function createDockerMode(options: DockerMode.IOptions = {}): IMode {
  let docker = options.docker;
  let lastGc = 0;
  const client = () => (docker ??= dockerClient());
  return {
    name: 'docker',

    check(task) {
      Private.spec(task);
      validateDockerOutputs(task);
    },

    place(task) {
      return { kind: 'container', name: Private.spec(task).image };
    },

    async execute(task, inputs, { job, runner, outputs, options: runOptions }) {
      const spec = Private.spec(task);
      const tempdir = job.tempdir;
      const connections: IPipeConnection[] = [];
      const volumes = [new BindMountVolume(tempdir, DATA_VOLUME, 'rw')];
      const data = { containerPath: DATA_VOLUME, hostPath: tempdir };
      const values: Record<string, unknown> = {};
      for (const port of task.inputs) {
        const v = inputs[port.id];
        values[port.id] = v;
        if (isLiveStream(port, v)) {
          // Another step's stream: its items (bytes or text) go into the pipe as they come.
          const pipe = new NamedInputPipe(Private.pipeName(port), data);
          hostPathInData(pipe.containerPath, tempdir, `Input "${port.id}"`);
          connections.push(connect(Readable.from(v, { objectMode: false }), pipe));
          values[port.id] = pipe.hostPath;
          continue;
        }
        if (port.target !== 'filepath' || typeof v !== 'string') continue;
        if (port.source.stream === true) {
          // The container reads the input through a pipe named after the port's path, filename or id.
          const pipe = new NamedInputPipe(Private.pipeName(port), data);
          hostPathInData(pipe.containerPath, tempdir, `Input "${port.id}"`);
          // A file the runner put in the data directory moves aside for the pipe; a local file elsewhere is read where it is.
          let source = v;
          if (toContainerPath(v, tempdir) !== undefined) {
            source = join(tempdir, `.${port.id}.taskcell-stream`);
            await rename(v, source);
          }
          connections.push(connect(createReadStream(source), pipe));
          values[port.id] = pipe.hostPath;
        } else if (toContainerPath(v, tempdir) === undefined) {
          volumes.push(new BindMountVolume(v, v, 'ro'));
        }
      }
      const outBindings = outputs as Record<string, IBinding>;
      const ctx = { values, ports: task.inputs.map((p) => Private.expandPort(p)), outputs: outBindings, tempdir };
      const args = expandArgs(spec.args, ctx);
      const files = new Map<string, string>();
      for (const port of task.outputs) {
        if (port.id === '_stdout' || port.id === '_stderr') continue;
        const raw = String(port.source.path ?? port.id);
        const path = expandArgs([raw], ctx)[0] ?? raw;
        const host = hostPathInData(path, tempdir, `Output "${port.id}"`);
        const sink = port.source.stream === true ? runOptions.streams?.[port.id] : undefined;
        if (sink) {
          // Read by another step while this one runs: what the container writes goes there, nowhere else.
          connections.push(connect(new NamedOutputPipe(host.slice(tempdir.length + 1), data), sinkWritable(sink)));
        } else if (port.source.stream === true) {
          const pipe = new NamedOutputPipe(host.slice(tempdir.length + 1), data);
          const captured = join(dirname(host), `.${port.id}.taskcell-stream`);
          connections.push(connect(pipe, createWriteStream(captured)));
          files.set(port.id, captured);
        } else files.set(port.id, host);
      }
      const docker = client();
      const result = await dockerRun({
        docker,
        image: spec.image,
        pull: spec.pull,
        args,
        entrypoint: spec.entrypoint,
        volumes,
        connections,
        progressPipe: spec.progressPipe ? new ProgressPipe(data) : undefined,
        create: spec.create,
        remove: spec.remove ?? options.gc === undefined,
        artifacts: spec.artifacts,
        artifactDir: join(runner.cacheDir, '..', 'artifacts', job.jobId),
        job,
        capture: task.outputs.some((p) => p.id === '_stdout' || p.id === '_stderr'),
        spillDir: tmpdir(),
        inMemory: options.inMemory,
        stopTimeout: options.stopTimeout,
        policy: options.policy,
      }).finally(async () => {
        if (options.gc && Date.now() - lastGc > (options.gc.interval ?? 600) * 1000) {
          lastGc = Date.now();
          collectGarbage(docker, options.gc).catch((err: unknown) => job.writeLog('stderr', `taskcell: docker gc failed: ${String(err)}`));
        }
        await Private.handBackData(docker, spec.image, tempdir, job, options.policy);
      });
      const out: Record<string, unknown> = {};
      try {
        for (const port of task.outputs) {
          if (port.id === '_stdout' || port.id === '_stderr') out[port.id] = await Private.captured(port, result, tempdir, task);
          else if (!files.has(port.id)) continue;
          else {
            const file = files.get(port.id)!;
            // What the container left: a link out of the data directory (`out -> /etc/shadow`) would hand
            // the host's file on as the output. The path is resolved through links, and must not be one.
            const what = { what: `output "${port.id}" of the container`, context: { task: task.name, port: port.id } };
            contain(tempdir, relative(tempdir, file), what);
            if (!existsSync(file)) {
              throw new MissingOutputError(`Output filepath ${file} does not exist.`, { task: task.name, port: port.id, path: file });
            }
            containTree(tempdir, file, what);
            out[port.id] = file;
          }
        }
      } finally {
        for (const file of [result.stdoutFile, result.stderrFile]) if (file) await rm(dirname(file), { recursive: true, force: true });
      }
      return out;
    },

    cacheIdentity(task) {
      const spec = Private.spec(task);
      if (spec.pinned) return { code: `docker:${spec.image}` };
      return { skip: `docker image "${spec.image}" is not pinned by a digest (name@sha256:...), so a rerun may run other code` };
    },
  };
}

/** The docker mode with default options (the engine from `DOCKER_HOST` or the default socket, containers removed after each run). */
export const dockerMode: IMode = createDockerMode();

/** Register the `docker` mode on a runner (the `taskcell` package does this for every runner). */
export function registerDockerMode(runner: Runner): { dispose(): void } {
  return runner.modes.register(dockerMode);
}

/** The docker mode's options. */
export namespace DockerMode {
  export interface IOptions {
    /** The engine; a client for `DOCKER_HOST` or the default socket, made on first use, by default. */
    docker?: Docker;
    /** Keep containers after each run and collect them by age instead of removing them at once. */
    gc?: IGcPolicy;
    /** Milliseconds a cancelled container gets between SIGTERM and SIGKILL (default 500). */
    stopTimeout?: number;
    /** What containers may do to the host (`defaultDockerPolicy()` by default, read at each run). */
    policy?: DockerPolicy;
    /** Bytes of `_stdout` and `_stderr` kept in memory before the rest goes to a file in the job's folder (default 64 MiB). */
    inMemory?: number;
  }
}

namespace Private {
  /**
   * A `_stdout` or `_stderr` output. What went past the in-memory limit went to a file: a filepath
   * output is that file, moved into the job's folder (the container has ended, so it can), and a
   * text output is its text.
   */
  export async function captured(port: IPortSpec, result: IDockerRunResult, tempdir: string, task: ITaskSpec): Promise<string> {
    const file = port.id === '_stdout' ? result.stdoutFile : result.stderrFile;
    if (file === undefined) return port.id === '_stdout' ? result.stdout : result.stderr;
    if (port.target !== 'filepath') return capturedText(file, port.id, { task: task.name });
    const kept = join(tempdir, `.${port.id}.taskcell-capture`);
    await rename(file, kept);
    return kept;
  }

  const specs = new WeakMap<ITaskSpec, IDockerTaskSpec>();

  /**
   * A container that ran as root can leave directories in the data directory that this process
   * (not root) may not empty, so the job's temp directory could not be removed. When one is there,
   * run `chmod -R a+rwX` over the data directory in a container of the same image, as Girder Worker
   * does with busybox. A failure is logged; the job's results stand.
   */
  export async function handBackData(docker: Docker, image: string, tempdir: string, job: Job, policy?: DockerPolicy): Promise<void> {
    const uid = process.getuid?.();
    if (uid === undefined || uid === 0 || !(await foreignDirectory(tempdir, uid))) return;
    try {
      await dockerRun({
        docker,
        image,
        pull: false,
        entrypoint: ['chmod'],
        args: ['-R', 'a+rwX', DATA_VOLUME],
        volumes: [new BindMountVolume(tempdir, DATA_VOLUME, 'rw')],
        capture: false,
        policy,
      });
    } catch (err) {
      job.writeLog('stderr', `taskcell: could not make what the container wrote in ${tempdir} removable: ${(err as Error).message}\n`);
    }
  }

  /** True when a directory under `dir` (at any depth) belongs to another user than `uid`. */
  async function foreignDirectory(dir: string, uid: number): Promise<boolean> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const path = join(dir, e.name);
      const st = await lstat(path).catch(() => undefined);
      if (st && (st.uid !== uid || (await foreignDirectory(path, uid)))) return true;
    }
    return false;
  }

  export function spec(task: ITaskSpec): IDockerTaskSpec {
    let s = specs.get(task);
    if (!s) {
      s = parseDockerTask(task);
      specs.set(task, s);
    }
    return s;
  }

  export function expandPort(p: IPortSpec): { id: string; target: string; arg?: string } {
    return p.source.arg === undefined ? { id: p.id, target: p.target } : { id: p.id, target: p.target, arg: String(p.source.arg) };
  }

  /** The pipe's name in the data directory: the port's `path`, else its `filename`, else its id. */
  export function pipeName(port: IPortSpec): string {
    if (typeof port.source.path === 'string') return port.source.path.replace(`${DATA_VOLUME}/`, '');
    return port.filename ?? port.id;
  }
}
