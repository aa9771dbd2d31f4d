/**
 * Attacks 2, 4 (artifacts) and 7 of the safety issue, against a private Docker engine: a container
 * that makes its output a symbolic link to a host file, an artifact named `../x`, specs asking for
 * the host (a bind of `/`, the engine's socket, `cap_add`, host network) on the runner and on a
 * `taskcell worker`, the switch for trusted specs, and containers of dead runs (a SIGKILLed
 * `taskcell run`) removed when the next run or worker starts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainmentError, createRunner, parseTask } from '@taskcell/core';
import type { Runner } from '@taskcell/core';
import { DockerPolicy, DockerPolicyError, createDockerMode } from '@taskcell/docker';
import type Docker from 'dockerode';
import { buildTestImages, endDockerSuite, recordCreates, startEngine, taskcellContainers } from '../docker/engine';
import type { ITestEngine } from '../docker/engine';
import { startRedis } from '../pool/redis';
import { spawnWorker } from '../pool/workers';
import type { IWorkerProcess } from '../pool/workers';

const BUSYBOX = 'taskcell-test/busybox:latest';
const ROOT = join(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'tc-sec-docker-'));

let engine: ITestEngine;
let runner: Runner;
let trusted: Runner;
let creates: Docker.ContainerCreateOptions[] = [];

beforeAll(async () => {
  engine = await startEngine();
  await buildTestImages(engine.docker);
  creates = recordCreates(engine.docker);
  runner = createRunner({ cacheDir: join(scratch, 'cache') });
  runner.modes.register(createDockerMode({ docker: engine.docker, policy: new DockerPolicy() }));
  trusted = createRunner({ cacheDir: join(scratch, 'trusted-cache') });
  trusted.modes.register(createDockerMode({ docker: engine.docker, policy: new DockerPolicy({ allowHostAccess: true }) }));
}, 180_000);

afterAll(async () => {
  await endDockerSuite(engine, undefined);
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

/** A busybox task running `script`, with file outputs `out` (and `_stdout`). */
const sh = (script: string, extra: Record<string, unknown> = {}, outputs: Array<Record<string, unknown>> = []) =>
  parseTask({
    mode: 'docker',
    docker_image: BUSYBOX,
    container_args: ['sh', '-c', script],
    outputs: [{ id: '_stdout', type: 'string', format: 'text' }, ...outputs],
    ...extra,
  });

const fileOut = (id: string, type = 'string', format = 'text') => ({ id, type, format, target: 'filepath' });

describe('attack 2: a container does not read host files through its outputs', () => {
  const secret = join(scratch, 'host-secret.txt');
  beforeAll(() => writeFileSync(secret, 'host secret'));

  test('a filepath output made a symbolic link to a host file is refused', async () => {
    for (const target of [secret, '/etc/hostname', '../../../../../../etc/hostname']) {
      const err = await runner
        .execute(sh(`ln -s ${target} /mnt/girder_worker/data/out`, {}, [fileOut('out')]), {}, { cache: false })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContainmentError);
      expect((err as ContainmentError).context).toMatchObject({ port: 'out', name: expect.stringContaining('out') });
      expect(String((err as Error).message)).not.toContain('host secret');
    }
  });

  test('a link inside the data directory is refused as the output too, and a link out of a directory output', async () => {
    const inner = await runner
      .execute(
        sh('echo hi > /mnt/girder_worker/data/real; ln -s real /mnt/girder_worker/data/out', {}, [fileOut('out')]),
        {},
        { cache: false },
      )
      .catch((e: unknown) => e);
    expect(inner).toBeInstanceOf(ContainmentError);
    const dir = await runner
      .execute(
        sh(
          `mkdir -p /mnt/girder_worker/data/d/sub && echo x > /mnt/girder_worker/data/d/f && ln -s ${secret} /mnt/girder_worker/data/d/sub/leak`,
          {},
          [fileOut('d', 'directory', 'path')],
        ),
        {},
        { cache: false },
      )
      .catch((e: unknown) => e);
    expect(dir).toBeInstanceOf(ContainmentError);
    expect((dir as ContainmentError).message).toMatch(/leak.*resolves to/);
  });

  test('an output reached through a linked directory out of the data directory is refused', async () => {
    const err = await runner
      .execute(
        sh(`ln -s ${scratch} /mnt/girder_worker/data/up`, {}, [{ ...fileOut('leak'), path: 'up/host-secret.txt' }]),
        {},
        { cache: false },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainmentError);
  });

  test('an honest file output still comes back', async () => {
    const r = await runner.execute(sh('printf ok > /mnt/girder_worker/data/out', {}, [fileOut('out')]), {}, { cache: false });
    expect(r.data.out).toBe('ok');
  });
});

