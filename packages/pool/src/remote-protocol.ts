import { OptionError } from '@taskcell/core';
import type { ConnectionOptions } from 'bullmq';
import { decodeBytes, encodeBytes, isJsonSafe } from './codec';
import { openArtifactStore } from './artifact-store';
import type { IArtifactStore, IStoredRef } from './artifact-store';
import { PayloadError } from './errors';
import type { IWireOptions } from './wire-job';

/** The version of the remote job payload; a worker refuses others. */
export const REMOTE_PAYLOAD_VERSION = 1;

/**
 * A value as it travels: as it is, when JSON carries it unchanged (`isJsonSafe`: no bytes, dates,
 * maps, undefined or -0), so the job's JSON holds it without a second encoding; else as bytes,
 * inline (base64 of v8's serialization) or a reference into the shared artifact store.
 */
export type Blob = { json: unknown } | { b64: string } | { ref: IStoredRef };

/** A remote job's data in the queue. */
export interface IRemotePayload {
  v: typeof REMOTE_PAYLOAD_VERSION;
  /** The task's wire form, as JSON text; or, instead, */
  task?: string;
  /** the Redis key where the client left that text (`keys.task`), so a task used by many jobs travels once. */
  taskKey?: string;
  /** The input bindings. */
  inputs: Blob;
  options: IWireOptions;
  /** Send the job's events back (someone listens). */
  observe: boolean;
  /**
   * A pub/sub channel the client listens on (jobs whose events nobody follows): the worker publishes
   * the outcome there as soon as it has it. BullMQ's record of the job stays the fallback the
   * client's sweep reads when a message is lost.
   */
  reply?: string;
  /** The store for data above `inlineLimit`, if the client has one. */
  store?: IArtifactStore.IDescriptor;
  inlineLimit: number;
}

/**
 * Several jobs of one task, sent in one burst, as one queue job (a chunk): the worker runs them one
 * after the other in one slot and returns their outcomes together (`IChunkOutcome`). Each keeps its
 * own job id, events and cancel; a chunk whose worker dies runs again whole, as any queue job does.
 */
export interface IChunkPayload {
  v: typeof REMOTE_PAYLOAD_VERSION;
  chunk: IRemotePayload[];
}

/** What a worker returns for a chunk: each job's outcome Blob, by job id, in the chunk's order. */
export interface IChunkOutcome {
  chunk: Array<{ id: string; blob: Blob }>;
}

/** Whether queue data is a chunk of payloads (checked further, one by one, by `checkPayload`). */
export function isChunk(data: unknown): data is IChunkPayload {
  return data !== null && typeof data === 'object' && Array.isArray((data as { chunk?: unknown }).chunk);
}

/** What a worker returns for a job: the result or the task's error, as a Blob. */
export type RemoteOutcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/** Where a Redis URL points, with the queue and store named in its query. */
export interface IRedisTarget {
  host: string;
  port: number;
  db: number;
  password?: string;
  username?: string;
  /** `?queue=NAME`; `taskcell` by default. */
  queue: string;
  /** `?store=DIR`: a shared directory for big data. */
  store?: string;
  /** `?chunk=N`: at most N items of a burst of jobs travel as one queue job (default 64; 1 sends every job alone). */
  chunk?: number;
  /** `rediss://`: the connection is TLS, the server's certificate checked against the system's CAs (and `NODE_EXTRA_CA_CERTS`). */
  tls?: boolean;
}

/** Read `redis://[user:pass@]host:port[/db][?queue=NAME&store=DIR]`, or `rediss://...` for TLS. */
export function parseRedisUrl(url: string): IRedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OptionError(`Expected a Redis URL like redis://host:6379, got ${JSON.stringify(url)}`, { on: url });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new OptionError(`Expected a redis:// or rediss:// URL, got ${JSON.stringify(url)}`, { on: url });
  const t: IRedisTarget = {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    queue: u.searchParams.get('queue') ?? 'taskcell',
  };
  if (!Number.isInteger(t.db))
    throw new OptionError(`Expected a database number in ${JSON.stringify(url)}, got "${u.pathname.slice(1)}"`, { on: url });
  if (u.protocol === 'rediss:') t.tls = true;
  if (u.password) t.password = decodeURIComponent(u.password);
  if (u.username) t.username = decodeURIComponent(u.username);
  const store = u.searchParams.get('store');
  if (store) t.store = store;
  const chunk = u.searchParams.get('chunk');
  if (chunk !== null) {
    const n = Number(chunk);
    if (!Number.isInteger(n) || n < 1)
      throw new OptionError(`Expected \`chunk\` in the Redis URL to be an integer >= 1, got ${JSON.stringify(chunk)}`, { on: url });
    t.chunk = n;
  }
  return t;
}

