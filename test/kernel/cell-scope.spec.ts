// Cells over real zeromq sockets: the README's and the value-type examples compile in a cell, and a
// task that calls helpers and constants of other cells runs on threads and on a real `taskcell
// worker` behind a real redis-server, while what cannot travel is refused before it is sent.
import { Queue } from 'bullmq';
import { KernelClient } from './client';
import type { IExchange, IMsg } from './client';
import { startRedis } from '../pool/redis';
import type { IRedisServer } from '../pool/redis';
import { spawnWorker } from '../pool/workers';
import type { IWorkerProcess } from '../pool/workers';

const of = (iopub: IMsg[], type: string): IMsg[] => iopub.filter((m) => m.header.msg_type === type);
const stdout = (x: IExchange): string =>
  of(x.iopub, 'stream')
    .filter((m) => m.content.name === 'stdout')
    .map((m) => String(m.content.text))
    .join('');

/** Run a cell that must succeed; its stdout. */
async function ok(k: KernelClient, code: string): Promise<string> {
  const x = await k.execute(code);
  if (x.reply.content.status !== 'ok') {
    throw new Error(`cell failed: ${String(x.reply.content.ename)}: ${String(x.reply.content.evalue)}\n${code}`);
  }
  return stdout(x);
}

/** The last JSON line a cell printed. */
const printed = (out: string): Record<string, unknown> => JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;