describe('attack 4: artifacts stay in the artifacts folder', () => {
  test('an artifact named "../../x" is refused, and nothing is written outside', async () => {
    const name = `../../tc-artifact-${process.pid}`;
    const artifacts = join(runner.cacheDir, '..', 'artifacts');
    const err = await runner
      .execute(sh('echo data > /mnt/girder_worker/data/a.txt', { artifacts: [{ path: 'a.txt', name }] }), {}, { cache: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainmentError);
    expect((err as ContainmentError).context).toMatchObject({ name });
    expect(existsSync(join(artifacts, 'x', name))).toBe(false);
    expect(existsSync(join(artifacts, '..', `tc-artifact-${process.pid}`))).toBe(false);
  });

  test('an artifact directory holding a link out of it is refused', async () => {
    const err = await runner
      .execute(
        sh('mkdir /mnt/girder_worker/data/art && ln -s /etc /mnt/girder_worker/data/art/etc', { artifacts: ['art'] }),
        {},
        { cache: false },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainmentError);
  });
});

describe('attack 7: the Docker policy refuses what gives a container the host', () => {
  const hostile: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a bind of / ', { docker_run_args: { volumes: { '/': { bind: '/host', mode: 'ro' } } } }, /host bind mount "\/:\/host:ro"/],
    ['the engine socket', {}, /host bind mount .*outside the data roots/],
    ['cap_add', { docker_run_args: { cap_add: ['SYS_ADMIN'] } }, /added capabilities/],
    ['host network', { network: 'host' }, /NetworkMode "host"/],
    ['host network through docker_run_args', { docker_run_args: { network_mode: 'host' } }, /NetworkMode "host"/],
  ];

  test.each(hostile)('%s is refused before any container is created', async (what, extra, message) => {
    const spec =
      what === 'the engine socket'
        ? { docker_run_args: { volumes: { [engine.host.replace(/^unix:\/\//, '')]: { bind: '/var/run/docker.sock' } } } }
        : extra;
    const before = creates.length;
    const err = await runner.execute(sh('cat /host/etc/hostname', spec), {}, { cache: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerPolicyError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/--allow-host-access/);
    expect(creates.length).toBe(before);
  });

  test('the engine socket is refused even inside a data root', async () => {
    const socket = engine.host.replace(/^unix:\/\//, '');
    const lenient = createRunner({ cacheDir: join(scratch, 'lenient-cache') });
    lenient.modes.register(createDockerMode({ docker: engine.docker, policy: new DockerPolicy({ dataRoots: [join(socket, '..')] }) }));
    const spec = sh('ls /d', { docker_run_args: { volumes: { [join(socket, '..')]: { bind: '/d' } } } });
    await expect(lenient.execute(spec, {}, { cache: false })).rejects.toThrow(/Docker engine's socket/);
  });

  test('an input bound to the engine socket is refused too', async () => {
    const t = parseTask({
      mode: 'docker',
      docker_image: BUSYBOX,
      container_args: ['ls', '-l', '$input{sock}'],
      inputs: [{ id: 'sock', type: 'string', format: 'text', target: 'filepath' }],
      outputs: [{ id: '_stdout', type: 'string', format: 'text' }],
    });
    const socket = engine.host.replace(/^unix:\/\//, '');
    await expect(runner.execute(t, { sock: { mode: 'local', path: socket } }, { cache: false })).rejects.toThrow(DockerPolicyError);
  });

  test('every container runs with no-new-privileges, a pids limit and a memory limit', async () => {
    const r = await runner.execute(sh('cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max'), {}, { cache: false });
    const made = creates[creates.length - 1];
    expect(made.HostConfig?.SecurityOpt).toContain('no-new-privileges:true');
    expect(made.HostConfig?.PidsLimit).toBe(DockerPolicy.DEFAULT_PIDS_LIMIT);
    expect(made.HostConfig?.Memory).toBe(DockerPolicy.DEFAULT_MEMORY);
    expect(String(r.data._stdout).trim()).toBe(String(DockerPolicy.DEFAULT_PIDS_LIMIT));
    expect(made.Labels).toMatchObject({
      'taskcell.pid': String(process.pid),
      'taskcell.run': expect.any(String),
      'taskcell.host': expect.any(String),
    });
  });

  test('a data root, or the switch for trusted specs, lets host mounts through', async () => {
    const data = mkdtempSync(join(scratch, 'data-root-'));
    writeFileSync(join(data, 'f.txt'), 'shared data');
    const withRoot = createRunner({ cacheDir: join(scratch, 'root-cache') });
    withRoot.modes.register(createDockerMode({ docker: engine.docker, policy: new DockerPolicy({ dataRoots: [data] }) }));
    const spec = sh('cat /shared/f.txt', { docker_run_args: { volumes: { [data]: { bind: '/shared', mode: 'ro' } } } });
    expect(String((await withRoot.execute(spec, {}, { cache: false })).data._stdout)).toBe('shared data');
    await expect(runner.execute(spec, {}, { cache: false })).rejects.toThrow(DockerPolicyError);
    const host = await trusted.execute(
      sh('cat /host/etc/hostname', { docker_run_args: { volumes: { '/': { bind: '/host', mode: 'ro' } } } }),
      {},
      { cache: false },
    );
    expect(String(host.data._stdout).trim()).toBe(readFileSync('/etc/hostname', 'utf8').trim());
  });
});

describe('attack 7, from the shell', () => {
  const cli = join(ROOT, 'kernel', 'bin', 'taskcell.js');
  const env = () => ({ ...process.env, DOCKER_HOST: engine.host });
  const taskcell = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { env: env(), encoding: 'utf8', timeout: 60_000 });
  /** A busybox docker spec file running `args`, with `extra` fields; returns its path. */
  const specFile = (name: string, args: string[], extra: Record<string, unknown> = {}): string => {
    const path = join(scratch, `${name}.json`);
    const outputs = [{ id: '_stdout', type: 'string', format: 'text' }];
    writeFileSync(path, JSON.stringify({ mode: 'docker', docker_image: BUSYBOX, container_args: args, outputs, ...extra }));
    return path;
  };

  test('taskcell run refuses a host mount (exit 1, DockerPolicyError) unless --allow-host-access', () => {
    const spec = specFile('host', ['cat', '/host/etc/hostname'], {
      docker_run_args: { volumes: { '/etc': { bind: '/host/etc', mode: 'ro' } } },
    });
    const refused = taskcell(['run', spec, '--no-cache']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/\[taskcell:docker-policy\] .*host bind mount "\/etc:\/host\/etc:ro"/);
    const allowed = taskcell(['run', spec, '--no-cache', '--allow-host-access']);
    expect(allowed.stderr).toBe('');
    expect(allowed.status).toBe(0);
    expect(JSON.parse(allowed.stdout)._stdout.data.trim()).toBe(readFileSync('/etc/hostname', 'utf8').trim());
  }, 90_000);

  test('a SIGKILLed taskcell run leaves nothing behind after the next start', async () => {
    const child = spawn(process.execPath, [cli, 'run', specFile('sleep', ['sleep', '300']), '--no-cache'], { env: env(), stdio: 'ignore' });
    let mine: Docker.ContainerInfo[] = [];
    for (let i = 0; i < 200 && mine.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      mine = (await taskcellContainers(engine.docker)).filter(
        (c) => c.Labels['taskcell.pid'] === String(child.pid) && c.State === 'running',
      );
    }
    expect(mine).toHaveLength(1);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    // Nobody removed it: it is still there, running.
    expect((await engine.docker.getContainer(mine[0].Id).inspect()).State.Running).toBe(true);
    const next = taskcell(['run', specFile('quick', ['echo', 'hi']), '--no-cache']);
    expect(next.stderr).toBe('');
    expect(next.status).toBe(0);
    expect(await taskcellContainers(engine.docker)).toEqual([]);
  }, 90_000);

  test('a worker removes the containers of dead runs when it starts, and refuses hostile specs from the queue', async () => {
    // A container left by a run whose process is gone: made as dockerRun makes them, labelled with a dead pid.
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => gone.once('exit', r));
    const orphan = await engine.docker.createContainer({
      Image: BUSYBOX,
      Cmd: ['sleep', '300'],
      Labels: {
        taskcell: 'true',
        'taskcell.job': 'orphan',
        'taskcell.run': 'dead-run',
        'taskcell.pid': String(gone.pid),
        'taskcell.host': hostname(),
      },
      HostConfig: { NetworkMode: 'none' },
    });
    await orphan.start();
    // One of a live process (this one) stays.
    const alive = await engine.docker.createContainer({
      Image: BUSYBOX,
      Cmd: ['sleep', '300'],
      Labels: { taskcell: 'true', 'taskcell.run': 'live-run', 'taskcell.pid': String(process.pid), 'taskcell.host': hostname() },
    });
    const redis = await startRedis();
    let worker: IWorkerProcess | undefined;
    try {
      worker = await spawnWorker(`${redis.url}?queue=docker`, 'docker-worker', [], env());
      await expect(orphan.inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await alive.inspect()).Id).toBe(alive.id);
      const hostile = specFile('worker-host', ['ls', '/sys/class/net'], { network: 'host' });
      const r = taskcell(['run', hostile, '--on', `${redis.url}?queue=docker`, '--no-cache']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/\[taskcell:docker-policy\] .*NetworkMode "host"/);
      const ok = taskcell(['run', specFile('worker-ok', ['echo', 'from the worker']), '--on', `${redis.url}?queue=docker`, '--no-cache']);
      expect(ok.stderr).toBe('');
      expect(JSON.parse(ok.stdout)._stdout.data).toBe('from the worker\n');
    } finally {
      await worker?.stop();
      await redis.stop();
      await alive.remove({ force: true });
    }
  }, 120_000);
});
