import type Docker from 'dockerode';
import { dockerClient, engineError } from './client';
import { hostname } from 'node:os';
import { CONTAINER_LABEL, HOST_LABEL, PID_LABEL, RUN_ID, RUN_LABEL } from './docker-run';

/**
 * Keep finished containers instead of removing them after each run, and collect them (and unused
 * images) once they are older than `maxAge`: Girder Worker's `docker.gc` with docker-gc's grace
 * period and exclusion list.
 */
export interface IGcPolicy {
  /** Seconds a finished container or an unused image is kept (docker-gc's `GRACE_PERIOD_SECONDS`). */
  maxAge: number;
  /** Images never removed, by reference (`name:tag`, `name` meaning `name:latest`, or an id). */
  excludeImages?: string[];
  /** Seconds between two collections started by the docker mode (600 by default, as Girder Worker). */
  interval?: number;
}

/** What a collection removed. */
export interface IGcReport {
  containers: string[];
  images: string[];
}

/**
 * Girder Worker's `[docker]` configuration as a gc policy: `docker.gc` true turns it on,
 * `docker.cache_timeout` is the age in seconds, `docker.exclude_images` a comma- or
 * newline-separated list. Off (undefined) unless `docker.gc` is true.
 */
export function gcPolicyFromConfig(config: Record<string, unknown>): IGcPolicy | undefined {
  const on = String(config['docker.gc'] ?? 'false').toLowerCase();
  if (on !== 'true' && on !== '1' && on !== 'yes') return undefined;
  const policy: IGcPolicy = { maxAge: Number(config['docker.cache_timeout'] ?? 3600) };
  const exclude = config['docker.exclude_images'];
  if (exclude !== undefined && exclude !== '')
    policy.excludeImages = String(exclude)
      .split(/[\s,]+/)
      .filter(Boolean);
  return policy;
}

/**
 * Remove the finished containers taskcell started (label `taskcell`) that ended more than
 * `maxAge` seconds ago, then the images no container uses that are older than `maxAge` and not
 * excluded.
 */
export async function collectGarbage(docker: Docker, policy: IGcPolicy, now = Date.now()): Promise<IGcReport> {
  const report: IGcReport = { containers: [], images: [] };
  const limit = now - policy.maxAge * 1000;
  let containers: Docker.ContainerInfo[];
  try {
    containers = await docker.listContainers({ all: true, filters: { label: [CONTAINER_LABEL] } });
  } catch (err) {
    throw engineError(docker, 'listing containers for gc', err);
  }
  for (const info of containers) {
    if (info.State === 'running' || info.State === 'restarting' || info.State === 'paused') continue;
    const c = docker.getContainer(info.Id);
    const inspected = await c.inspect().catch(() => undefined);
    const finished = Date.parse(inspected?.State.FinishedAt ?? '') || info.Created * 1000;
    if (finished > limit) continue;
    await c.remove({ force: true, v: true }).then(
      () => report.containers.push(info.Id),
      () => undefined,
    );
  }
  const excluded = new Set((policy.excludeImages ?? []).map(Private.normalizeRef));
  const used = new Set((await docker.listContainers({ all: true })).map((c) => c.ImageID));
  for (const img of await docker.listImages()) {
    if (used.has(img.Id) || img.Created * 1000 > limit) continue;
    const refs = [img.Id, img.Id.replace(/^sha256:/, ''), ...(img.RepoTags ?? []), ...(img.RepoDigests ?? [])].map(Private.normalizeRef);
    if (refs.some((r) => excluded.has(r))) continue;
    await docker
      .getImage(img.Id)
      .remove({ force: false })
      .then(
        () => report.images.push(img.Id),
        () => undefined,
      );
  }
  return report;
}

/**
 * Remove the containers of runs that died without removing them: those taskcell started on this
 * host (label `taskcell.host`) whose process (label `taskcell.pid`) is no longer alive, whatever
 * their state. `taskcell run` and `taskcell worker` call it at start, so a run killed with SIGKILL
 * leaves nothing behind once the next one starts. Resolves with the ids removed.
 */
export async function removeDeadRunContainers(docker: Docker, host = hostname()): Promise<string[]> {
  let containers: Docker.ContainerInfo[];
  try {
    containers = await docker.listContainers({ all: true, filters: { label: [CONTAINER_LABEL, `${HOST_LABEL}=${host}`] } });
  } catch (err) {
    throw engineError(docker, 'listing containers of dead runs', err);
  }
  const removed: string[] = [];
  for (const info of containers) {
    const pid = Number(info.Labels?.[PID_LABEL]);
    if (info.Labels?.[RUN_LABEL] === RUN_ID || !Number.isInteger(pid) || pid <= 0 || Private.alive(pid)) continue;
    await docker
      .getContainer(info.Id)
      .remove({ force: true, v: true })
      .then(
        () => removed.push(info.Id),
        () => undefined,
      );
  }
  return removed;
}

/**
 * `removeDeadRunContainers` on the engine of `DOCKER_HOST` (or the default socket), as a process
 * starts: an engine that is absent or does not answer within `timeout` ms is no error (there is
 * nothing to clean there). Resolves with the ids removed.
 */
export async function removeDeadRunContainersAtStart(timeout = 3000, docker?: Docker): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      removeDeadRunContainers(docker ?? dockerClient()),
      new Promise<string[]>((resolve) => {
        timer = setTimeout(() => resolve([]), timeout);
        timer.unref();
      }),
    ]);
  } catch {
    return [];
  } finally {
    if (timer) clearTimeout(timer);
  }
}

namespace Private {
  /** True when a process with this pid exists (one we may not signal counts). */
  export function alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  export function normalizeRef(ref: string): string {
    if (ref.includes('@') || ref.startsWith('sha256:') || /^[0-9a-f]{12,64}$/.test(ref)) return ref;
    const slash = ref.lastIndexOf('/');
    return ref.slice(slash + 1).includes(':') ? ref : `${ref}:latest`;
  }
}
