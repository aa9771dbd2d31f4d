import Docker from 'dockerode';
import { DockerError, DockerUnavailableError } from './errors';

/** Where the Docker engine listens: a unix socket path, or a host and port. */
export interface IDockerEndpoint {
  /** What the endpoint was read from, for messages: `DOCKER_HOST=...` or `the default socket`. */
  source: string;
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

/** The default socket of a rootful Docker engine. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * The endpoint from `DOCKER_HOST` (`unix:///path`, `tcp://host:port`, `http(s)://host:port`) or the
 * default socket when it is unset.
 */
export function dockerEndpoint(env: Record<string, string | undefined> = process.env): IDockerEndpoint {
  const raw = env.DOCKER_HOST;
  if (!raw) return { source: `the default socket ${DEFAULT_DOCKER_SOCKET}`, socketPath: DEFAULT_DOCKER_SOCKET };
  const source = `DOCKER_HOST=${raw}`;
  if (raw.startsWith('unix://')) return { source, socketPath: raw.slice('unix://'.length) };
  if (raw.startsWith('/')) return { source, socketPath: raw };
  const m = /^(tcp|http|https):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(raw);
  if (!m) {
    throw new DockerUnavailableError(`Expected DOCKER_HOST to be unix:///path/to/docker.sock or tcp://host:port, got "${raw}"`, {
      endpoint: raw,
    });
  }
  const protocol = m[1] === 'https' ? 'https' : 'http';
  return { source, host: m[2], port: m[3] ? Number(m[3]) : protocol === 'https' ? 2376 : 2375, protocol };
}

/** A dockerode client for an endpoint (by default the one `dockerEndpoint()` reads from the environment). */
export function dockerClient(endpoint: IDockerEndpoint = dockerEndpoint()): Docker {
  const client = endpoint.socketPath
    ? new Docker({ socketPath: endpoint.socketPath })
    : new Docker({ host: endpoint.host, port: endpoint.port, protocol: endpoint.protocol });
  Private.sources.set(client, endpoint.source);
  return client;
}

/** Where a client points, for messages. */
export function describeClient(docker: Docker): string {
  return Private.sources.get(docker) ?? 'the configured Docker endpoint';
}

/**
 * Check that the engine answers, within `timeout` ms (default 5000). An absent socket or a refused
 * connection fails at once with a DockerUnavailableError naming the endpoint; a silent one fails at
 * the timeout instead of hanging.
 */
export async function checkEngine(docker: Docker, timeout = 5000): Promise<void> {
  const where = describeClient(docker);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout);
      }),
    ]);
  } catch (err) {
    throw new DockerUnavailableError(
      `Expected a Docker engine at ${where}, but it did not answer (${(err as Error).message}). Start dockerd or set DOCKER_HOST.`,
      { endpoint: where },
      { cause: err },
    );
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * Turn an error of a dockerode call into a typed one: a connection failure becomes a
 * DockerUnavailableError, an engine answer a DockerError carrying its status code.
 */
export function engineError(docker: Docker, operation: string, err: unknown): DockerError | DockerUnavailableError {
  if (err instanceof DockerError || err instanceof DockerUnavailableError) return err;
  const e = err as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
  if (e?.code && Private.CONNECTION_CODES.has(e.code)) {
    return new DockerUnavailableError(
      `Expected a Docker engine at ${describeClient(docker)} for ${operation}, but the connection failed (${e.message ?? e.code}). Start dockerd or set DOCKER_HOST.`,
      { endpoint: describeClient(docker), operation },
      { cause: err },
    );
  }
  const detail = e?.json?.message ?? e?.message ?? String(err);
  return new DockerError(
    `Docker ${operation} failed${e?.statusCode ? ` (HTTP ${e.statusCode})` : ''}: ${detail}`,
    { operation, status: e?.statusCode },
    { cause: err },
  );
}

namespace Private {
  export const sources = new WeakMap<Docker, string>();
  export const CONNECTION_CODES = new Set([
    'ENOENT',
    'ECONNREFUSED',
    'EACCES',
    'ECONNRESET',
    'EHOSTUNREACH',
    'ETIMEDOUT',
    'ENOTFOUND',
    'EPIPE',
  ]);
}
