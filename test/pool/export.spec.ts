// Task bundles: a notebook (a helper and a constant in cell 1, an npm import in cell 2, the task in
// cell 3) exported with `taskcell export`, then run with `taskcell run` in empty folders: in-process,
// on threads and by a real `taskcell worker` (itself in another empty folder) behind a real
// redis-server, each giving the notebook's result under the notebook's cache key.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelClient } from '../kernel/client';
import type { IExchange } from '../kernel/client';
import { ROOT, startRedis } from './redis';
import type { IRedisServer } from './redis';
import { spawnWorker } from './workers';
import type { IWorkerProcess } from './workers';

const CLI = join(ROOT, 'kernel', 'bin', 'taskcell.js');
const FIXTURE = join(__dirname, 'fixtures', 'promote', 'pipeline.ipynb');
const INPUTS = ['--input', 'text=the quick brown fox jumps', '--input', 'budget=2s'];
const empty = (what: string) => mkdtempSync(join(tmpdir(), `tc-export-${what}-`));

let redis: IRedisServer;
let worker: IWorkerProcess;
/** A worker given no bundle folder, of a queue whose clients and workers share an artifact store. */
let storeWorker: IWorkerProcess;
let storeUrl: string;
let notebook: string;
let out: string;
let exported: { status: number | null; stdout: string; stderr: string };
let exportedWorkflow: { status: number | null; stdout: string; stderr: string };
const kernel = new KernelClient();
/** What the notebook itself computed, and the cache key it used. */
let inNotebook: { total: number; key: string; spec: Record<string, unknown> };

/** `taskcell ARGS` in `cwd` with its own empty cache. */
function taskcell(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, TASKCELL_CACHE_DIR: empty('cache') } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The cache keys in `--events` output. */
const cacheKeys = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { kind: string; cache?: { key?: string } })
    .filter((e) => e.kind === 'cache')
    .map((e) => e.cache!.key!);

const stdoutOf = (x: IExchange): string =>
  x.iopub
    .filter((m) => m.header.msg_type === 'stream' && m.content.name === 'stdout')
    .map((m) => String(m.content.text))
    .join('');

