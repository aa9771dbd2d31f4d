import { join, normalize } from 'node:path';
import type { ITaskSpec } from '@taskcell/core';
import type Docker from 'dockerode';
import { TaskSpecValidationError } from './errors';
import { DATA_VOLUME } from './expand';

/** A file or directory to keep from a run, as the task or a `dockerRun` call asks for it. */
export interface IArtifactRequest {
  /** A container path, or a path relative to the data directory. */
  path: string;
  /** The name it is kept under (its base name by default). */
  name?: string;
  /** Keep it also when the container failed (exit status not 0). */
  onFailure?: boolean;
}

/** The docker-specific fields of a task, checked and normalized. */
export interface IDockerTaskSpec {
  image: string;
  /** Pull the image when it is absent (`pull_image`, default true). */
  pull: boolean;
  /** `container_args`, before expansion. */
  args: string[];
  entrypoint?: string[];
  /** `progress_pipe: true`: a progress pipe at `DATA_VOLUME/.girder_progress`. */
  progressPipe: boolean;
  /** Create options from `docker_run_args` and the task's `network`, `memory`, `cpus`, `gpus`. */
  create: Docker.ContainerCreateOptions;
  /** False when `docker_run_args` said `remove: false` or `auto_remove: false`. */
  remove?: boolean;
  artifacts: IArtifactRequest[];
  /** True when the image is pinned by a digest (`name@sha256:...`) or named by its content-addressed id (`sha256:...`). */
  pinned: boolean;
}

/**
 * Read and check the docker fields of a task: `docker_image` (required), `pull_image`,
 * `container_args`, `entrypoint` (a string becomes a one-element list), `docker_run_args`
 * (docker-py's `containers.run` keyword arguments; `detach` and `tty` cannot be changed),
 * `progress_pipe`, `artifacts`, and taskcell's `network`, `memory`, `cpus` and `gpus`.
 */
export function parseDockerTask(task: ITaskSpec): IDockerTaskSpec {
  const src = task.source;
  const where = task.name ? `Docker task "${task.name}"` : 'Docker task';
  if (typeof src.docker_image !== 'string' || src.docker_image === '') {
    throw new TaskSpecValidationError(`${where} needs a "docker_image" string, got ${JSON.stringify(src.docker_image)}`, {
      task: task.name,
      path: 'docker_image',
    });
  }
  const image = src.docker_image;
  const args = src.container_args ?? [];
  if (!Array.isArray(args)) {
    throw new TaskSpecValidationError(`${where}: "container_args" must be a list, got ${typeof args}`, {
      task: task.name,
      path: 'container_args',
    });
  }
  const spec: IDockerTaskSpec = {
    image,
    pull: src.pull_image === undefined ? true : Boolean(src.pull_image),
    args: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))),
    progressPipe: src.progress_pipe === true,
    create: {},
    artifacts: Private.parseArtifacts(src.artifacts, where),
    pinned: /(^|@)sha256:[0-9a-f]{64}$/.test(image),
  };
  if (src.entrypoint !== undefined && src.entrypoint !== null) {
    spec.entrypoint = Array.isArray(src.entrypoint) ? src.entrypoint.map(String) : [String(src.entrypoint)];
  }
  const runArgs = src.docker_run_args ?? {};
  if (runArgs === null || typeof runArgs !== 'object' || Array.isArray(runArgs)) {
    throw new TaskSpecValidationError(`${where}: "docker_run_args" must be an object, got ${JSON.stringify(runArgs)}`, {
      task: task.name,
      path: 'docker_run_args',
    });
  }
  const translated = translateRunArgs(runArgs as Record<string, unknown>, where);
  spec.create = translated.create;
  if (translated.remove !== undefined) spec.remove = translated.remove;
  const host = (spec.create.HostConfig ??= {});
  if (src.network !== undefined) host.NetworkMode = String(src.network);
  if (src.memory !== undefined) host.Memory = parseBytes(src.memory, `${where}: "memory"`);
  if (src.cpus !== undefined) host.NanoCpus = Math.round(Number(src.cpus) * 1e9);
  if (src.gpus !== undefined) host.DeviceRequests = gpuRequests(src.gpus);
  return spec;
}

