/**
 * The docker mode and `dockerRun()` against a real Docker engine started for this file: safe
 * defaults (network, limits, GPUs through device requests), cancellation, artifacts, pipes fed from
 * http, live progress, an absent engine, and the gc policy.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { CanceledError, TimeoutError, createRunner, parseTask } from '@taskcell/core';
import type { IJobEvent, Runner } from '@taskcell/core';
import {
  ContainerExitError,
  DockerError,
  DockerPolicy,
  DockerPolicyError,
  DockerUnavailableError,
  NamedInputPipe,
  TemporaryVolume,
  collectGarbage,
  connect,
  createDockerMode,
  dockerClient,
  dockerRun,
} from '@taskcell/docker';
import type Docker from 'dockerode';
import { buildBusyboxImage, buildTestImages, endDockerSuite, listenOnLoopback, startEngine, taskcellContainers } from './engine';
import type { ITestEngine } from './engine';

const BUSYBOX = 'taskcell-test/busybox:latest';
const BODY = 'line one\nline two\n'.repeat(5000);

let engine: ITestEngine;
let runner: Runner;
let server: Server;
let url = '';
const creates: Docker.ContainerCreateOptions[] = [];

beforeAll(async () => {
  engine = await startEngine();
  await buildTestImages(engine.docker);
  const create = engine.docker.createContainer.bind(engine.docker);
  jest.spyOn(engine.docker, 'createContainer').mockImplementation((o: Docker.ContainerCreateOptions) => {
    creates.push(o);
    return create(o);
  });
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-docker-mode-')) });
  runner.modes.register(createDockerMode({ docker: engine.docker }));
  server = createServer((_req, res) => res.end(BODY));
  url = `${await listenOnLoopback(server)}/data.txt`;
}, 180_000);

afterAll(async () => {
  await endDockerSuite(engine, server);
}, 60_000);

const sh = (script: string, extra: Record<string, unknown> = {}) =>
  parseTask({
    mode: 'docker',
    docker_image: BUSYBOX,
    container_args: ['sh', '-c', script],
    outputs: [
      { id: '_stdout', type: 'string', format: 'text' },
      { id: '_stderr', type: 'string', format: 'text' },
    ],
    ...extra,
  });

test('network none by default; limits set and enforced', async () => {
  const r = await runner.execute(
    sh('ls /sys/class/net; cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes', {
      memory: '64m',
      cpus: 0.5,
    }),
    {},
  );
  const lines = String(r.data._stdout).trim().split('\n');
  expect(lines).toEqual(['lo', String(64 * 1024 * 1024)]);
  const made = creates[creates.length - 1];
  expect(made.HostConfig).toMatchObject({ NetworkMode: 'none', Memory: 64 * 1024 * 1024, NanoCpus: 500_000_000 });
  // A task that asks for the host's network gets it only where the Docker policy trusts it.
  await expect(runner.execute(sh('ls /sys/class/net', { network: 'host' }), {})).rejects.toThrow(DockerPolicyError);
  const trusted = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-docker-mode-')) });
  trusted.modes.register(createDockerMode({ docker: engine.docker, policy: new DockerPolicy({ allowHostAccess: true }) }));
  const host = await trusted.execute(sh('ls /sys/class/net', { network: 'host' }), {});
  expect(creates[creates.length - 1].HostConfig?.NetworkMode).toBe('host');
  expect(String(host.data._stdout).trim().split('\n').length).toBeGreaterThan(1);
});

test('GPUs are asked for through device requests; an engine without them says so and keeps no container', async () => {
  await expect(runner.execute(sh('true', { gpus: 1 }), {})).rejects.toThrow(/could not select device driver.*gpu/);
  expect(creates[creates.length - 1].HostConfig?.DeviceRequests).toEqual([{ Driver: '', Count: 1, Capabilities: [['gpu']] }]);
  expect(await taskcellContainers(engine.docker)).toEqual([]);
});

test('a cancelled dockerRun stops and removes its container within a second', async () => {
  const controller = new AbortController();
  const p = dockerRun({ docker: engine.docker, image: BUSYBOX, args: ['sleep', '30'], signal: controller.signal });
  for (let i = 0; i < 100 && !(await engine.docker.listContainers({ filters: { label: ['taskcell'] } })).length; i++)
    await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  controller.abort();
  await expect(p).rejects.toBeInstanceOf(CanceledError);
  expect(Date.now() - t0).toBeLessThan(1000);
  expect(await taskcellContainers(engine.docker)).toEqual([]);
});

test('a task past its timeout ends ERROR with a TimeoutError, its container stopped and removed', async () => {
  const states: string[] = [];
  const t0 = Date.now();
  const p = runner.execute(sh('sleep 30'), {}, { timeout: 1500, onEvent: (e) => e.kind === 'state' && states.push(e.state!) });
  await expect(p).rejects.toBeInstanceOf(TimeoutError);
  while ((await taskcellContainers(engine.docker)).length && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
  expect(await taskcellContainers(engine.docker)).toEqual([]);
  expect(Date.now() - t0).toBeLessThan(2500);
  expect(states[states.length - 1]).toBe('ERROR');
});

test('artifacts are kept after the run, and those asked for also when it failed', async () => {
  const events: IJobEvent[] = [];
  const ok = await runner.execute(
    sh('mkdir -p /mnt/girder_worker/data/out && echo a > /mnt/girder_worker/data/out/a.txt && mkdir -p /tmp && echo log > /tmp/run.log', {
      artifacts: ['out', { path: '/tmp/run.log', onFailure: true }],
    }),
    {},
    { onEvent: (e) => events.push(e) },
  );
  expect(ok.artifacts.map((a) => a.name)).toEqual(['out', 'run.log']);
  expect(readFileSync(join(ok.artifacts[0].path, 'a.txt'), 'utf8')).toBe('a\n');
  expect(readFileSync(ok.artifacts[1].path, 'utf8')).toBe('log\n');
  expect(events.filter((e) => e.kind === 'artifact').map((e) => e.artifact?.name)).toEqual(['out', 'run.log']);
  const failing = runner.execute(
    sh('mkdir -p /mnt/girder_worker/data/out && mkdir -p /tmp && echo partial > /tmp/run.log && echo broken >&2 && exit 3', {
      artifacts: ['out', { path: '/tmp/run.log', onFailure: true }],
    }),
    {},
    { onEvent: (e) => events.push(e) },
  );
  await expect(failing).rejects.toBeInstanceOf(ContainerExitError);
  await expect(failing).rejects.toThrow(/exited with status 3, expected 0; its stderr ends:\nbroken/);
  const kept = events.filter((e) => e.kind === 'artifact').slice(2);
  expect(kept.map((e) => e.artifact?.name)).toEqual(['run.log']);
  expect(readFileSync(kept[0].artifact!.path, 'utf8')).toBe('partial\n');
});

test('an http input streams into the container through a named pipe', async () => {
  const task = parseTask({
    mode: 'docker',
    docker_image: BUSYBOX,
    container_args: ['sh', '-c', 'test -p /mnt/girder_worker/data/data && wc -c < /mnt/girder_worker/data/data'],
    inputs: [{ id: 'data', type: 'string', format: 'text', target: 'filepath', stream: true }],
    outputs: [{ id: '_stdout', type: 'string', format: 'text' }],
  });
  const r = await runner.execute(task, { data: { url } });
  expect(Number(String(r.data._stdout).trim())).toBe(Buffer.byteLength(BODY));
  // dockerRun: a response body connected straight to an input pipe.
  const volume = new TemporaryVolume();
  try {
    const pipe = new NamedInputPipe('body', volume);
    const res = await fetch(url);
    const direct = await dockerRun({
      docker: engine.docker,
      image: BUSYBOX,
      args: ['sh', '-c', `wc -l < ${pipe.transform()}`],
      volumes: [volume],
      connections: [connect(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), pipe)],
    });
    expect(direct.stdout.trim()).toBe('10000');
  } finally {
    volume.dispose();
  }
});

test('progress pipe lines become progress events while the container runs', async () => {
  const events: IJobEvent[] = [];
  const task = sh(
    'for i in 1 2 3; do echo "{\\"message\\": \\"step $i\\", \\"current\\": $i, \\"total\\": 3}"; echo not json; sleep 0.2; done > /mnt/girder_worker/data/.girder_progress; echo done',
    { progress_pipe: true },
  );
  let seenBeforeEnd = 0;
  await runner.execute(
    task,
    {},
    {
      onEvent: (e) => {
        events.push(e);
        if (e.kind === 'log' && e.log?.line === 'done') seenBeforeEnd = events.filter((x) => x.kind === 'progress').length;
      },
    },
  );
  expect(events.filter((e) => e.kind === 'progress').map((e) => e.progress)).toEqual([
    { current: 1, total: 3, message: 'step 1' },
    { current: 2, total: 3, message: 'step 2' },
    { current: 3, total: 3, message: 'step 3' },
  ]);
  expect(seenBeforeEnd).toBe(3);
});

test('an absent engine fails at once with a clear error, and a silent one at the timeout', async () => {
  const t0 = Date.now();
  const absent = dockerClient({ source: 'DOCKER_HOST=unix:///tmp/no-such-docker.sock', socketPath: '/tmp/no-such-docker.sock' });
  const solo = createRunner({ cacheDir: runner.cacheDir });
  solo.modes.register(createDockerMode({ docker: absent }));
  const p = solo.execute(sh('true'), {});
  await expect(p).rejects.toBeInstanceOf(DockerUnavailableError);
  await expect(p).rejects.toThrow(
    /Expected a Docker engine at DOCKER_HOST=unix:\/\/\/tmp\/no-such-docker.sock.*ENOENT.*Start dockerd or set DOCKER_HOST/,
  );
  expect(Date.now() - t0).toBeLessThan(1000);
  // A socket that accepts and never answers.
  const dir = mkdtempSync(join(tmpdir(), 'tc-silent-'));
  const sockets: Socket[] = [];
  const silent: NetServer = createNetServer((s) => void sockets.push(s));
  await new Promise<void>((r) => silent.listen(join(dir, 's.sock'), r));
  try {
    const t1 = Date.now();
    const q = dockerRun({
      docker: dockerClient({ source: 'a silent socket', socketPath: join(dir, 's.sock') }),
      image: BUSYBOX,
      engineTimeout: 300,
    });
    await expect(q).rejects.toThrow(/Expected a Docker engine at a silent socket.*no answer within 300 ms/);
    expect(Date.now() - t1).toBeLessThan(2000);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

test('an absent image with pulling off is refused by name; pulling from an unreachable registry says so', async () => {
  await expect(dockerRun({ docker: engine.docker, image: 'taskcell-test/absent:1', pull: false })).rejects.toThrow(
    /Image "taskcell-test\/absent:1" is not present in the engine and pulling is off/,
  );
  await expect(dockerRun({ docker: engine.docker, image: 'taskcell-test/absent:1' })).rejects.toBeInstanceOf(DockerError);
  await expect(dockerRun({ docker: engine.docker, image: 'taskcell-test/absent:1' })).rejects.toThrow(/could not be pulled/);
});

// Last: a collection removes every unused image that is not excluded.
test('the gc policy keeps containers after the run; collection removes old ones and unused images except the excluded', async () => {
  const gcRunner = createRunner({ cacheDir: runner.cacheDir });
  gcRunner.modes.register(createDockerMode({ docker: engine.docker, gc: { maxAge: 3600 } }));
  const r = await gcRunner.execute(sh('echo kept'), {});
  const kept = await taskcellContainers(engine.docker);
  expect(kept.map((c) => c.Labels['taskcell.job'])).toEqual([r.jobId]);
  await buildBusyboxImage(engine.docker, ['tc-gc/victim:1'], { '/marker': 'victim' });
  await buildBusyboxImage(engine.docker, ['tc-gc/keep:1'], { '/marker': 'keep' });
  // Young containers and images stay.
  expect(await collectGarbage(engine.docker, { maxAge: 3600 })).toEqual({ containers: [], images: [] });
  // Every image but the victim is excluded (an engine shared through TASKCELL_TEST_DOCKER_HOST keeps other files' images).
  // `test/test` names `test/test:latest`.
  const exclude = (await engine.docker.listImages())
    .flatMap((img) => img.RepoTags ?? [])
    .filter((t) => t !== 'tc-gc/victim:1')
    .map((t) => (t === 'test/test:latest' ? 'test/test' : t));
  expect(exclude).toEqual(expect.arrayContaining(['tc-gc/keep:1', BUSYBOX]));
  const report = await collectGarbage(engine.docker, { maxAge: 0, excludeImages: exclude }, Date.now() + 2000);
  expect(report.containers).toEqual([kept[0].Id]);
  const tags = (await engine.docker.listImages()).flatMap((i) => i.RepoTags ?? []);
  expect(tags).not.toContain('tc-gc/victim:1');
  expect(tags).toEqual(expect.arrayContaining(['tc-gc/keep:1', BUSYBOX, 'test/test:latest', 'girder/girder_worker_test:ng']));
});

test('run as a user other than root, a job whose container left root-owned directories ends and leaves no temp directory', () => {
  // The job runs in a child process as `nobody`; the test's own engine lets that user in.
  const socket = engine.host.replace(/^unix:\/\//, '');
  chmodSync(dirname(socket), 0o711);
  chmodSync(socket, 0o666);
  const home = mkdtempSync(join(tmpdir(), 'tc-nonroot-'));
  chmodSync(home, 0o777);
  const root = join(__dirname, '..', '..');
  const script = join(home, 'run.cjs');
  writeFileSync(
    script,
    `const { readdirSync } = require('node:fs');
const { createRunner, parseTask } = require(${JSON.stringify(join(root, 'packages/core/lib/index.js'))});
const { createDockerMode } = require(${JSON.stringify(join(root, 'packages/docker/lib/index.js'))});
const home = ${JSON.stringify(home)};
const runner = createRunner({ cacheDir: home + '/cache' });
runner.modes.register(createDockerMode());
const task = parseTask({
  mode: 'docker',
  docker_image: ${JSON.stringify(BUSYBOX)},
  container_args: ['sh', '-c', 'mkdir -p /mnt/girder_worker/data/out/deep && echo x > /mnt/girder_worker/data/out/deep/f && echo done'],
  outputs: [{ id: '_stdout', type: 'string', format: 'text' }],
});
const logs = [];
runner.execute(task, {}, { cache: false, onEvent: (e) => e.log && logs.push(e.log.line) }).then(
  (r) => {
    console.log(JSON.stringify({ uid: process.getuid(), stdout: r.data._stdout, left: readdirSync(home).filter((n) => n.startsWith('taskcell-')), logs }));
    process.exit(0);
  },
  (err) => {
    console.log(JSON.stringify({ error: String(err) }));
    process.exit(1);
  },
);
`,
  );
  const child = spawnSync(process.execPath, [script], {
    uid: 65534,
    gid: 65534,
    env: { PATH: process.env.PATH, DOCKER_HOST: engine.host, TMPDIR: home },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(child.stderr).toBe('');
  const report = JSON.parse(child.stdout) as { uid: number; stdout: string; left: string[]; logs: string[] };
  expect(report).toMatchObject({ uid: 65534, stdout: 'done\n', left: [] });
  expect(report.logs.filter((l) => l.includes('could not'))).toEqual([]);
}, 90_000);
