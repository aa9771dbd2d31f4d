/**
 * Girder Worker's docker cases (`cases/docker.json`) against a real Docker engine started for this
 * file. The mocked unit cases run the busybox rewrite of their image (`test/test:latest`), which
 * shows how it was called; the create options the engine received are read from the real client.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CanceledError, createRunner, parseTask } from '@taskcell/core';
import type { IBinding, IJobEvent, IResult, Runner } from '@taskcell/core';
import {
  BindMountVolume,
  DATA_VOLUME,
  Demultiplexer,
  NamedPipe,
  ProgressLineParser,
  ProgressPipe,
  TaskSpecValidationError,
  TemporaryVolume,
  VolumePath,
  createDockerMode,
  dockerRun,
  expandArgs,
  gcPolicyFromConfig,
} from '@taskcell/docker';
import type { IProgressReport } from '@taskcell/docker';
import type Docker from 'dockerode';
import { conformance } from '../conformance/harness';
import type { ICase } from '../conformance/harness';
import { buildTestImages, endDockerSuite, listenOnLoopback, startEngine, taskcellContainers } from './engine';
import type { ITestEngine } from './engine';

type Json = Record<string, unknown>;

let engine: ITestEngine;
let runner: Runner;
let server: Server;
let base = '';
const posted: Array<{ url: string; body: string }> = [];
const captured = new Map<string, unknown>();
let creates: Docker.ContainerCreateOptions[] = [];
let pulls: unknown[][] = [];

beforeAll(async () => {
  engine = await startEngine();
  await buildTestImages(engine.docker);
  const create = engine.docker.createContainer.bind(engine.docker);
  jest.spyOn(engine.docker, 'createContainer').mockImplementation((o: Docker.ContainerCreateOptions) => {
    creates.push(o);
    return create(o);
  });
  const pull = engine.docker.pull.bind(engine.docker) as (...a: unknown[]) => Promise<unknown>;
  jest.spyOn(engine.docker, 'pull').mockImplementation(((...a: unknown[]) => {
    pulls.push(a);
    return pull(...a);
  }) as unknown as Docker['pull']);
  runner = createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-docker-conf-')) });
  runner.modes.register(createDockerMode({ docker: engine.docker }));
  // Girder Worker's test-only push adapters: `test_dummy` discards, `capture` keeps what was pushed.
  runner.io.register({ name: 'test_dummy', fetch: () => ({ data: '' }), push: (b) => ({ ...b, data: undefined }) });
  runner.io.register({
    name: 'capture',
    fetch: () => ({ data: '' }),
    // A filepath output is pushed as its file.
    push: async (b, port, data) => (
      captured.set(port.id, port.target === 'filepath' ? await readFile(data as string, 'utf8') : data),
      { ...b, data: undefined }
    ),
  });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/foo.com/file.txt') return void res.end('dummy file contents');
      if (req.method === 'GET') return void res.writeHead(404).end();
      posted.push({ url: req.url!, body });
      res.end('ok');
    });
  });
  base = await listenOnLoopback(server);
}, 180_000);

afterAll(async () => {
  await endDockerSuite(engine, server);
}, 60_000);

beforeEach(() => {
  creates = [];
  pulls = [];
  posted.length = 0;
  captured.clear();
});

/** Point the cases' hosts at the loopback server. */
function local<T>(v: T): T {
  return JSON.parse(JSON.stringify(v).replace(/https?:\/\/(foo\.com)\/?/g, (_m, host) => `${base}/${host}/`)) as T;
}

function run(task: Json, inputs: Json, outputs: Record<string, IBinding> = {}, onEvent?: (e: IJobEvent) => void): Promise<IResult> {
  return runner.execute(parseTask(task), inputs, { outputs, onEvent });
}

/** What the mock image printed, as `key=value` lines. */
function shown(r: IResult, key: string): string[] {
  return r.logs.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
}

/** The container's arguments as it saw them. */
function argv(r: IResult): string[] {
  const n = Number(shown(r, 'argc')[0]);
  return Array.from({ length: n }, (_, i) => shown(r, `argv[${i}]`)[0] ?? '');
}

