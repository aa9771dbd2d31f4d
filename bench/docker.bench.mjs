// A trivial docker task (`echo hi`, stdout captured, network none, container removed) against raw
// `docker run --rm --network none` of the same image, in the same run, alternating, median of each.
//   node bench/docker.bench.mjs   (after `npm run build`; BENCH_N to change the count)
// Uses the engine at DOCKER_HOST when it answers; otherwise (as root) starts a private
// `dockerd --storage-driver=vfs --bridge=none --iptables=false` and stops it by pid at the end.
import { createRequire } from 'node:module';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
const { createDockerMode, dockerClient, dockerEndpoint, checkEngine } = require('../packages/docker/lib/index.js');
const tar = require('tar');
const N = Number(process.env.BENCH_N ?? 20);
const IMAGE = 'taskcell-bench/busybox:latest';

async function engine() {
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

async function build(docker) {
  const ctx = mkdtempSync(join(tmpdir(), 'tc-bench-build-'));
  copyFileSync('/bin/busybox', join(ctx, 'busybox'));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nADD busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n');
  const stream = await docker.buildImage(tar.c({ cwd: ctx }, ['.']), { t: IMAGE, networkmode: 'none', rm: true });
  await new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (err, out) =>
      err || out.find((o) => o.error) ? reject(err ?? new Error(out.find((o) => o.error).error)) : resolve(),
    ),
  );
  rmSync(ctx, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const e = await engine();
try {
  await build(e.docker);
  const runner = core.createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-bench-')) });
  runner.modes.register(createDockerMode({ docker: e.docker }));
  const spec = core.parseTask({
    mode: 'docker',
    docker_image: IMAGE,
    container_args: ['echo', 'hi'],
    outputs: [{ id: '_stdout', type: 'string', format: 'text' }],
  });
  const env = { ...process.env, DOCKER_HOST: e.host };
  const raw = () => {
    const r = spawnSync('docker', ['run', '--rm', '--network', 'none', IMAGE, 'echo', 'hi'], { env, encoding: 'utf8' });
    if (r.stdout !== 'hi\n') throw new Error(`docker run failed: ${r.stderr}`);
  };
  const task = async () => {
    const r = await runner.execute(spec, {}, { cache: false });
    if (r.data._stdout !== 'hi\n') throw new Error('the task did not print hi');
  };
  for (let i = 0; i < 2; i++) {
    raw();
    await task();
  }
  const tTask = [];
  const tRaw = [];
  for (let i = 0; i < N; i++) {
    let t0 = process.hrtime.bigint();
    await task();
    tTask.push(Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    raw();
    tRaw.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const a = median(tTask);
  const b = median(tRaw);
  console.log(`docker task (taskcell, dockerode)          ${a.toFixed(1)} ms/task (median of ${N})`);
  console.log(`docker run --rm --network none (CLI)        ${b.toFixed(1)} ms/run (median of ${N})`);
  console.log(`ratio task/raw                              ${(a / b).toFixed(2)}x (target <= 1.15x)`);
  const left = await e.docker.listContainers({ all: true, filters: { label: ['taskcell'] } });
  if (left.length) throw new Error(`${left.length} containers left behind`);
} finally {
  await e.stop();
}
