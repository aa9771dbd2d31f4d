// Task bundles and the shared result store:
//  - exportTask of a task that imports a sizable npm package (lodash, CommonJS, ~540 kB) against its
//    peer, esbuild alone bundling the same entry (what exportTask adds: the scope analysis, the spec);
//  - a result-cache hit found in the shared Redis store (a fresh runner with an empty local cache)
//    against a hit in the local cache, on the same redis-server.
//   node bench/export.bench.mjs      (after `npm run build`; needs redis-server on PATH)
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from './redis-server.mjs';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
const pool = require('../packages/pool/lib/index.js');
const { exportTask } = require('../kernel/lib/export.js');
const esbuild = require('esbuild');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

// --- Export: a task whose cell imports lodash (`import _ from 'lodash'`).
const scope = core.setTaskScope({ lookup: (n) => (n === '_' ? { kind: 'import', module: 'lodash', name: 'default' } : undefined) });
// eslint-disable-next-line no-undef -- `_` is the notebook's import, resolved through the scope above
const chunked = core.task({ name: 'chunked', inputs: { xs: 'number_list' }, outputs: { n: 'integer' } }, ({ xs }) => _.chunk(xs, 2).length);
const out = mkdtempSync(join(tmpdir(), 'tc-bench-export-'));
const REPS = 7;
const exportTimes = [];
let bytes = 0;
for (let i = 0; i < REPS; i++) {
  const t0 = process.hrtime.bigint();
  bytes = (await exportTask(chunked, out, { resolveDir: process.cwd() })).bytes;
  exportTimes.push(ms(t0));
}
const entry = "import _ from 'lodash';\nexport default ({ xs }) => _.chunk(xs, 2).length;\n";
const peerTimes = [];
for (let i = 0; i < REPS; i++) {
  const t0 = process.hrtime.bigint();
  const r = await esbuild.build({
    stdin: { contents: entry, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    outfile: join(out, 'peer.mjs'),
  });
  void r.outputFiles[0].contents.byteLength;
  peerTimes.push(ms(t0));
}
scope.dispose();
rmSync(out, { recursive: true, force: true });
const ex = median(exportTimes);
const peer = median(peerTimes);
console.log(`exportTask, lodash task (${(bytes / 1024).toFixed(0)} kB bundle)   ${ex.toFixed(1)} ms (median of ${REPS}; target < 1000 ms)`);
console.log(`peer: esbuild alone, same entry             ${peer.toFixed(1)} ms`);
console.log(`ratio exportTask/esbuild                    ${(ex / peer).toFixed(2)}x`);

// --- Shared result store: a remote hit (Redis) against a local hit (memory), same tasks and inputs.
const redis = await startRedisServer();
await new Promise((r) => setTimeout(r, 300));
const url = redis.url;
const inc = core.task({ name: 'inc', inputs: { x: 'number' }, outputs: { y: 'number' } }, ({ x }) => x + 1);
const N = Number(process.env.BENCH_N ?? 2000);
const fresh = () => {
  const r = core.createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-bench-cache-')) });
  const store = pool.shareResults(r, url);
  core.setRunner(r);
  return { r, store };
};
const a = fresh();
for (let i = 0; i < N; i++) await core.run(inc, { x: i });
await a.store.flush();
let t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) await core.run(inc, { x: i });
const local = (ms(t0) * 1000) / N;
const b = fresh();
t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) await core.run(inc, { x: i });
const remote = (ms(t0) * 1000) / N;
console.log(`result-cache hit, local (memory)            ${local.toFixed(1)} us/task`);
console.log(`result-cache hit, shared (Redis, one task at a time)  ${remote.toFixed(1)} us/task`);
console.log(`ratio remote hit/local hit                  ${(remote / local).toFixed(1)}x`);
await a.store.close();
await b.store.close();
redis.stop();