async function mockedRun(c: ICase): Promise<void> {
  const task = { ...c.task! } as Json;
  const inputs = local((c.input ?? {}) as Json);
  const outputs = local((c.outputs ?? {}) as Record<string, IBinding>);
  const setup = (c.setup ?? {}) as Json;
  const expected = (c.expected ?? {}) as Json;
  const env: Record<string, string> = {};
  // The case's pre-existing output file is written by the container itself.
  const pre = /^<TMP>\/(.+) containing "(.*)"$/.exec(String(setup.pre_existing_file ?? ''));
  if (pre) env.TC_WRITE = `${pre[1]}=${pre[2]}`;
  if (c.name.endsWith('testNamedPipes')) env.TC_CHECK_FIFO = `${DATA_VOLUME}/named_pipe`;
  if (Object.keys(env).length) task.docker_run_args = { ...((task.docker_run_args as Json) ?? {}), environment: env };
  let hostFile: string | undefined;
  if ((inputs.foo as Json | undefined)?.direct_path) {
    // Girder's direct path: a file already on this host, bound `local`, mounted read-only at its own path.
    hostFile = join(mkdtempSync(join(tmpdir(), 'tc-direct-')), 'file.txt');
    writeFileSync(hostFile, 'dummy file contents');
    inputs.foo = { mode: 'local', path: hostFile };
  }
  if (c.expected_error) {
    const pattern = new RegExp(c.expected_error.match.replace('<tmp_root>', tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await expect(run(task, inputs, outputs)).rejects.toThrow(pattern);
    expect(creates).toHaveLength(1);
    return;
  }
  const r = await run(task, inputs, outputs);
  // Girder Worker always runs a second `busybox chmod` container so a non-root worker can delete
  // root-owned files; taskcell runs one only as another user than root, when a container left a
  // directory that user cannot empty (docker-mode.spec), so here there is one container.
  expect(creates).toHaveLength(1);
  const made = creates[0];
  const seen = argv(r);
  expect(seen).toEqual(made.Cmd);
  expect(made.Tty).toBe(false);
  expect(made.AttachStdout).toBe(true);
  expect(made.Labels?.['taskcell.job']).toBe(r.jobId);
  expect(made.HostConfig?.NetworkMode).toBe('none');
  expect(made.HostConfig?.Binds?.[0]).toMatch(new RegExp(`^${tmpdir()}/taskcell-[^:]+:${DATA_VOLUME}:rw$`));
  // The image is present, so nothing is pulled (taskcell pulls only an absent image).
  expect(pulls).toEqual([]);
  const run1 = (expected.run1 ?? {}) as Json;
  for (const [k, v] of Object.entries(run1)) {
    switch (k) {
      case 'image':
        expect(made.Image).toBe(v);
        break;
      case 'args':
        expect(seen).toEqual(v);
        break;
      case 'args_prefix':
        expect(seen.slice(0, (v as string[]).length)).toEqual(v);
        break;
      case 'args[-2]':
        expect(seen[seen.length - 2]).toBe(v);
        break;
      case 'args[-1]':
        expect(seen[seen.length - 1]).toBe(v);
        break;
      case 'args_not_contains':
        expect(seen).not.toContain(v);
        break;
      case 'entrypoint':
        expect(made.Entrypoint).toEqual(v);
        expect(shown(r, 'entrypoint')).toEqual(v);
        break;
      case 'volumes':
      case 'detach':
      case 'tty':
        break;
      case 'network_disabled':
        expect(made.NetworkDisabled).toBe(v);
        break;
      case 'volumes_contains_key':
        expect(made.HostConfig?.Binds?.some((b) => b.startsWith(`${hostFile}:`))).toBe(true);
        break;
      case 'extra_volume':
        expect(made.HostConfig?.Binds).toContain(`${hostFile}:${hostFile}:ro`);
        expect(shown(r, 'file')).toEqual(['dummy file contents']);
        break;
      default:
        throw new Error(`no check for run1.${k}`);
    }
  }
  if (run1.args_prefix && (run1.args_prefix as string[])[1] === `${DATA_VOLUME}/file.txt`) {
    // The http input was downloaded into the data directory and the container read it there.
    expect(shown(r, 'file')).toEqual(['dummy file contents']);
  }
  const outs = (expected.outputs ?? {}) as Record<string, Json>;
  for (const [id, o] of Object.entries(outs)) {
    if (id === 'file_output_1') expect(r.data[id]).toBe('simulated output');
    else expect(r.data[id]).toBe(o.data);
  }
  for (const line of (expected.host_stdout_lines ?? []) as string[]) expect(r.logs).toContain(line);
  if (expected.fifo_exists) expect(shown(r, 'fifo')).toEqual([`${DATA_VOLUME}/named_pipe`]);
  for (const h of (expected.http_requests ?? []) as Json[]) {
    expect(posted).toEqual([{ url: '/foo.com/', body: 'simulated output' }]);
    expect(h.method).toBe('POST');
  }
}

/** Wait until a container of the job runs. */
async function running(jobId: () => string | undefined): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const id = jobId();
    if (id) {
      const list = await engine.docker.listContainers({ filters: { label: [`taskcell.job=${id}`], status: ['running'] } });
      if (list.length) return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the container never ran');
}

async function integrationRun(c: ICase): Promise<void> {
  const task = { ...c.task! } as Json;
  const inputs = JSON.parse(JSON.stringify(c.input ?? {}).replace(/"mode":"static"/g, '"mode":"inline"')) as Json;
  const outputs = (c.outputs ?? {}) as Record<string, IBinding>;
  const expected = (c.expected ?? {}) as Json;
  if (c.name.includes('CancelKill') || c.name.includes('CancelSigTerm')) {
    const events: IJobEvent[] = [];
    let jobId: string | undefined;
    const p = run(task, inputs, outputs, (e) => {
      jobId ??= e.jobId;
      events.push(e);
    });
    await running(() => jobId);
    const t0 = Date.now();
    expect(runner.cancel(jobId!)).toBe(true);
    await expect(p).rejects.toBeInstanceOf(CanceledError);
    expect(
      events
        .filter((e) => e.kind === 'state')
        .map((e) => e.state)
        .slice(-2),
    ).toEqual(['CANCELING', 'CANCELED']);
    // Stopped and removed within a second: SIGTERM, then SIGKILL for the one that ignores it.
    while ((await taskcellContainers(engine.docker)).length && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 20));
    expect(await taskcellContainers(engine.docker)).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(1000);
    if (c.name.includes('SigTerm')) expect(events.some((e) => e.log?.line === 'terminated')).toBe(true);
    return;
  }
  if (c.name.includes('RemoveContainer')) {
    await run(task, inputs, outputs);
    expect(await engine.docker.listContainers({ all: true, filters: { name: ['testDockerModeRemoveContainer'] } })).toEqual([]);
    // With the gc policy on, the container is kept for the collector.
    const kept = createRunner({ cacheDir: runner.cacheDir });
    kept.modes.register(createDockerMode({ docker: engine.docker, gc: { maxAge: 3600 } }));
    await kept.execute(parseTask(task), inputs);
    const left = await engine.docker.listContainers({ all: true, filters: { name: ['testDockerModeRemoveContainer'] } });
    expect(left).toHaveLength(1);
    await engine.docker.getContainer(left[0].Id).remove({ force: true });
    return;
  }
  const writes: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array, ...rest: unknown[]) => {
    writes.push(String(s));
    return (write as (...a: unknown[]) => boolean)(s, ...rest);
  });
  let r: IResult;
  try {
    r = await run(task, inputs, outputs);
  } finally {
    spy.mockRestore();
  }
  for (const [k, v] of Object.entries(expected)) {
    switch (k) {
      case 'host_stdout_last_line':
        // The notebook's "host stdout" is the job log.
        expect(r.logs[r.logs.length - 1]).toBe(v);
        break;
      case 'outputs._stdout.data':
        expect(r.data._stdout).toBe(v);
        break;
      case 'outputs._stderr.data':
        expect(r.data._stderr).toBe(v);
        break;
      case 'host_stdout_does_not_contain':
        expect(writes.join('')).not.toContain(v);
        break;
      case 'fifo':
        break;
      case 'captured_by_capture_adapter':
        expect(captured.get('output_pipe')).toBe(v);
        break;
      case 'outputs._stdout.data.rstrip()':
        expect(String(r.data._stdout).trimEnd()).toBe(v);
        break;
      default:
        throw new Error(`no check for ${k}`);
    }
  }
}

