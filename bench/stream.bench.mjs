// Streaming edges. (1) JS -> JS in one process: a workflow whose producer step yields N numbers
// into a streaming edge its consumer step sums, against a plain Node stream pipeline
// (Readable.from of the same generator into an object-mode Writable that sums), alternating,
// median of each; target >= 0.8x the pipeline's throughput. (2) docker -> docker: a container
// writing BENCH_MIB MiB into its output pipe, read by a second container through this process,
// against `dd | cat | cat | wc -c` of the same bytes on the host; target >= 0.5x. The containers'
// rate is given twice: over the whole run (two container starts included, ~1 s each on a vfs
// engine), and over the time the bytes flow (from the moment both containers have printed that they
// start, to the end of the run).
//   node bench/stream.bench.mjs   (after `npm run build`; BENCH_ITEMS, BENCH_MIB, BENCH_RUNS)
// The docker part uses the engine at DOCKER_HOST, or (as root) starts a private dockerd.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { build, engine } from './docker-engine.mjs';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
const { createDockerMode } = require('../packages/docker/lib/index.js');
const ITEMS = Number(process.env.BENCH_ITEMS ?? 1_000_000);
const MIB = Number(process.env.BENCH_MIB ?? 512);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const IMAGE = 'taskcell-bench/busybox:latest';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = async (f) => {
  const t0 = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
};

async function* numbers(n) {
  for (let i = 0; i < n; i++) yield i;
}
const expected = (ITEMS * (ITEMS - 1)) / 2;

// (1) JS -> JS
const runner = core.createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-bench-stream-')) });
const produce = core.task({ name: 'produce', inputs: { n: 'number' }, outputs: { items: { type: 'number', stream: true } } }, ({ n }) =>
  numbers(n),
);
const consume = core.task(
  { name: 'consume', inputs: { items: { type: 'number', stream: true } }, outputs: { sum: 'number' } },
  async ({ items }) => {
    let sum = 0;
    for await (const x of items) sum += x;
    return sum;
  },
);
const wf = core.workflow('stream').step('produce', produce).step('consume', consume).connect('produce', 'consume', { items: 'items' });
const edge = async () => {
  const r = await runner.execute(wf.spec, { n: ITEMS }, { cache: false });
  if (r.data.sum !== expected) throw new Error(`the workflow summed ${r.data.sum}, expected ${expected}`);
};
const nodePipeline = async () => {
  let sum = 0;
  await pipeline(
    Readable.from(numbers(ITEMS)),
    new Writable({
      objectMode: true,
      write(x, _enc, cb) {
        sum += x;
        cb();
      },
    }),
  );
  if (sum !== expected) throw new Error(`the pipeline summed ${sum}, expected ${expected}`);
};
await edge();
await nodePipeline();
const tEdge = [];
const tNode = [];
for (let i = 0; i < RUNS; i++) {
  tEdge.push(await seconds(edge));
  tNode.push(await seconds(nodePipeline));
}
const a = ITEMS / median(tEdge);
const b = ITEMS / median(tNode);
console.log(`streaming edge JS -> JS (taskcell workflow)   ${(a / 1e6).toFixed(2)} M items/s (median of ${RUNS}, ${ITEMS} items)`);
console.log(`Node Readable.from -> Writable (objectMode)    ${(b / 1e6).toFixed(2)} M items/s`);
console.log(`ratio edge/pipeline                            ${(a / b).toFixed(2)}x (target >= 0.8x)`);

// (2) docker -> docker
if (process.env.BENCH_SKIP_DOCKER) process.exit(0);
const e = await engine();
try {
  await build(e.docker, IMAGE);
  runner.modes.register(createDockerMode({ docker: e.docker }));
  const bytes = MIB * 1024 * 1024;
  const dd = `dd if=/dev/zero bs=65536 count=${MIB * 16}`;
  const pipes = core
    .workflow('pipes')
    .step('write', {
      mode: 'docker',
      docker_image: IMAGE,
      container_args: ['sh', '-c', `echo go; ${dd} 2>/dev/null > /mnt/girder_worker/data/out`],
      inputs: [],
      outputs: [{ id: 'out', type: 'string', format: 'text', target: 'filepath', stream: true }],
    })
    .step('read', {
      mode: 'docker',
      docker_image: IMAGE,
      container_args: ['sh', '-c', 'echo go >&2; wc -c < /mnt/girder_worker/data/src'],
      inputs: [{ id: 'src', type: 'string', format: 'text', target: 'filepath', stream: true }],
      outputs: [{ id: '_stdout', type: 'string', format: 'text' }],
    })
    .connect('write', 'read', { out: 'src' });
  /** Seconds of the whole run, and seconds from both containers' "go" to its end. */
  const containers = async () => {
    const t0 = process.hrtime.bigint();
    const went = [];
    const onEvent = (ev) => {
      if (ev.kind === 'log' && ev.log?.line === 'go') went.push(process.hrtime.bigint());
    };
    const r = await runner.execute(pipes.spec, {}, { cache: false, onEvent });
    const t1 = process.hrtime.bigint();
    if (Number(String(r.data._stdout).trim()) !== bytes) throw new Error(`the reader counted ${r.data._stdout}, expected ${bytes}`);
    if (went.length !== 2) throw new Error(`expected both containers to say go, got ${went.length}`);
    const later = went[0] > went[1] ? went[0] : went[1];
    return { whole: Number(t1 - t0) / 1e9, flow: Number(t1 - later) / 1e9 };
  };

  const host = async () => {
    const r = spawnSync('sh', ['-c', `busybox ${dd} 2>/dev/null | cat | cat | busybox wc -c`], { encoding: 'utf8' });
    if (Number(r.stdout.trim()) !== bytes) throw new Error(`the host pipeline counted ${r.stdout}: ${r.stderr}`);
  };
  await containers();
  const tWhole = [];
  const tFlow = [];
  const tH = [];
  const runs = Math.max(1, Math.min(RUNS, 3));
  for (let i = 0; i < runs; i++) {
    const t = await containers();
    tWhole.push(t.whole);
    tFlow.push(t.flow);
    tH.push(await seconds(host));
  }
  const whole = MIB / median(tWhole);
  const flow = MIB / median(tFlow);
  const h = MIB / median(tH);
  console.log(`docker -> docker through named pipes, flowing  ${flow.toFixed(0)} MiB/s (median of ${runs}, ${MIB} MiB)`);
  console.log(`  the same, container starts included          ${whole.toFixed(0)} MiB/s`);
  console.log(`dd | cat | cat | wc -c on the host             ${h.toFixed(0)} MiB/s`);
  console.log(`ratio containers/host, flowing                 ${(flow / h).toFixed(2)}x (target >= 0.5x)`);
  console.log(`ratio containers/host, starts included         ${(whole / h).toFixed(2)}x`);
} finally {
  await e.stop();
}
