import type { Runner } from '@taskcell/core';
import { ThreadPool } from './thread-pool';
import { RemotePool } from './remote-pool';

/**
 * Register the built-in pools on a runner: `on: "threads"` (a ThreadPool sized to the cores) and
 * `on: "redis://host:port"` or `"rediss://host:port"` for TLS (a RemotePool). Returns a disposable that unregisters them.
 */
export function registerPools(runner: Runner): { dispose(): void } {
  const a = runner.registerPool('threads', () => new ThreadPool({ cacheDir: runner.cacheDir }));
  const b = runner.registerPool('redis', (on) => new RemotePool({ url: on }));
  const c = runner.registerPool('rediss', (on) => new RemotePool({ url: on }));
  return {
    dispose: () => {
      a.dispose();
      b.dispose();
      c.dispose();
    },
  };
}
