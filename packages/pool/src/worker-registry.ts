import { keys } from './remote-protocol';

/** One live worker, as its heartbeat describes it (what the Tasks panel shows). */
export interface IWorkerInfo {
  name: string;
  host: string;
  pid: number;
  queue: string;
  concurrency: number;
  /** Ids of the jobs it runs now. */
  running: string[];
  /** When it started and when it last beat, in milliseconds since the epoch. */
  started: number;
  beat: number;
}

/** The Redis commands the registry uses (an ioredis client has them). */
export interface IRegistryClient {
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[string, string[]]>;
  mget(keys: string[]): Promise<Array<string | null>>;
}

/** Record a worker's heartbeat; the entry expires unless renewed within `ttl` ms. */
export async function beat(client: IRegistryClient, info: IWorkerInfo, ttl: number): Promise<void> {
  await client.set(keys.worker(info.queue, info.name), JSON.stringify(info), 'PX', ttl);
}

/** Remove a worker from the registry (it stopped). */
export async function unregister(client: IRegistryClient, queue: string, name: string): Promise<void> {
  await client.del(keys.worker(queue, name));
}

/** The live workers of a queue: those whose heartbeat has not expired, by name. */
export async function readWorkers(client: IRegistryClient, queue: string): Promise<IWorkerInfo[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', keys.workers(queue), 'COUNT', 200);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (!found.length) return [];
  const values = await client.mget(found);
  const out: IWorkerInfo[] = [];
  for (const v of values) {
    if (v === null) continue;
    try {
      out.push(JSON.parse(v) as IWorkerInfo);
    } catch {
      // An entry that is not JSON was not written by a taskcell worker; it is not listed.
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
