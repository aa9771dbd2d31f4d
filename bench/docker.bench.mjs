// A trivial docker task (`echo hi`, stdout captured, network none, container removed) against raw
// `docker run --rm --network none` of the same image, in the same run, alternating, median of each.
//   node bench/docker.bench.mjs   (after `npm run build`; BENCH_N to change the count)
// Uses the engine at DOCKER_HOST when it answers; otherwise (as root) starts a private
// `dockerd --storage-driver=vfs --bridge=none --iptables=false` and stops it by pid at the end.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, engine } from './docker-engine.mjs';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
const { createDockerMode } = require('../packages/docker/lib/index.js');
const N = Number(process.env.BENCH_N ?? 20);
const IMAGE = 'taskcell-bench/busybox:latest';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const e = await engine();
try {
  await build(e.docker, IMAGE);
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
