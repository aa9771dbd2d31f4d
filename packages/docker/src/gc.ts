import type Docker from 'dockerode';
import { engineError } from './client';
import { CONTAINER_LABEL } from './docker-run';

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

namespace Private {
  export function normalizeRef(ref: string): string {
    if (ref.includes('@') || ref.startsWith('sha256:') || /^[0-9a-f]{12,64}$/.test(ref)) return ref;
    const slash = ref.lastIndexOf('/');
    return ref.slice(slash + 1).includes(':') ? ref : `${ref}:latest`;
  }
}
