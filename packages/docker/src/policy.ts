import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import type Docker from 'dockerode';
import { DEFAULT_DOCKER_SOCKET, dockerEndpoint } from './client';
import { DockerPolicyError } from './errors';
import { parseBytes } from './task-spec';

/**
 * What containers may do to the host, consulted before every container create (`dockerRun`, so the
 * docker mode wherever it runs: `taskcell run`, the kernel, threads, remote workers). By default a
 * container gets nothing that would let it out: host bind mounts from a spec (`docker_run_args`
 * `volumes`, `HostConfig.Binds`/`Mounts`) must lie in a declared data root; the engine's socket is
 * never mounted; `privileged`, `cap_add`, devices, host network/pid/ipc/uts/userns namespaces,
 * `volumes_from` and unconfined security profiles are refused; and every container runs with
 * `no-new-privileges`, a pids limit and a memory limit unless its task sets its own. The mounts the
 * docker mode makes itself (the job's data directory, the files bound to its inputs) are the
 * caller's and pass, but never the engine's socket. `allowHostAccess` turns the refusals off for
 * trusted specs (`taskcell run --allow-host-access`, `taskcell worker --allow-host-access`, a policy
 * file, or `createDockerMode({policy})`).
 */
export class DockerPolicy {
  /** Processes a container may run at once, unless its task says otherwise. */
  static readonly DEFAULT_PIDS_LIMIT = 1024;
  /** Memory a container may use, unless its task says otherwise (4 GiB). */
  static readonly DEFAULT_MEMORY = 4 * 1024 ** 3;

  readonly allowHostAccess: boolean;
  readonly dataRoots: readonly string[];
  readonly pidsLimit: number;
  readonly memory: number;

  constructor(options: DockerPolicy.IOptions = {}) {
    this.allowHostAccess = options.allowHostAccess === true;
    this.dataRoots = (options.dataRoots ?? []).map((r) => {
      if (typeof r !== 'string' || !isAbsolute(r)) {
        throw new DockerPolicyError(`Expected every Docker policy data root to be an absolute path, got ${JSON.stringify(r)}`, {
          option: 'dataRoots',
        });
      }
      return Private.real(r);
    });
    const pids = options.pidsLimit ?? DockerPolicy.DEFAULT_PIDS_LIMIT;
    if (!Number.isInteger(pids) || pids < 1) {
      throw new DockerPolicyError(`Expected the Docker policy's pidsLimit to be an integer >= 1, got ${JSON.stringify(pids)}`, {
        option: 'pidsLimit',
      });
    }
    this.pidsLimit = pids;
    this.memory = options.memory === undefined ? DockerPolicy.DEFAULT_MEMORY : parseBytes(options.memory, 'Docker policy: memory');
  }

  /**
   * A policy from a JSON file: `{"allowHostAccess": bool, "dataRoots": [paths], "pidsLimit": n,
   * "memory": "4g"}`; relative data roots are relative to the file.
   */
  static fromFile(path: string): DockerPolicy {
    let json: DockerPolicy.IOptions;
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as DockerPolicy.IOptions;
    } catch (err) {
      throw new DockerPolicyError(`Cannot read the Docker policy file ${path}: ${(err as Error).message}`, { path }, { cause: err });
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new DockerPolicyError(`Expected the Docker policy file ${path} to hold a JSON object, got ${JSON.stringify(json)}`, { path });
    }
    const roots = Array.isArray(json.dataRoots)
      ? json.dataRoots.map((r) => (typeof r === 'string' ? resolve(dirname(path), r) : r))
      : json.dataRoots;
    return new DockerPolicy({ ...json, dataRoots: roots });
  }

  /**
   * Check a container's create options and complete them (security options, pids and memory
   * limits), in place. `trustedBinds` are the `Binds` entries the caller made itself (the data
   * directory, input files); every other host mount must lie in a data root. `engineSocket` is the
   * socket of the engine the container is created on, never to be mounted. Throws a
   * DockerPolicyError naming the option, before anything is created.
   */
  apply(create: Docker.ContainerCreateOptions, trustedBinds: readonly string[] = [], engineSocket?: string): void {
    const image = create.Image ?? '';
    const host = (create.HostConfig ??= {});
    const refuse = (option: string, what: string): never => {
      throw new DockerPolicyError(
        `The container of image "${image}" asks for ${what}, which the Docker policy refuses by default (it gives the container the host); ` +
          'run trusted specs with --allow-host-access, a policy file, or DockerPolicy({allowHostAccess: true})',
        { image, option },
      );
    };
    const sockets = Private.engineSockets(engineSocket);
    const trusted = new Set(trustedBinds);
    for (const bind of host.Binds ?? []) {
      const source = Private.bindSource(bind);
      if (source === undefined) continue; // a named volume, not a host path
      const real = Private.real(source);
      if (this.allowHostAccess) continue;
      if (!trusted.has(bind) && !this.dataRoots.some((r) => Private.inside(r, real))) {
        refuse(
          'Binds',
          `a host bind mount ${JSON.stringify(bind)} outside the data roots (${this.dataRoots.length ? this.dataRoots.join(', ') : 'none declared'})`,
        );
      }
      // The engine's socket is the engine: whoever holds it is root on the host. Not even in a data root.
      if (sockets.some((s) => Private.inside(real, s)) || Private.isSocket(real)) {
        refuse('Binds', `a mount of the Docker engine's socket or another socket (${JSON.stringify(bind)})`);
      }
    }
    for (const m of host.Mounts ?? []) {
      if (m.Type !== 'bind' || this.allowHostAccess) continue;
      const real = Private.real(String(m.Source));
      if (sockets.some((s) => Private.inside(real, s)) || Private.isSocket(real) || !this.dataRoots.some((r) => Private.inside(r, real))) {
        refuse('Mounts', `a host bind mount of ${JSON.stringify(m.Source)} outside the data roots`);
      }
    }
    if (!this.allowHostAccess) {
      if (host.Privileged) refuse('Privileged', 'privileged mode');
      if (host.CapAdd?.length) refuse('CapAdd', `added capabilities (cap_add ${JSON.stringify(host.CapAdd)})`);
      if (host.Devices?.length)
        refuse('Devices', `host devices (${host.Devices.map((d: { PathOnHost?: string }) => d.PathOnHost).join(', ')})`);
      if (host.DeviceCgroupRules?.length) refuse('DeviceCgroupRules', 'device cgroup rules');
      if (host.VolumesFrom?.length) refuse('VolumesFrom', `the volumes of other containers (${host.VolumesFrom.join(', ')})`);
      for (const [option, value] of [
        ['NetworkMode', host.NetworkMode],
        ['PidMode', host.PidMode],
        ['IpcMode', host.IpcMode],
        ['UTSMode', host.UTSMode],
        ['UsernsMode', host.UsernsMode],
      ] as const) {
        if (value === 'host' || (typeof value === 'string' && value.startsWith('container:'))) refuse(option, `${option} "${value}"`);
      }
      for (const opt of host.SecurityOpt ?? []) {
        if (/unconfined|no-new-privileges(:|=)false|label(:|=)disable/i.test(opt)) refuse('SecurityOpt', `the security option "${opt}"`);
      }
      if (!(host.SecurityOpt ?? []).some((o: string) => /^no-new-privileges/.test(o)))
        host.SecurityOpt = [...(host.SecurityOpt ?? []), 'no-new-privileges:true'];
    }
    host.PidsLimit ??= this.pidsLimit;
    host.Memory ??= this.memory;
  }
}