beforeAll(async () => {
  const dir = empty('notebook');
  notebook = join(dir, 'pipeline.ipynb');
  copyFileSync(FIXTURE, notebook);
  out = empty('out');
  redis = await startRedis();
  worker = await spawnWorker(
    `${redis.url}?queue=export`,
    'export-worker',
    ['--bundles', out],
    { ...process.env, TASKCELL_CACHE_DIR: empty('wcache') },
    empty('worker'),
  );
  storeUrl = `${redis.url}?queue=export-store&store=${empty('store')}`;
  storeWorker = await spawnWorker(storeUrl, 'store-worker', [], { ...process.env, TASKCELL_CACHE_DIR: empty('scache') }, empty('worker'));
  exported = spawnSync(process.execPath, [CLI, 'export', notebook, '--task', 'score', '--out', out], {
    cwd: empty('cwd'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  exportedWorkflow = spawnSync(process.execPath, [CLI, 'export', notebook, '--workflow', 'pipeline', '--out', out], {
    cwd: empty('cwd'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  // The notebook run in the kernel, cell by cell, then the task run in it and exported from a cell.
  await kernel.start(dir);
  const cells = (JSON.parse(readFileSync(notebook, 'utf8')) as { cells: Array<{ source: string | string[] }> }).cells.map((c) =>
    Array.isArray(c.source) ? c.source.join('') : c.source,
  );
  for (const code of cells.slice(0, 3)) {
    const x = await kernel.execute(code);
    if (x.reply.content.status !== 'ok') throw new Error(`cell failed: ${String(x.reply.content.evalue)}\n${code}`);
  }
  const x = await kernel.execute(
    [
      "import { exportTask } from 'taskcell';",
      'const keys: string[] = [];',
      "const r = await run(score, { text: 'the quick brown fox jumps', budget: '2s' }, { onEvent: (e) => void (e.kind === 'cache' && keys.push(e.cache!.key!)) });",
      "const done = await exportTask(score, 'cell-out');",
      "console.log(JSON.stringify({ total: r.data.total, key: keys[0], spec: JSON.parse(require('fs').readFileSync(done.spec, 'utf8')) }));",
    ].join('\n'),
  );
  if (x.reply.content.status !== 'ok') throw new Error(`cell failed: ${String(x.reply.content.evalue)}`);
  inNotebook = JSON.parse(stdoutOf(x).trim().split('\n').pop()!) as typeof inNotebook;
}, 240_000);

afterAll(async () => {
  await kernel.close();
  await worker?.stop();
  await storeWorker?.stop();
  await redis?.stop();
}, 60_000);

test('taskcell export writes the spec and its bundle, listing the frozen value and the bundled package', () => {
  expect(exported.stderr).toBe('');
  expect(exported.status).toBe(0);
  expect(exported.stdout).toMatch(/values frozen into the bundle .*: WEIGHTS/);
  expect(exported.stdout).toContain('packages bundled: ms');
  const spec = JSON.parse(readFileSync(join(out, 'score.json'), 'utf8')) as Record<string, unknown>;
  expect(spec).toMatchObject({ name: 'score', mode: 'javascript', module: './score.mjs', frozen: ['WEIGHTS'] });
  expect(spec.function).toBeUndefined();
  // The same task exported from a cell with exportTask gives the same spec.
  expect(inNotebook.spec).toEqual(spec);
  // The bundle holds the package (no import of "ms" is left for a worker to resolve).
  expect(readFileSync(join(out, 'score.mjs'), 'utf8')).not.toMatch(/from\s*["']ms["']/);
});

test.each([
  ['in-process', []],
  ['threads', ['--on', 'threads']],
  ['a taskcell worker', ['--on', 'REDIS']],
])(
  'taskcell run of the export in an empty folder (%s) gives the notebook result under the notebook key',
  async (_where, on) => {
    expect(inNotebook.total).toBe(13);
    const args = on.map((a) => (a === 'REDIS' ? `${redis.url}?queue=export` : a));
    const r = await taskcell(['run', join(out, 'score.json'), ...INPUTS, ...args, '--events'], empty('run'));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ total: { format: 'number', data: inNotebook.total } });
    expect(cacheKeys(r.stderr)).toEqual([inNotebook.key]);
  },
  60_000,
);

test('a worker finds a bundle that is not at its spec path in its --bundles folder', async () => {
  const moved = empty('moved');
  cpSync(out, moved, { recursive: true });
  rmSync(join(moved, 'score.mjs'));
  const r = await taskcell(['run', join(moved, 'score.json'), ...INPUTS, '--on', `${redis.url}?queue=export`, '--no-cache'], empty('run'));
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual({ total: { format: 'number', data: 13 } });
  // Run here instead, it cannot be found and says where it looked.
  const here = await taskcell(['run', join(moved, 'score.json'), ...INPUTS, '--no-cache'], empty('run'));
  expect(here.status).toBe(1);
  expect(here.stderr).toContain('its bundle "score.mjs" is not here');
}, 60_000);

test('a task capturing a Map is refused, naming it', () => {
  const r = spawnSync(process.execPath, [CLI, 'export', notebook, '--task', 'lookup', '--out', empty('refused')], {
    cwd: empty('cwd'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('Task "lookup" cannot be exported: `seen` is a Map, which is not JSON-able');
}, 120_000);

test('taskcell export --workflow writes the workflow with every step bundled', () => {
  expect(exportedWorkflow.stderr).toBe('');
  expect(exportedWorkflow.status).toBe(0);
  const spec = JSON.parse(readFileSync(join(out, 'pipeline.json'), 'utf8')) as {
    mode: string;
    steps: Array<{ task: Record<string, unknown> }>;
  };
  expect(spec.mode).toBe('workflow');
  expect(spec.steps.map((s) => s.task.module)).toEqual(['./pipeline.tokens.mjs', './pipeline.weigh.mjs']);
  expect(exportedWorkflow.stdout).toContain('weigh.WEIGHTS');
});

test.each([
  ['in-process', [], undefined],
  ['threads', ['--on', 'threads'], 'thread'],
  ['a taskcell worker', ['--on', 'REDIS'], 'remote'],
])(
  'taskcell run of the exported workflow (%s) gives the notebook result, each step run there',
  async (_where, on, kind) => {
    const args = on.map((a) => (a === 'REDIS' ? `${redis.url}?queue=export` : a));
    const r = await taskcell(['run', join(out, 'pipeline.json'), ...INPUTS, ...args, '--events'], empty('run'));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ total: { format: 'number', data: 13 } });
    const running = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { kind: string; state?: string; step?: string; place?: { kind: string } })
      .filter((e) => e.kind === 'state' && e.state === 'RUNNING' && e.step !== undefined);
    expect(running.map((e) => e.step).sort()).toEqual(['tokens', 'weigh']);
    for (const e of running) expect(e.place?.kind).toBe(kind ?? 'in-process');
  },
  60_000,
);

test('a worker finds a bundle in the artifact store a client put it in', async () => {
  const moved = empty('moved');
  cpSync(out, moved, { recursive: true });
  const first = await taskcell(['run', join(moved, 'score.json'), ...INPUTS, '--on', storeUrl, '--no-cache'], empty('run'));
  expect(first.stderr).toBe('');
  expect(JSON.parse(first.stdout)).toEqual({ total: { format: 'number', data: 13 } });
  const codeId = (JSON.parse(readFileSync(join(out, 'score.json'), 'utf8')) as { code_id: string }).code_id;
  const store = new URL(storeUrl).searchParams.get('store')!;
  expect(readdirSync(join(store, 'bundles'))).toEqual([`${codeId}.mjs`]);
  // Gone from where the spec says, the bundle is still found in the store.
  rmSync(join(moved, 'score.mjs'));
  const again = await taskcell(['run', join(moved, 'score.json'), ...INPUTS, '--on', storeUrl, '--no-cache'], empty('run'));
  expect(again.stderr).toBe('');
  expect(JSON.parse(again.stdout)).toEqual({ total: { format: 'number', data: 13 } });
}, 60_000);
