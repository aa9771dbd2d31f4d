// A Docker engine and a busybox image for the docker benchmarks.
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { dockerClient, dockerEndpoint, checkEngine } = require('../packages/docker/lib/index.js');
const tar = require('tar');

/** The engine at DOCKER_HOST when it answers, else (as root) a private dockerd stopped by pid in `stop()`. */
export async function engine() {
  if (process.env.DOCKER_HOST) {
    const docker = dockerClient();
    await checkEngine(docker, 3000);
    return { docker, host: process.env.DOCKER_HOST, stop: () => undefined };
  }
  const dir = mkdtempSync('/tmp/tcb-');
  const socket = join(dir, 'd.sock');
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  const child = spawn(
    'dockerd',
    [
      '--storage-driver=vfs',
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
      `--data-root=${dir}/data`,
      `--exec-root=${dir}/exec`,
      `--pidfile=${dir}/pid`,
      '-H',
      `unix://${socket}`,
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const docker = dockerClient(dockerEndpoint({ DOCKER_HOST: `unix://${socket}` }));
  for (let i = 0; ; i++) {
    if (
      existsSync(socket) &&
      (await docker.ping().then(
        () => true,
        () => false,
      ))
    )
      break;
    if (i > 600) throw new Error('dockerd did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    docker,
    host: `unix://${socket}`,
    stop: async () => {
      const gone = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await gone;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Build `image` FROM scratch with the host's busybox-static (no registry can be reached). */
export async function build(docker, image) {
  const ctx = mkdtempSync(join(tmpdir(), 'tc-bench-build-'));
  copyFileSync('/bin/busybox', join(ctx, 'busybox'));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nADD busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n');
  const stream = await docker.buildImage(tar.c({ cwd: ctx }, ['.']), { t: image, networkmode: 'none', rm: true });
  await new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (err, out) =>
      err || out.find((o) => o.error) ? reject(err ?? new Error(out.find((o) => o.error).error)) : resolve(),
    ),
  );
  rmSync(ctx, { recursive: true, force: true });
}