async function progressCase(c: ICase): Promise<void> {
  const input = c.input as Json;
  if (c.name.endsWith('line_buffering')) {
    const got: IProgressReport[] = [];
    const parser = new ProgressLineParser((r) => got.push(r));
    for (const w of input.writes as string[]) parser.write(w);
    expect(got).toEqual(c.expected);
    return;
  }
  const volume = new TemporaryVolume();
  try {
    const pipe = new ProgressPipe(volume);
    const got: IProgressReport[] = [];
    const args = (input.container_args as unknown[]).map((a) =>
      a === '<ProgressPipe()>' ? pipe.transform() : typeof a === 'string' ? a : JSON.stringify(a),
    );
    await dockerRun({
      docker: engine.docker,
      image: String(input.image),
      args,
      volumes: [volume],
      progressPipe: pipe,
      onProgress: (p) => got.push(p),
    });
    const want = (c.expected as Json)['job.progress (minus notificationId)'];
    expect(got[got.length - 1]).toEqual(want);
    expect(got).toHaveLength(4);
  } finally {
    volume.dispose();
  }
}

function expandCase(c: ICase): void {
  const input = c.input as Json;
  const tmp = '/tmp/TMPX';
  const values = Object.fromEntries(
    Object.entries((input.inputs ?? {}) as Record<string, Json>).map(([k, v]) => [
      k,
      typeof v.script_data === 'string' ? v.script_data.replace('<TMP>', tmp) : v.script_data,
    ]),
  );
  const ports = Object.values((input.task_inputs ?? {}) as Record<string, Json>).map((p) => ({
    id: String(p.id ?? p.name),
    target: p.target as string | undefined,
    arg: p.arg as string | undefined,
  }));
  const ctx = { values, ports, outputs: (input.outputs ?? {}) as Record<string, Json>, tempdir: tmp };
  if (c.expected_error) {
    expect(() => expandArgs(input.container_args as string[], ctx)).toThrow(new RegExp(c.expected_error.match));
    return;
  }
  expect(expandArgs(input.container_args as string[], ctx)).toEqual(c.expected);
}