/**
 * Girder Worker's output rule, checked before inputs are fetched: every output is `_stdout`,
 * `_stderr` or a `filepath` target whose `path` (or id) is relative to the data directory or lies
 * under `DATA_VOLUME/`.
 */
export function validateDockerOutputs(task: ITaskSpec): void {
  for (const port of task.outputs) {
    if (port.id === '_stdout' || port.id === '_stderr') continue;
    if (port.target !== 'filepath') {
      throw new TaskSpecValidationError('Docker outputs must be either "_stdout", "_stderr", or filepath-target outputs.', {
        task: task.name,
        port: port.id,
      });
    }
    const path = String(port.source.path ?? port.id);
    if (path.startsWith('/') && !path.startsWith(`${DATA_VOLUME}/`)) {
      throw new TaskSpecValidationError(
        `Docker filepath output paths must either start with "${DATA_VOLUME}/" or be specified relative to that directory.`,
        { task: task.name, port: port.id, path },
      );
    }
  }
}

/**
 * The host path of a container path under `DATA_VOLUME` or a path relative to it; a path that
 * leaves the data directory (`../x`) is refused.
 */
export function hostPathInData(path: string, tempdir: string, what: string): string {
  const rel = path.startsWith(`${DATA_VOLUME}/`) ? path.slice(DATA_VOLUME.length + 1) : path;
  const norm = normalize(rel);
  if (rel.startsWith('/') || norm === '..' || norm.startsWith('../')) {
    throw new TaskSpecValidationError(`${what}: expected a path under ${DATA_VOLUME}/ or relative to it, got "${path}"`, { path });
  }
  return join(tempdir, norm);
}

/** Bytes from a number or a docker-style size (`512m`, `2g`, `1024k`). */
export function parseBytes(v: unknown, what: string): number {
  if (typeof v === 'number' && v > 0) return Math.round(v);
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(v.trim()) : null;
  if (!m)
    throw new TaskSpecValidationError(`${what}: expected a byte count or a size such as "512m", got ${JSON.stringify(v)}`, { value: v });
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * unit);
}

/** Docker device requests for GPUs: a count, `"all"`, or a list of device ids. */
export function gpuRequests(gpus: unknown): Docker.DeviceRequest[] {
  if (gpus === 'all' || gpus === -1) return [{ Driver: '', Count: -1, Capabilities: [['gpu']] }];
  if (Array.isArray(gpus)) return [{ Driver: '', DeviceIDs: gpus.map(String), Capabilities: [['gpu']] }];
  const n = Number(gpus);
  if (!Number.isInteger(n) || n < 0) {
    throw new TaskSpecValidationError(`Expected "gpus" to be a count, "all" or a list of device ids, got ${JSON.stringify(gpus)}`, {
      value: gpus,
    });
  }
  return n === 0 ? [] : [{ Driver: '', Count: n, Capabilities: [['gpu']] }];
}

/**
 * docker-py's `containers.run` keyword arguments as Docker API create options. `detach` and `tty`
 * are dropped (the worker always runs detached without a TTY, as Girder Worker does); `remove` and
 * `auto_remove` set whether the container is removed after the run. Unknown keys are refused.
 */
