// Reading a 100,000-document collection through the mongodb binding (a task's input, `run()` with the
// cache off) against the raw driver's find().toArray() on an already connected client, in the same
// run, against a FerretDB v1 started here (.ci/services/60-ferretdb.mjs builds it).
//   node bench/mongodb.bench.mjs   (after `npm run build`; BENCH_DOCS, BENCH_REPS to change)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
const { MongoClient } = require('mongodb');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const REPS = Number(process.env.BENCH_REPS ?? 5);

const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'tc-bench-ferretdb-'));
const server = spawn(
  join(root, '.tools', 'bin', 'ferretdb'),
  [
    `--listen-addr=127.0.0.1:${port}`,
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`,
    `--state-dir=${dir}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=error',
  ],
  { stdio: 'ignore' },
);
try {
  for (let up = false; !up;) {
    up = await new Promise((res) => {
      const s = connect({ host: '127.0.0.1', port }, () => (s.destroy(), res(true))).once('error', () => res(false));
    });
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  const client = await new MongoClient(`mongodb://127.0.0.1:${port}`).connect();
  const collection = client.db('bench').collection('docs');
  for (let i = 0; i < DOCS; i += 10_000) {
    const batch = [];
    for (let j = i; j < Math.min(i + 10_000, DOCS); j++)
      batch.push({ i: j, name: `row ${j}`, x: j / 7, ok: j % 2 === 0, tags: ['a', 'b'] });
    await collection.insertMany(batch);
  }

  core.setRunner(core.createRunner({ cacheDir: mkdtempSync(join(tmpdir(), 'tc-bench-')) }));
  const task = (format) => ({
    mode: 'javascript',
    script: 'n = t.length',
    inputs: [{ name: 't', type: 'table', format }],
    outputs: [{ name: 'n', type: 'number', format: 'number' }],
  });
  const binding = (format) => ({ mode: 'mongodb', host: `127.0.0.1:${port}`, db: 'bench', collection: 'docs', format });
  const sides = {
    'raw driver find().toArray()': async () => (await collection.find({}).toArray()).length,
    'mongodb binding, objectlist': async () => (await core.run(task('objectlist'), { t: binding('objectlist') }, { cache: false })).data.n,
    'raw driver find({raw}) concat': async () => Buffer.concat(await collection.find({}, { raw: true }).toArray()).length,
    'mongodb binding, objectlist.bson': async () =>
      (await core.run(task('objectlist.bson'), { t: binding('objectlist.bson') }, { cache: false })).data.n,
  };
  const times = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (const f of Object.values(sides)) await f(); // warm up: the driver's import, FerretDB's page cache
  for (let r = 0; r < REPS; r++) {
    for (const [name, f] of Object.entries(sides)) {
      globalThis.gc?.();
      const t0 = process.hrtime.bigint();
      const n = await f();
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (name.includes('objectlist') && !name.includes('bson') && n !== DOCS)
        throw new Error(`${name} read ${n} documents, expected ${DOCS}`);
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  for (const [k, v] of Object.entries(m))
    console.log(`${k.padEnd(34)} ${v.toFixed(0).padStart(6)} ms (median of ${REPS}, ${DOCS} documents)`);
  console.log(
    `ratio raw/binding (objectlist)      ${(m['raw driver find().toArray()'] / m['mongodb binding, objectlist']).toFixed(2)}x  (target >= 0.8x)`,
  );
  console.log(
    `ratio raw/binding (objectlist.bson) ${(m['raw driver find({raw}) concat'] / m['mongodb binding, objectlist.bson']).toFixed(2)}x`,
  );
  await client.close();
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