/** BullMQ connection options for a target; retried forever, so clients and workers ride out a Redis restart. */
export function connectionOptions(t: IRedisTarget): ConnectionOptions {
  const c: ConnectionOptions = {
    host: t.host,
    port: t.port,
    db: t.db,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
  };
  if (t.password !== undefined) c.password = t.password;
  if (t.username !== undefined) c.username = t.username;
  if (t.tls) c.tls = { servername: t.host };
  return c;
}

/** Redis key names beside BullMQ's: the cancel channel and the live-worker registry. */
export const keys = {
  cancel: (queue: string) => `taskcell:${queue}:cancel`,
  worker: (queue: string, name: string) => `taskcell:${queue}:worker:${name}`,
  workers: (queue: string) => `taskcell:${queue}:worker:*`,
  task: (queue: string, hash: string) => `taskcell:${queue}:task:${hash}`,
  reply: (queue: string, client: string) => `taskcell:${queue}:reply:${client}`,
};

/**
 * What a worker publishes on a job's reply channel: the outcome (`blob`), the reason a job failed on
 * the queue (`failed`, as BullMQ records it), or, for an outcome too big to publish, that the job is
 * done and its result is in Redis (`done`). The messages for one channel that are ready in the same
 * turn of the worker's event loop go out together, as one JSON array of them.
 */
export interface IReplyMessage {
  id: string;
  blob?: Blob;
  failed?: string;
  done?: true;
}

/** Outcomes up to this many bytes of JSON go out on the reply channel whole; bigger ones as a `done` notice. */
export const REPLY_LIMIT = 64 * 1024;

/** Pack a value as a Blob: inline below `limit` bytes (or when there is no store), else in the store; JSON-safe values as they are. */
export async function packBlob(value: unknown, store: IArtifactStore | undefined, limit: number): Promise<Blob> {
  if (isJsonSafe(value) && (!store || JSON.stringify(value).length <= limit)) return { json: value };
  const bytes = encodeBytes(value);
  if (store && bytes.byteLength > limit) return { ref: await store.put(bytes) };
  return { b64: bytes.toString('base64') };
}

/** The value of a Blob, reading the store it names (`store`, when it is that one, else one opened from the reference). */
export async function unpackBlob(blob: Blob, what: string, store?: IArtifactStore): Promise<unknown> {
  try {
    if ('json' in blob) return blob.json;
    if ('b64' in blob && typeof blob.b64 === 'string') return decodeBytes(Buffer.from(blob.b64, 'base64'));
    if ('ref' in blob && blob.ref && typeof blob.ref === 'object') {
      const from = store && JSON.stringify(store.descriptor) === JSON.stringify(blob.ref.store) ? store : openArtifactStore(blob.ref.store);
      return decodeBytes(await from.get(blob.ref));
    }
  } catch (err) {
    throw new PayloadError(
      `Expected ${what} in v8 serialization, inline or in the artifact store; reading it failed: ${(err as Error).message}`,
      {
        what,
      },
    );
  }
  throw new PayloadError(`Expected ${what} as {json}, {b64} or {ref}, got ${JSON.stringify(blob)?.slice(0, 80)}`, { what });
}

/** Check that queue data is a taskcell payload; throws a PayloadError saying what is wrong. */
export function checkPayload(data: unknown): IRemotePayload {
  const p = data as Partial<IRemotePayload> | null;
  if (p === null || typeof p !== 'object')
    throw new PayloadError(`Expected a taskcell job payload object, got ${p === null ? 'null' : typeof p}`, {});
  if (p.v !== REMOTE_PAYLOAD_VERSION) {
    throw new PayloadError(`Expected a taskcell job payload of version ${REMOTE_PAYLOAD_VERSION}, got version ${JSON.stringify(p.v)}`, {});
  }
  if (typeof p.task !== 'string' && typeof p.taskKey !== 'string') {
    throw new PayloadError(`Expected the payload's "task" (the task's JSON text) or "taskKey" to be a string, got ${typeof p.task}`, {});
  }
  if (!p.inputs || typeof p.inputs !== 'object')
    throw new PayloadError(`Expected the payload's "inputs" to be a blob, got ${typeof p.inputs}`, {});
  if (!p.options || typeof p.options.jobId !== 'string')
    throw new PayloadError('Expected the payload\'s "options.jobId" to be a string', {});
  return p as IRemotePayload;
}

/** The Redis commands taskcell uses beside BullMQ's (an ioredis client, as BullMQ's Redis backend holds it). */
export interface IRawRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ex: 'EX', seconds: number): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  disconnect(): void;
  duplicate(): IRawRedis;
  quit(): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** The raw Redis client of a BullMQ queue, worker or queue-events object (its Redis backend's escape hatch). */
export async function rawClient(owner: { getBackend(): unknown }): Promise<IRawRedis> {
  return (await (owner.getBackend() as { client: Promise<unknown> }).client) as IRawRedis;
}
