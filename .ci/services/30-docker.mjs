// The Docker engine and busybox for the docker mode's tests: Debian's docker.io (dockerd) and
// busybox-static (test images are built FROM scratch with it; no registry can be reached).
// The tests start their own dockerd on a private socket and stop it by pid; nothing runs here.
import { ensurePackages } from './_apt.mjs';

/** What this step installs. */
export const title = 'The Docker engine (Debian docker.io, busybox-static), for docker tasks';

export async function install({ sh }) {
  return ensurePackages(sh, ['docker.io', 'busybox-static']);
}
