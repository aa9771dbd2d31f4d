// Redis for the remote pool's tests: Debian's redis-server. The tests start their own servers on
// free loopback ports and stop them by pid, so the packaged service is not needed running.
import { ensurePackages } from './_apt.mjs';

/** What this step installs. */
export const title = "Redis (Debian redis-server), the remote pool's broker";

export async function install({ sh }) {
  return ensurePackages(sh, ['redis-server']);
}
