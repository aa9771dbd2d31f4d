import type { Runner } from '@taskcell/core';
import { ThreadPool } from './thread-pool';
import { RemotePool } from './remote-pool';
import { shareResults } from './result-store';

/**
 * Register the built-in pools on a runner: `on: "threads"` (a ThreadPool sized to the cores) and
 * `on: "redis://host:port"` or `"rediss://host:port"` for TLS (a RemotePool, whose Redis then holds the
 * runner's results too, see `shareResults`). Returns a disposable that unregisters them.
 */
export function registerPools(runner: Runner): { dispose(): void } {
  const a = runner.registerPool('threads', () => new ThreadPool({ cacheDir: runner.cacheDir }));
  // A runner that sends work to a remote pool shares its results through that pool's Redis.
  const remote = (on: string) => {
    shareResults(runner, on);
    return new RemotePool({ url: on });
  };
  const b = runner.registerPool('redis', remote);
  const c = runner.registerPool('rediss', remote);
  return {
    dispose: () => {
      a.dispose();
      b.dispose();
      c.dispose();
    },
  };
}