/** DockerPolicy's options. */
export namespace DockerPolicy {
  export interface IOptions {
    /** Trusted specs: host mounts, the socket, capabilities, host namespaces and devices pass. */
    allowHostAccess?: boolean;
    /** Host directories a spec may bind-mount (absolute paths). */
    dataRoots?: string[];
    /** Processes a container may run at once (default 1024). */
    pidsLimit?: number;
    /** Memory a container may use: bytes or a size such as `4g` (default 4 GiB). */
    memory?: number | string;
  }
}

/** The environment variable that turns the default policy's refusals off (`1`), for this process and the threads and processes it starts. */
export const ALLOW_HOST_ACCESS_ENV = 'TASKCELL_ALLOW_HOST_ACCESS';

/**
 * The policy `dockerRun` applies when it is given none: the one set with `setDefaultDockerPolicy`,
 * else the file named by `TASKCELL_DOCKER_POLICY`, else the defaults (with `allowHostAccess` when
 * `TASKCELL_ALLOW_HOST_ACCESS=1`, which `--allow-host-access` sets so a job's threads see it too).
 */
export function defaultDockerPolicy(): DockerPolicy {
  if (Private.current) return Private.current;
  const file = process.env.TASKCELL_DOCKER_POLICY;
  if (file) return (Private.current = DockerPolicy.fromFile(file));
  return new DockerPolicy({ allowHostAccess: process.env[ALLOW_HOST_ACCESS_ENV] === '1' });
}

/** Set the policy every `dockerRun` without its own applies (`undefined` goes back to the default). */
export function setDefaultDockerPolicy(policy: DockerPolicy | undefined): void {
  Private.current = policy;
}

/** `--allow-host-access`: trusted specs for this process and the threads and worker processes it starts. */
export function allowHostAccess(): void {
  process.env[ALLOW_HOST_ACCESS_ENV] = '1';
  setDefaultDockerPolicy(new DockerPolicy({ allowHostAccess: true }));
}

namespace Private {
  export let current: DockerPolicy | undefined;

  export function inside(root: string, path: string): boolean {
    return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
  }

  /** The real path, or the path as given when it does not exist. */
  export function real(path: string): string {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  }

  export function isSocket(path: string): boolean {
    return statSync(path, { throwIfNoEntry: false })?.isSocket() === true;
  }

  /** The host path of a `Binds` entry (`/host:/container[:mode]`), or undefined for a named volume. */
  export function bindSource(bind: string): string | undefined {
    const source = bind.split(':')[0];
    return source.startsWith('/') ? source : undefined;
  }

  /** Where the engine's socket may be seen from this host: the client's, `DOCKER_HOST`'s, the default ones. */
  export function engineSockets(client?: string): string[] {
    const paths = [DEFAULT_DOCKER_SOCKET, '/run/docker.sock', ...(client ? [client] : [])];
    try {
      const endpoint = dockerEndpoint();
      if (endpoint.socketPath) paths.push(endpoint.socketPath);
    } catch {
      // A DOCKER_HOST that does not parse names no socket here.
    }
    return [...new Set(paths.map(real))];
  }
}
