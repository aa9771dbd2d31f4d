// Table CSV benchmarks, each against papaparse in the same run:
//  (a) CSV -> rows in memory on a generated file: taskcell's csvToRows (Girder Worker's csv_to_rows
//      semantics) vs Papa.parse(text, {header: true, dynamicTyping: true, skipEmptyLines: true});
//  (b) streaming a generated CSV to jsonlines with streamConvert (what `taskcell convert` runs), in a
//      child process whose peak RSS is read from /proc (VmHWM), vs papaparse's streaming parser
//      writing JSON lines the same way.
//
//   npm run build && node --expose-gc bench/csv.bench.mjs
//   BENCH_CSV_MB=50 BENCH_STREAM_MB=1024 (the defaults) set the sizes; BENCH_STREAM_MB=0 skips (b).
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const core = require(join(root, 'packages', 'core', 'lib', 'index.js'));
const Papa = require('papaparse');

const MB = Number(process.env.BENCH_CSV_MB ?? 50);
const STREAM_MB = Number(process.env.BENCH_STREAM_MB ?? 1024);

/** One row: an int, a float, a short string, a quoted string with a comma, an int or empty cell, yes/no. */
const row = (i) =>
  `${i},${(i * 0.37).toFixed(3)},name${i % 1000},"city ${i % 97}, state ${i % 13}",${i % 7 === 0 ? '' : i % 50},${i % 2 ? 'yes' : 'no'}\n`;
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

/** Best of `reps` timings, in seconds. */
function best(fn, reps = 3) {
  let min = Infinity;
  for (let r = 0; r < reps; r++) {
    globalThis.gc?.();
    const t0 = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return min;
}

// (a) in memory
{
  const text = generate(MB);
  const mb = Buffer.byteLength(text) / 1e6;
  let ours = 0;
  let theirs = 0;
  // Interleaved, so both see the same machine load.
  let tOurs = Infinity;
  let tPapa = Infinity;
  for (let k = 0; k < 3; k++) {
    tOurs = Math.min(
      tOurs,
      best(() => (ours = core.csvToRows(text).rows.length), 1),
    );
    tPapa = Math.min(
      tPapa,
      best(() => (theirs = Papa.parse(text, { header: true, dynamicTyping: true, skipEmptyLines: true }).data.length), 1),
    );
  }
  if (ours !== theirs) throw new Error(`row counts differ: taskcell ${ours}, papaparse ${theirs}`);
  console.log(`csv -> rows in memory: ${mb.toFixed(0)} MB, ${ours.toLocaleString('en')} rows, best of 3`);
  console.log(`  taskcell csvToRows: ${(mb / tOurs).toFixed(1)} MB/s`);
  console.log(`  papaparse (header, dynamicTyping): ${(mb / tPapa).toFixed(1)} MB/s`);
  console.log(`  ratio taskcell/papaparse: ${(tPapa / tOurs).toFixed(2)}x (target >= 0.9)`);
}

// (b) streaming
if (STREAM_MB > 0) {
  const big = join(tmpdir(), `taskcell-bench-${STREAM_MB}mb.csv`);
  if (!existsSync(big) || statSync(big).size < STREAM_MB * 1e6) {
    const out = createWriteStream(big);
    out.write(header);
    let size = header.length;
    let chunk = '';
    for (let i = 0; size < STREAM_MB * 1e6; i++) {
      const r = row(i);
      size += r.length;
      chunk += r;
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    out.end(chunk);
    await once(out, 'finish');
  }
  const inMB = statSync(big).size / 1e6;

  /** Run `body` in a child process that converts `big` to /dev/null and reports seconds, output bytes and peak RSS. */
  async function child(body) {
    const script = `
      const { createReadStream, createWriteStream, readFileSync } = require('node:fs');
      const core = require(${JSON.stringify(join(root, 'packages', 'core', 'lib', 'index.js'))});
      const Papa = require(${JSON.stringify(require.resolve('papaparse'))});
      const input = createReadStream(${JSON.stringify(big)}, { highWaterMark: 1 << 16 });
      const out = createWriteStream('/dev/null');
      let bytes = 0;
      const write = out.write.bind(out);
      out.write = (c, ...a) => { bytes += Buffer.byteLength(c); return write(c, ...a); };
      const t0 = Date.now();
      (async () => { ${body} })().then(() => {
        const hwm = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
        process.stdout.write(JSON.stringify({ secs: (Date.now() - t0) / 1000, bytes, peak: hwm }));
      });`;
    const p = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    const [code] = await once(p, 'exit');
    if (code !== 0) throw new Error(`benchmark child exited with ${code}`);
    return JSON.parse(text);
  }

  const ours = await child(`await core.streamConvert('table', 'csv', 'jsonlines', input, out);`);
  const theirs = await child(`
    await new Promise((resolve, reject) => {
      Papa.parse(input, {
        header: true, dynamicTyping: true, skipEmptyLines: true,
        chunk: (r, parser) => {
          let s = '';
          for (const o of r.data) s += JSON.stringify(o) + '\\n';
          if (!out.write(s)) { parser.pause(); out.once('drain', () => parser.resume()); }
        },
        complete: resolve, error: reject,
      });
    });
    await new Promise((r) => out.end(r));`);
  console.log(`stream csv -> jsonlines: ${inMB.toFixed(0)} MB in (${big})`);
  console.log(
    `  taskcell streamConvert: ${(inMB / ours.secs).toFixed(1)} MB/s, ${(ours.bytes / 1e6).toFixed(0)} MB out, peak RSS ${(ours.peak / 1e6).toFixed(0)} MB (target < 200 MB)`,
  );
  console.log(
    `  papaparse stream + JSON.stringify: ${(inMB / theirs.secs).toFixed(1)} MB/s, ${(theirs.bytes / 1e6).toFixed(0)} MB out, peak RSS ${(theirs.peak / 1e6).toFixed(0)} MB`,
  );
  console.log(`  ratio taskcell/papaparse throughput: ${(theirs.secs / ours.secs).toFixed(2)}x`);
}
