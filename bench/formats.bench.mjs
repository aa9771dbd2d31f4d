// The cost of a conversion path lookup (cached, and the first BFS after a registry change),
// against a plain Map lookup of the same key in the same run.
//   node bench/formats.bench.mjs   (after `npm run build`)
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');

const formats = core.createRunner({ cacheDir: '/tmp/tc-bench-formats' }).formats;
const pairs = [];
for (const type of formats.types())
  for (const from of formats.formats(type)) for (const to of formats.formats(type)) pairs.push([type, from, to]);
const N = 2_000_000;
const ns = () => process.hrtime.bigint();

for (const [t, f, g] of pairs) formats.converterPath(t, f, g);
let t0 = ns();
let hits = 0;
for (let i = 0; i < N; i++) {
  const [t, f, g] = pairs[i % pairs.length];
  if (formats.converterPath(t, f, g)) hits++;
}
const cached = Number(ns() - t0) / N;

const map = new Map(pairs.map(([t, f, g]) => [`${t}\u0000${f}\u0000${g}`, [f, g]]));
t0 = ns();
for (let i = 0; i < N; i++) {
  const [t, f, g] = pairs[i % pairs.length];
  if (map.get(`${t}\u0000${f}\u0000${g}`)) hits++;
}
const plain = Number(ns() - t0) / N;

// Uncached: a registration clears the cache, so every lookup after it searches again.
const REPS = 20;
t0 = ns();
for (let r = 0; r < REPS; r++) {
  const d = formats.registerType({ name: `bench${r}`, nativeFormat: 'x' });
  for (const [t, f, g] of pairs) formats.converterPath(t, f, g);
  d.dispose();
}
const cold = Number(ns() - t0) / (REPS * pairs.length);

console.log(`conversion path lookup over ${pairs.length} (type, from, to) pairs, ${hits} found`);
console.log(`  cached lookup                  ${cached.toFixed(0)} ns/call`);
console.log(`  plain Map.get of the same key  ${plain.toFixed(0)} ns/call`);
console.log(`  ratio cached/Map.get           ${(cached / plain).toFixed(2)}x`);
console.log(`  first lookup (BFS) after a registry change  ${cold.toFixed(0)} ns/call`);
