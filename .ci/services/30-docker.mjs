// The Docker engine and busybox for the docker mode's tests: Debian's docker.io (dockerd) and
// busybox-static (test images are built FROM scratch with it; no registry can be reached).
// The tests start their own dockerd on a private socket and stop it by pid; nothing runs here.
import { ensurePackages } from './_apt.mjs';

export async function install({ sh }) {
  ensurePackages(sh, ['docker.io', 'busybox-static']);
}
