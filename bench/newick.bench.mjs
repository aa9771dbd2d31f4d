/**
 * Newick parsing speed: `parseNewick` on a generated 100,000-leaf tree against `JSON.parse` of the
 * same tree as nested JSON (the text `nested.json` holds), in the same run. Both produce the same
 * nested objects; the Newick parser also computes every node's cumulative weight.
 *
 * Run after building core: `npm run build && node bench/newick.bench.mjs [leaves]`.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parseNewick, writeNewick } = require('@taskcell/core');

const LEAVES = Number(process.argv[2] ?? 100000);
const ROUNDS = 15;

/** A random binary tree with `leaves` tips, named taxa and branch lengths, from a fixed seed. */
function generate(leaves) {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const length = () => String(Number((random() * 0.5).toFixed(6)));
  // Build bottom-up: repeatedly join two random subtrees, as a coalescent would.
  const pool = [];
  for (let i = 0; i < leaves; i++) pool.push(`taxon_${i}:${length()}`);
  while (pool.length > 1) {
    const k = Math.floor(random() * pool.length);
    const a = pool[k];
    pool[k] = pool[pool.length - 1];
    pool.pop();
    const j = Math.floor(random() * pool.length);
    pool[j] = `(${a},${pool[j]}):${length()}`;
  }
  return `${pool[0].slice(0, pool[0].lastIndexOf(':'))};`;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const newick = generate(LEAVES);
const tree = parseNewick(newick);
if (writeNewick(tree) !== newick) throw new Error('newick round trip changed the text');
const json = JSON.stringify(tree);

// Warm both up, then alternate rounds so both see the same machine state.
for (let i = 0; i < 3; i++) {
  parseNewick(newick);
  JSON.parse(json);
}
const ours = [];
const peer = [];
for (let i = 0; i < ROUNDS; i++) {
  ours.push(time(() => parseNewick(newick)));
  peer.push(time(() => JSON.parse(json)));
}
const a = median(ours);
const b = median(peer);
console.log(`newick: ${LEAVES} leaves, ${(newick.length / 1e6).toFixed(2)} MB newick, ${(json.length / 1e6).toFixed(2)} MB nested JSON`);
console.log(`parseNewick          median ${a.toFixed(1)} ms over ${ROUNDS} rounds`);
console.log(`JSON.parse (nested)  median ${b.toFixed(1)} ms over ${ROUNDS} rounds`);
console.log(`ratio parseNewick / JSON.parse = ${(a / b).toFixed(2)}`);