export function translateRunArgs(
  runArgs: Record<string, unknown>,
  where = 'docker_run_args',
): { create: Docker.ContainerCreateOptions; remove?: boolean } {
  const create: Docker.ContainerCreateOptions = {};
  const host: Docker.HostConfig = {};
  let remove: boolean | undefined;
  for (const [k, v] of Object.entries(runArgs)) {
    switch (k) {
      case 'detach':
      case 'tty':
      case 'stdin_open':
        break;
      case 'remove':
      case 'auto_remove':
        remove = Boolean(v);
        break;
      case 'network_disabled':
        create.NetworkDisabled = Boolean(v);
        if (v) host.NetworkMode = 'none';
        break;
      case 'network':
      case 'network_mode':
        host.NetworkMode = String(v);
        break;
      case 'mem_limit':
        host.Memory = parseBytes(v, `${where}: mem_limit`);
        break;
      case 'memswap_limit':
        host.MemorySwap = parseBytes(v, `${where}: memswap_limit`);
        break;
      case 'shm_size':
        host.ShmSize = parseBytes(v, `${where}: shm_size`);
        break;
      case 'nano_cpus':
        host.NanoCpus = Number(v);
        break;
      case 'cpu_shares':
        host.CpuShares = Number(v);
        break;
      case 'cpuset_cpus':
        host.CpusetCpus = String(v);
        break;
      case 'environment':
        create.Env = Array.isArray(v)
          ? v.map(String)
          : Object.entries(v as Record<string, unknown>).map(([ek, ev]) => `${ek}=${String(ev)}`);
        break;
      case 'working_dir':
        create.WorkingDir = String(v);
        break;
      case 'user':
        create.User = String(v);
        break;
      case 'hostname':
        create.Hostname = String(v);
        break;
      case 'name':
        create.name = String(v);
        break;
      case 'labels':
        create.Labels = Array.isArray(v)
          ? Object.fromEntries(v.map((l) => [String(l), '']))
          : Object.fromEntries(Object.entries(v as object).map(([lk, lv]) => [lk, String(lv)]));
        break;
      case 'read_only':
        host.ReadonlyRootfs = Boolean(v);
        break;
      case 'cap_add':
        host.CapAdd = (v as unknown[]).map(String);
        break;
      case 'cap_drop':
        host.CapDrop = (v as unknown[]).map(String);
        break;
      case 'runtime':
        host.Runtime = String(v);
        break;
      case 'device_requests':
        host.DeviceRequests = (v as Array<Record<string, unknown>>).map((r) => ({
          Driver: String(r.driver ?? r.Driver ?? ''),
          Count: Number(r.count ?? r.Count ?? -1),
          DeviceIDs: (r.device_ids ?? r.DeviceIDs) as string[] | undefined,
          Capabilities: (r.capabilities ?? r.Capabilities ?? [['gpu']]) as string[][],
        }));
        break;
      case 'volumes':
        host.Binds = Object.entries(v as Record<string, { bind: string; mode?: string }>).map(
          ([h, b]) => `${h}:${b.bind}:${b.mode ?? 'rw'}`,
        );
        break;
      case 'entrypoint':
        create.Entrypoint = Array.isArray(v) ? v.map(String) : [String(v)];
        break;
      default:
        throw new TaskSpecValidationError(`${where}: docker_run_args "${k}" is not supported; supported: ${Private.SUPPORTED.join(', ')}`, {
          key: k,
        });
    }
  }
  if (Object.keys(host).length) create.HostConfig = host;
  return remove === undefined ? { create } : { create, remove };
}

namespace Private {
  export const SUPPORTED = [
    'detach',
    'tty',
    'stdin_open',
    'remove',
    'auto_remove',
    'network_disabled',
    'network',
    'network_mode',
    'mem_limit',
    'memswap_limit',
    'shm_size',
    'nano_cpus',
    'cpu_shares',
    'cpuset_cpus',
    'environment',
    'working_dir',
    'user',
    'hostname',
    'name',
    'labels',
    'read_only',
    'cap_add',
    'cap_drop',
    'runtime',
    'device_requests',
    'volumes',
    'entrypoint',
  ];

  export function parseArtifacts(v: unknown, where: string): IArtifactRequest[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v))
      throw new TaskSpecValidationError(`${where}: "artifacts" must be a list of paths or {path, name, onFailure}`, { path: 'artifacts' });
    return v.map((a, i) => {
      if (typeof a === 'string') return { path: a };
      if (a && typeof a === 'object' && typeof (a as IArtifactRequest).path === 'string') return a as IArtifactRequest;
      throw new TaskSpecValidationError(`${where}: artifacts[${i}] must be a path or {path, name, onFailure}, got ${JSON.stringify(a)}`, {
        path: `artifacts[${i}]`,
      });
    });
  }
}
