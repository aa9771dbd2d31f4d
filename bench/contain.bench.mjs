/**
 * What the containment check costs on a 10,000-file directory output. A container's directory
 * output is handed on after `contain` (its path resolved through links, inside the data directory)
 * and `containTree` (no link in it points out); the output then goes where its port says, here
 * archived as a tgz (`tgzDirectory`, what a `directory/tgz` output or push does). Peer, in the same
 * run: the same hand-on and archive without the check; the ratio is (archive + check) / archive from
 * their medians (robust on a loaded machine), and the two timed together are printed beside it. A
 * tenth of the files are relative links that stay inside the tree, so the check resolves links as
 * well as listing the tree.
 *
 * Run after building core: `npm run build && node bench/contain.bench.mjs [files]`.
 */
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { contain, containTree, tgzDirectory } = require('@taskcell/core');

const FILES = Number(process.argv[2] ?? 10000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

const data = mkdtempSync(join(tmpdir(), 'tc-bench-contain-'));
const out = join(data, 'out');
// 100 folders of FILES/100 entries: 90% small files, 10% links to a file in the next folder.
const perDir = Math.ceil(FILES / 100);
for (let d = 0; d < 100; d++) {
  const dir = join(out, `part-${d}`);
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f < perDir; f++) {
    if (f % 10 === 9) symlinkSync(`../part-${(d + 1) % 100}/f-0.txt`, join(dir, `link-${f}`));
    else writeFileSync(join(dir, `f-${f}.txt`), `folder ${d} file ${f}\n`);
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

let entries = 0;
const checkOnly = () => {
  contain(data, 'out');
  entries = containTree(data, out);
};
const withCheck = async () => {
  checkOnly();
  await tgzDirectory(out, join(data, 'with.tgz'));
};
const withoutCheck = async () => {
  await tgzDirectory(out, join(data, 'without.tgz'));
};

try {
  for (let i = 0; i < 2; i++) {
    await withCheck();
    await withoutCheck();
  }
  const ours = [];
  const peer = [];
  const check = [];
  // Alternate which goes first (ABBA), so both see the same page cache, heap and machine state.
  for (let i = 0; i < ROUNDS; i++) {
    globalThis.gc?.();
    if (i % 2 === 0) {
      ours.push(await time(withCheck));
      peer.push(await time(withoutCheck));
    } else {
      peer.push(await time(withoutCheck));
      ours.push(await time(withCheck));
    }
    check.push(await time(checkOnly));
  }
  const a = median(ours);
  const b = median(peer);
  // Paired: each round's with/without ratio, so drift in the machine's load between rounds cancels.
  const paired = median(ours.map((o, i) => o / peer[i]));
  console.log(`contain: a directory output of ${entries} entries (${FILES} files, a tenth of them links inside the tree)`);
  console.log(`containment check alone          median ${median(check).toFixed(1)} ms over ${ROUNDS} rounds`);
  console.log(`check + archive (path -> tgz)    median ${a.toFixed(1)} ms`);
  console.log(`archive alone (peer)             median ${b.toFixed(1)} ms`);
  const c = median(check);
  console.log(
    `ratio with / without the check = ${((b + c) / b).toFixed(3)} ((archive + check) / archive, from their medians: ${((c / b) * 100).toFixed(1)}% cost; target <= 5%)`,
  );
  console.log(`ratio with / without, timed together = ${paired.toFixed(3)} (median of paired rounds; noisy on a loaded machine)`);
} finally {
  rmSync(data, { recursive: true, force: true });
}