describe('cells: the documented examples compile', () => {
  const k = new KernelClient();
  beforeAll(() => k.start());
  afterAll(() => k.close());

  it("runs the README's quick start as written", async () => {
    const out = await ok(
      k,
      [
        "import { task, workflow, run } from 'taskcell';",
        "const tokenize = task({ inputs: { text: 'string' }, outputs: { words: 'string_list' } },",
        '  ({ text }) => text.toLowerCase().match(/[a-z]+/g) ?? []);',
        "const count = task({ inputs: { words: 'string_list' }, outputs: { n: 'integer' } },",
        '  ({ words }) => new Set(words).size);',
        "const wf = workflow('distinct words')",
        "  .step('tokenize', tokenize)",
        "  .step('count', count)",
        "  .connect('tokenize.words', 'count.words');",
        "const result = await run(wf, { text: 'the cat saw the dog' }, { cache: false });",
        'console.log(JSON.stringify({ n: result.data.n }));',
      ].join('\n'),
    );
    expect(printed(out)).toEqual({ n: 4 });
  });

  it('passes a graph result to display.graph and an image result to display.image, takes an image literal without as const, and converts image to image:png in a workflow', async () => {
    const x = await k.execute(
      [
        "import { task, workflow, run, display } from 'taskcell';",
        "const ring = task({ inputs: { n: 'integer' }, outputs: { g: 'graph' } }, ({ n }) => ({",
        '  directed: false, multigraph: false, graph: {},',
        '  nodes: Array.from({ length: n }, (_, id) => ({ id })),',
        '  edges: Array.from({ length: n }, (_, i) => ({ source: i, target: (i + 1) % n })),',
        '}));',
        'const g = (await run(ring, { n: 3 }, { cache: false })).data.g;',
        'display.graph(g);',
        'const dot = { width: 1, height: 1, channels: 4, data: new Uint8Array([0, 128, 255, 255]) };',
        "const paint = task({ inputs: {}, outputs: { img: 'image' } }, () => dot);",
        "const b64 = task({ inputs: { png: 'image:png' }, outputs: { sig: 'string' } },",
        '  ({ png }) => String.fromCharCode(...png.subarray(1, 4)));',
        "const pipeline = workflow().step('paint', paint).step('b64', b64).connect('paint.img', 'b64.png');",
        'display.image((await run(paint, {}, { cache: false })).data.img);',
        'console.log(JSON.stringify({ sig: (await run(pipeline, {}, { cache: false })).data.sig }));',
      ].join('\n'),
    );
    expect(x.reply.content).toMatchObject({ status: 'ok' });
    expect(printed(stdout(x))).toEqual({ sig: 'PNG' });
    const graph = of(x.iopub, 'display_data')[0].content.data as Record<string, { edges: unknown[] }>;
    const png = Buffer.from(String((of(x.iopub, 'display_data')[1].content.data as Record<string, unknown>)['image/png']), 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(graph['application/vnd.taskcell.graph+json'].edges).toEqual([
      { source: 0, target: 1 },
      { source: 1, target: 2 },
      { source: 2, target: 0 },
    ]);
  });

  it('refuses to connect an image to a table at compile time', async () => {
    const x = await k.execute(
      [
        "import { task, workflow } from 'taskcell';",
        "const picture = task({ inputs: {}, outputs: { img: 'image' } }, () => ({ width: 1, height: 1, channels: 4, data: new Uint8Array(4) }));",
        "const rowCount = task({ inputs: { t: 'table' }, outputs: { n: 'integer' } }, ({ t }) => t.rows.length);",
        "workflow().step('picture', picture).step('rows', rowCount).connect('picture.img', 'rows.t');",
      ].join('\n'),
    );
    expect(x.reply.content).toMatchObject({ status: 'error', ename: 'CompileError [taskcell:compile]' });
    expect(String(x.reply.content.evalue)).toMatch(
      /^4:\d+ - Argument of type '(string|"rows\.t")' is not assignable to parameter of type 'never'/,
    );
  });
});

describe('cells: helpers of other cells cross to threads and workers', () => {
  const k = new KernelClient();
  let redis: IRedisServer;
  let worker: IWorkerProcess;
  let kernelPid: number;

  beforeAll(async () => {
    redis = await startRedis();
    worker = await spawnWorker(`${redis.url}?queue=cells`, 'cells-worker');
    await k.start();
    kernelPid = printed(await ok(k, 'console.log(JSON.stringify({ pid: process.pid }));')).pid as number;
    // Helpers, constants and imports, each in a cell of its own, as a notebook grows.
    await ok(
      k,
      "import { threadId } from 'node:worker_threads';\nimport * as path from 'node:path';\nimport { task, run } from 'taskcell';",
    );
    await ok(k, 'const FACTOR = 3;\nconst LABELS = { big: "big", small: "small" } as const;');
    await ok(k, 'function scale(x: number): number {\n  return x * FACTOR;\n}');
    await ok(k, 'const label = (x: number): string => `${scale(x) > 10 ? LABELS.big : LABELS.small}:${path.basename("/data/in.csv")}`;');
    await ok(
      k,
      'class Vec {\n  constructor(public x: number, public y: number) {}\n  norm(): number { return Math.hypot(this.x, this.y); }\n}',
    );
    await ok(
      k,
      [
        'const places: string[] = [];',
        'const helped = task(',
        "  { name: 'helped', inputs: { x: 'number' }, outputs: { y: 'number', label: 'string', norm: 'number', pid: 'integer', thread: 'integer' } },",
        '  ({ x }) => ({ y: scale(x), label: label(x), norm: new Vec(3, 4).norm(), pid: process.pid, thread: threadId }),',
        ');',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(async () => {
    await k.close();
    await worker?.stop();
    await redis?.stop();
  });

  let runs = 0;
  /** Run `helped` on `on` from a cell; its outputs and the kinds of place its events named. */
  const runOn = async (on: string): Promise<Record<string, unknown>> => {
    const r = `r${++runs}`;
    return printed(
      await ok(
        k,
        [
          `const ${r} = await run(helped, { x: 5 }, { on: ${JSON.stringify(on)}, cache: false, onEvent: (e) => { if (e.place) places.push(e.place.kind); } });`,
          `console.log(JSON.stringify({ ...${r}.data, places: [...new Set(places.splice(0))] }));`,
        ].join('\n'),
      ),
    );
  };

  it('runs a task using a helper function, a class, constants and imports from other cells on threads', async () => {
    const r = await runOn('threads');
    expect(r).toMatchObject({ y: 15, label: 'big:in.csv', norm: 5, pid: kernelPid, places: ['thread'] });
    expect(r.thread).toBeGreaterThan(0);
  });

  it('runs the same task on a remote worker (taskcell worker on a real Redis)', async () => {
    const r = await runOn(`${redis.url}?queue=cells`);
    expect(r).toMatchObject({ y: 15, label: 'big:in.csv', norm: 5, places: ['remote'] });
    expect(r.pid).not.toBe(kernelPid);
    expect(r.pid).toBe(worker.child.pid);
  });

  it('carries a helper declared in the same cell as the task', async () => {
    const out = await ok(
      k,
      [
        'const twice = (x: number): number => 2 * scale(x);',
        "const sameCell = task({ inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => twice(x) + 1);",
        "const same = await run(sameCell, { x: 2 }, { on: 'threads', cache: false });",
        'console.log(JSON.stringify(same.data));',
      ].join('\n'),
    );
    expect(printed(out)).toEqual({ y: 13 });
  });

  it("reads earlier cells' names written as shorthand properties, in the cell and in a task on threads", async () => {
    await ok(k, 'const xs = [1, 2, 3];\nconst offset = 4;');
    const out = await ok(
      k,
      [
        'const picked = { xs, offset, FACTOR };',
        "const short = task({ inputs: { n: 'number' }, outputs: { y: 'number' } }, ({ n }) => {",
        '  const got = { xs, offset };',
        '  return { y: got.xs.length * n + got.offset };',
        '});',
        "const shortRun = await run(short, { n: 2 }, { on: 'threads', cache: false });",
        'console.log(JSON.stringify({ picked, y: shortRun.data.y }));',
      ].join('\n'),
    );
    expect(printed(out)).toEqual({ picked: { xs: [1, 2, 3], offset: 4, FACTOR: 3 }, y: 10 });
  });

  it('carries the value a constant has when the task is sent, after a cell changed it', async () => {
    await ok(k, 'const FACTOR = 10;');
    expect(await runOn('threads')).toMatchObject({ y: 50, label: 'big:in.csv' });
    expect(await runOn(`${redis.url}?queue=cells`)).toMatchObject({ y: 50 });
  });

  it('refuses a live object, a socket, a package require and a cell-local variable before dispatch, naming each', async () => {
    const queue = 'refused';
    await ok(
      k,
      [
        "import * as net from 'node:net';",
        'class Counter {\n  n = 0;\n  inc(): number { return ++this.n; }\n}',
        'const counter = new Counter();',
        'const socket = new net.Socket();',
        'const settings = { retries: 2, conn: socket };',
      ].join('\n'),
    );
    const x = await k.execute(
      [
        'const events: string[] = [];',
        '// `local` is a parameter here, not a declaration of the notebook.',
        'const makeLeaky = (local: number) => task(',
        "  { name: 'leaky', inputs: { x: 'number' }, outputs: { y: 'number' } },",
        "  ({ x }) => x + counter.inc() + settings.retries + (socket.destroyed ? 1 : 0) + require('left-pad').length + local,",
        ');',
        'const leaky = makeLeaky(4);',
        'try {',
        `  await run(leaky, { x: 1 }, { on: ${JSON.stringify(`${redis.url}?queue=${queue}`)}, cache: false, onEvent: (e) => { if (e.place) events.push(e.place.kind); } });`,
        '} finally {',
        '  console.log(JSON.stringify({ events }));',
        '}',
      ].join('\n'),
    );
    expect(x.reply.content).toMatchObject({ status: 'error', ename: 'CaptureError [taskcell:capture]' });
    const message = String(x.reply.content.evalue);
    expect(message).toContain('Task "leaky" cannot run on a remote worker:');
    expect(message).toContain('`require("left-pad")` loads "left-pad", which a worker may not have');
    expect(message).toContain('`counter` is a live object (a Counter), which cannot be copied');
    expect(message).toContain('`settings` holds at .conn a live object (a Socket), which cannot be copied');
    expect(message).toContain('`socket` is a live object (a Socket), which cannot be copied');
    expect(message).toContain('`local` is a variable of a cell, not of the notebook');
    expect(printed(stdout(x))).toEqual({ events: [] });
    // Nothing reached the queue: no worker serves it, so a job sent there would still wait.
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
    try {
      expect(Object.values(await q.getJobCounts()).reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await q.close();
    }
    // The same task on threads is refused the same way, and the kernel's own run still works.
    const threads = await k.execute("await run(leaky, { x: 1 }, { on: 'threads', cache: false });");
    expect(threads.reply.content).toMatchObject({ status: 'error', ename: 'CaptureError [taskcell:capture]' });
    expect(String(threads.reply.content.evalue)).toContain('Task "leaky" cannot run on a thread:');
  });
});