function transformCase(c: ICase): void {
  const volume = new BindMountVolume('/bogus/volume/host_path', '/bogus/volume/container_path');
  const name = c.name.split('.').pop();
  switch (name) {
    case 'VolumePath_container':
      expect(new VolumePath('test', volume).transform()).toBe(c.expected);
      break;
    case 'VolumePath_host':
      expect(new VolumePath('test', volume).hostPath).toBe(c.expected);
      break;
    case 'Volume_transform':
      expect(volume.transform()).toBe(c.expected);
      break;
    case 'TemporaryVolume': {
      const v = new TemporaryVolume({ id: 'SOME_UUID' });
      try {
        expect(v.transform()).toBe('/mnt/girder_worker/SOME_UUID');
        expect(String(c.expected)).toContain('prefix = /mnt/girder_worker');
      } finally {
        v.dispose();
      }
      break;
    }
    case 'NamedPipeBase_paths': {
      const p = new NamedPipe('test', { containerPath: '/bogus/container_path', hostPath: '/bogus/host_path' });
      expect({ container_path: p.containerPath, host_path: p.hostPath }).toEqual(c.expected);
      break;
    }
    default:
      throw new Error(`no handler for ${c.name}`);
  }
}

conformance(
  'docker.json',
  async (c) => {
    switch (c.kind) {
      case 'docker-expand':
        return expandCase(c);
      case 'demux': {
        let out = Buffer.alloc(0);
        const d = new Demultiplexer((_s, p) => (out = Buffer.concat([out, p])));
        for (const h of (c.input as Json).writes_hex as string[]) d.write(Buffer.from(h, 'hex'));
        expect(out.toString('utf8')).toBe(c.expected);
        return;
      }
      case 'progress':
        return progressCase(c);
      case 'transform':
        return transformCase(c);
      case 'docker-validate': {
        const task = parseTask(c.task!);
        expect(() => createDockerMode({ docker: engine.docker }).check!(task, runner)).toThrow(TaskSpecValidationError);
        // Refused before inputs are fetched or a container starts.
        await expect((async () => runner.execute(task, {}))()).rejects.toThrow(new RegExp(c.expected_error!.match));
        expect(creates).toEqual([]);
        return;
      }
      case 'docker-config': {
        const configs = (Array.isArray((c.input as Json).config) ? (c.input as Json).config : [(c.input as Json).config]) as Json[];
        const expected = c.expected as Json;
        for (const config of configs) {
          const policy = gcPolicyFromConfig(config);
          if (expected.subprocess_calls === 0) expect(policy).toBeUndefined();
          else expect(policy).toEqual({ maxAge: 123456, excludeImages: ['test/test:latest'] });
        }
        return;
      }
      case 'docker-run':
        return c.requires?.includes('docker') ? integrationRun(c) : mockedRun(c);
      default:
        throw new Error(`no handler for kind ${c.kind}`);
    }
  },
  {
    // The Girder transforms need a Girder server, not a Docker engine: test/conformance/docker-girder.spec.ts runs them.
    'docker.transforms.GirderFileIdToVolume': 'run against a real Girder in docker-girder.spec.ts',
    'docker.transforms.GirderFileIdToVolume_filename': 'run against a real Girder in docker-girder.spec.ts',
    'docker.transforms.GirderFolderIdToVolume': 'run against a real Girder in docker-girder.spec.ts',
    'docker.transforms.GirderUploadVolumePathToItem': 'run against a real Girder in docker-girder.spec.ts',
    'docker.transforms.ChunkedTransferEncoding_write':
      "Girder Worker's hand-written HTTP/1.1 chunked framing for streaming to a URL; taskcell pushes through Node's fetch, whose http stack frames bodies itself",
  },
);
