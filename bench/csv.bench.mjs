// CSV -> rows against papaparse alone (header + dynamic typing) on the same generated text, and the
// peak memory of streaming a large CSV to JSON lines through `taskcell convert`.
//   node bench/csv.bench.mjs            (after `npm run build`)
//   BENCH_CSV_MB=50 BENCH_STREAM_MB=1024 to change the sizes (defaults: 50 and 1024)
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, statSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
const Papa = require('papaparse');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const MB = Number(process.env.BENCH_CSV_MB ?? 50);
const STREAM_MB = Number(process.env.BENCH_STREAM_MB ?? 1024);

/** A CSV of `mb` megabytes: ints, floats, short strings, quoted strings with commas, empty cells. */
function row(i) {
  return `${i},${(i * 0.37).toFixed(3)},name${i % 1000},"city ${i % 97}, state ${i % 13}",${i % 7 === 0 ? '' : i % 50},${i % 2 ? 'yes' : 'no'}\n`;
}
const header = 'id,value,name,place,count,flag\n';
function generate(mb) {
  const parts = [header];
  let size = header.length;
  for (let i = 0; size < mb * 1e6; i++) {
    const r = row(i);
    parts.push(r);
    size += r.length;
  }
  return parts.join('');
}

const text = generate(MB);
const best = (fn, reps = 3) => {
  let min = Infinity;
  for (let r = 0; r < reps; r++) {
    globalThis.gc?.();
    const t0 = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return min;
};
let papaRows = 0;
let ourRows = 0;
const papa = best(() => (papaRows = Papa.parse(text, { header: true, dynamicTyping: true, skipEmptyLines: true }).data.length));
const ours = best(() => (ourRows = core.csvToRows(text).rows.length));
if (papaRows !== ourRows) throw new Error(`row counts differ: ${papaRows} vs ${ourRows}`);
const mb = text.length / 1e6;
console.log(`csv -> rows, ${mb.toFixed(0)} MB, ${ourRows.toLocaleString('en')} rows`);
console.log(`  taskcell csvToRows     ${(mb / ours).toFixed(1)} MB/s`);
console.log(`  papaparse alone        ${(mb / papa).toFixed(1)} MB/s  (header, dynamicTyping)`);
console.log(`  ratio taskcell/papaparse ${(papa / ours).toFixed(2)}x  (target >= 0.9)`);

// Streaming: write a STREAM_MB file, convert it with the CLI, sample the child's peak RSS.
const big = join(tmpdir(), `taskcell-bench-${STREAM_MB}mb.csv`);
if (!existsSync(big) || statSync(big).size < STREAM_MB * 1e6) {
  const out = createWriteStream(big);
  out.write(header);
  let size = header.length;
  for (let i = 0; size < STREAM_MB * 1e6; i++) {
    const r = row(i);
    size += r.length;
    if (!out.write(r)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
const t0 = Date.now();
const child = spawn(process.execPath, [join(root, 'kernel', 'bin', 'taskcell.js'), 'convert', '--type', 'table', '--from', 'csv', '--to', 'jsonlines', big], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let bytesOut = 0;
child.stdout.on('data', (d) => (bytesOut += d.length));
let peak = 0;
const timer = setInterval(() => {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
  } catch {
    // the child has ended
  }
}, 50);
const [code] = await once(child, 'exit');
clearInterval(timer);
const secs = (Date.now() - t0) / 1000;
console.log(`stream csv -> jsonlines, ${(statSync(big).size / 1e6).toFixed(0)} MB in, ${(bytesOut / 1e6).toFixed(0)} MB out, exit ${code}`);
console.log(`  peak RSS ${(peak / 1024).toFixed(0)} MB  (target < 200 MB)`);
console.log(`  ${(statSync(big).size / 1e6 / secs).toFixed(1)} MB/s`);
