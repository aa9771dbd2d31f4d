/**
 * A private Docker engine for the black-box tests: `dockerd --storage-driver=vfs --bridge=none
 * --iptables=false` on its own socket, data root, exec root and pid file under a temp dir, started
 * once per test file and stopped by pid. With `TASKCELL_TEST_DOCKER_HOST` set, that engine is used
 * instead and nothing is started. Test images are built `FROM scratch` with Debian's busybox-static
 * (no registry can be reached).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, openSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import * as tar from 'tar';

/** A running engine and the client for it. */
export interface ITestEngine {
  docker: Docker;
  /** The `DOCKER_HOST` value that reaches it. */
  host: string;
  /** Stop the engine (when this file started it) and remove its files; idempotent. */
  close(): Promise<void>;
}

/** Where Debian's busybox-static puts the binary. */
export const BUSYBOX = '/bin/busybox';

/** Start (or reach) the engine; fails with the daemon's log when it does not come up within 60 s. */
export async function startEngine(): Promise<ITestEngine> {
  const given = process.env.TASKCELL_TEST_DOCKER_HOST;
  if (given) {
    const docker = new Docker({ socketPath: given.replace(/^unix:\/\//, '') });
    await docker.ping();
    return { docker, host: given, close: async () => undefined };
  }
  if (process.getuid?.() !== 0)
    throw new Error('The docker tests start their own dockerd, which needs root; run them as root or set TASKCELL_TEST_DOCKER_HOST');
  // Short: a unix socket path must stay under 108 bytes.
  const dir = mkdtempSync('/tmp/tcd-');
  const socket = join(dir, 'd.sock');
  const log = join(dir, 'dockerd.log');
  const logFd = openSync(log, 'a');
  const child: ChildProcess = spawn(
    'dockerd',
    [
      '--storage-driver=vfs',
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'dockerd.pid')}`,
      `-H`,
      `unix://${socket}`,
    ],
    // dockerd logs to stderr; a file keeps it for the failure message.
    { stdio: ['ignore', logFd, logFd], env: { ...process.env, DOCKER_HOST: '' } },
  );
  closeSync(logFd);
  const docker = new Docker({ socketPath: socket });
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`dockerd exited at start; log:\n${Private.tail(log)}`);
    if (existsSync(socket)) {
      try {
        await docker.ping();
        break;
      } catch {
        // Not answering yet.
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`dockerd did not answer within 60 s; log:\n${Private.tail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let closed: Promise<void> | undefined;
  return {
    docker,
    host: `unix://${socket}`,
    close: () =>
      (closed ??= (async () => {
        if (!exited) {
          const gone = new Promise((r) => child.once('exit', r));
          process.kill(child.pid!, 'SIGTERM');
          const timer = setTimeout(() => !exited && process.kill(child.pid!, 'SIGKILL'), 15_000);
          await gone;
          clearTimeout(timer);
        }
        // dockerd may leave mounts behind (its default network namespace); unmount them before removing the files.
        for (const mount of Private.mountsUnder(dir)) spawnSync('umount', ['-l', mount]);
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

/**
 * Build an image `FROM scratch` holding busybox (every applet linked in /bin) and `files` (path in
 * the image -> text, made executable), with extra Dockerfile lines (ENTRYPOINT, ENV...).
 */
export async function buildBusyboxImage(
  docker: Docker,
  tags: string[],
  files: Record<string, string> = {},
  extra: string[] = [],
): Promise<void> {
  const ctx = mkdtempSync(join(tmpdir(), 'taskcell-build-'));
  try {
    copyFileSync(BUSYBOX, join(ctx, 'busybox'));
    const lines = ['FROM scratch', 'ADD busybox /bin/busybox', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]'];
    Object.entries(files).forEach(([path, text], i) => {
      writeFileSync(join(ctx, `f${i}`), text);
      chmodSync(join(ctx, `f${i}`), 0o755);
      lines.push(`COPY f${i} ${path}`);
    });
    lines.push(...extra);
    writeFileSync(join(ctx, 'Dockerfile'), `${lines.join('\n')}\n`);
    const context = tar.c({ cwd: ctx }, ['.']) as unknown as Readable;
    const stream = await docker.buildImage(context, { t: tags[0], networkmode: 'none', rm: true, forcerm: true });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
        const failed = out?.find((o) => o.error);
        if (err || failed) reject(err ?? new Error(`docker build of ${tags[0]} failed: ${failed!.error}`));
        else resolve();
      }),
    );
    for (const t of tags.slice(1)) {
      const [repo, tag] = t.includes(':') ? t.split(':') : [t, 'latest'];
      await docker.getImage(tags[0]).tag({ repo, tag });
    }
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** The containers taskcell started (label `taskcell`) that still exist, in any state. */
export async function taskcellContainers(docker: Docker): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: ['taskcell'] } });
}

/** Record every container create on `docker` (the options as sent), in order, into the returned list. */
export function recordCreates(docker: Docker): Docker.ContainerCreateOptions[] {
  const creates: Docker.ContainerCreateOptions[] = [];
  const create = docker.createContainer.bind(docker);
  jest.spyOn(docker, 'createContainer').mockImplementation((o: Docker.ContainerCreateOptions) => {
    creates.push(o);
    return create(o);
  });
  return creates;
}

/** Start an http server on a free loopback port; resolves with its base URL (`http://127.0.0.1:PORT`). */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** End a docker test file: no container taskcell started is left, then the http server and the engine stop. */
export async function endDockerSuite(engine: ITestEngine | undefined, server: Server | undefined): Promise<void> {
  try {
    if (engine) expect(await taskcellContainers(engine.docker)).toEqual([]);
  } finally {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await engine?.close();
  }
}

/** The mocked image of Girder Worker's docker mode tests (`test/test:latest`): it shows how it was called. */
export const MOCK_IMAGE_SCRIPT = `#!/bin/sh
# Shows how it was called, prints the lines Girder Worker's mock prints, and does what TC_WRITE asks.
echo "entrypoint=$0"
i=0
for a in "$@"; do echo "argv[$i]=$a"; i=$((i+1)); done
echo "argc=$#"
while [ $# -gt 0 ]; do
  if [ "$1" = "-f" ]; then echo "file=$(cat "$2")"; fi
  shift
done
if [ -n "$TC_WRITE" ]; then printf '%s' "\${TC_WRITE#*=}" > "/mnt/girder_worker/data/\${TC_WRITE%%=*}"; fi
if [ -n "$TC_CHECK_FIFO" ] && [ -p "$TC_CHECK_FIFO" ]; then echo "fifo=$TC_CHECK_FIFO"; fi
echo "output message"
echo "error message" >&2
`;

/**
 * Girder Worker's integration test image (\`girder/girder_worker_test:ng\`, a click CLI in Python)
 * rewritten as busybox shell: stdio, write, read, stdout_stderr, progress, sigkill, sigterm.
 */
export const GW_TEST_SCRIPT = `#!/bin/sh
mode=$1; shift
msg=""; pipe=""; progressions=""
while [ $# -gt 0 ]; do
  case "$1" in
    -m|--message) msg=$2; shift 2 ;;
    -p|--pipe) pipe=$2; shift 2 ;;
    --progressions) progressions=$2; shift 2 ;;
    *) shift ;;
  esac
done
case "$mode" in
  stdio) echo "$msg" ;;
  write) printf '%s' "$msg" > "\${pipe:-/mnt/girder_worker/data/output_pipe}" ;;
  read) cat "\${pipe:-/mnt/girder_worker/data/input_pipe}" ;;
  stdout_stderr) echo "this is stdout data"; echo "this is stderr data" >&2 ;;
  progress) echo "$progressions" | sed 's/^\\[//; s/\\]$//; s/}, *{/}\\n{/g' > "$pipe" ;;
  sigkill) trap '' TERM; sleep 30 ;;
  sigterm) trap 'echo terminated; exit 143' TERM; sleep 30 & wait $! ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
`;

/** Build the three test images: a plain busybox, the mocked GW image, and the GW integration image. */
export async function buildTestImages(docker: Docker): Promise<void> {
  await buildBusyboxImage(docker, ['taskcell-test/busybox:latest']);
  await buildBusyboxImage(docker, ['test/test:latest'], { '/gw-test': MOCK_IMAGE_SCRIPT, '/bin/bash': MOCK_IMAGE_SCRIPT }, [
    'ENTRYPOINT ["/gw-test"]',
  ]);
  await buildBusyboxImage(docker, ['girder/girder_worker_test:ng'], { '/test.sh': GW_TEST_SCRIPT }, ['ENTRYPOINT ["/test.sh"]']);
}

namespace Private {
  /** Mount points under `dir`, deepest first. */
  export function mountsUnder(dir: string): string[] {
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1])
      .filter((m) => m !== undefined && m.startsWith(`${dir}/`));
    return mounts.sort((a, b) => b.length - a.length);
  }

  export function tail(path: string): string {
    try {
      return readFileSync(path, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
