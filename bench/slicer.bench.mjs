// Parse time of a 100-parameter Slicer CLI description: taskcell's slicerToTask (saxes, every value
// checked, line and column kept) against ctk-cli's CLIModule (ElementTree, the parser slicer_cli_web
// uses), in the same run. The same XML text is parsed N times by each; the median of 7 rounds.
//   node bench/slicer.bench.mjs   (after `npm run build`; ctk-cli in the project .venv; BENCH_N to change the count)
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const core = require('../packages/core/lib/index.js');
const N = Number(process.env.BENCH_N ?? 500);
const ROUNDS = 7;
const venvPython = join(import.meta.dirname, '..', '.venv', 'bin', 'python');
const python = process.env.TASKCELL_PYTHON ?? (existsSync(venvPython) ? venvPython : 'python3');

/** 100 parameters over 10 groups, cycling through the scalar, vector, enumeration and file kinds. */
function xml100() {
  const kinds = [
    ['integer', '<default>3</default><constraints><minimum>0</minimum><maximum>10</maximum><step>1</step></constraints>'],
    ['double', '<default>0.5</default><constraints><minimum>0</minimum><maximum>1</maximum><step>0.1</step></constraints>'],
    ['boolean', '<default>false</default>'],
    ['string', '<default>text</default>'],
    ['double-vector', '<default>1,2,3</default>'],
    ['integer-vector', '<default>1,2</default>'],
    ['string-enumeration', '<default>b</default><element>a</element><element>b</element><element>c</element>'],
    ['image', '<channel>input</channel>'],
    ['file', '<channel>output</channel>'],
    ['float', '<default>2.5</default>'],
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<executable>',
    '  <category>Bench</category>',
    '  <title>Hundred</title>',
    '  <description>100 parameters</description>',
  ];
  for (let g = 0; g < 10; g++) {
    lines.push('  <parameters>', `    <label>Group ${g}</label>`, `    <description>Group ${g} parameters</description>`);
    for (let k = 0; k < 10; k++) {
      const i = g * 10 + k;
      const [kind, extra] = kinds[k];
      lines.push(
        `    <${kind}>`,
        `      <name>p${i}</name>`,
        `      <label>Parameter ${i}</label>`,
        `      <description>The parameter number ${i}</description>`,
        `      <longflag>p${i}</longflag>`,
        `      ${extra}`,
        `    </${kind}>`,
      );
    }
    lines.push('  </parameters>');
  }
  lines.push('</executable>', '');
  return lines.join('\n');
}

const xml = xml100();
const file = join(mkdtempSync(join(tmpdir(), 'tc-slicer-bench-')), 'hundred.xml');
writeFileSync(file, xml);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const spec = core.slicerToTask(xml);
if (spec.inputs.length + spec.outputs.length !== 100) throw new Error('expected 100 parameters');
for (let i = 0; i < 50; i++) core.slicerToTask(xml); // warm up
const ours = [];
for (let r = 0; r < ROUNDS; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) core.slicerToTask(xml);
  ours.push(Number(process.hrtime.bigint() - t0) / 1e6 / N);
}

const script = `
import io, sys, time
from ctk_cli import CLIModule
data = open(sys.argv[1], 'rb').read()
m = CLIModule(stream=io.BytesIO(data))
assert sum(len(list(g)) for g in m) == 100, 'expected 100 parameters'
n = int(sys.argv[2])
for _ in range(50): CLIModule(stream=io.BytesIO(data))
for _ in range(${ROUNDS}):
    t0 = time.perf_counter()
    for _ in range(n): CLIModule(stream=io.BytesIO(data))
    print((time.perf_counter() - t0) * 1000 / n)
`;
const r = spawnSync(python, ['-c', script, file, String(N)], { encoding: 'utf8' });
if (r.status !== 0) throw new Error(`ctk-cli run failed (pip install ctk-cli into ${python}):\n${r.stderr}`);
const peer = r.stdout.trim().split('\n').map(Number);

const a = median(ours);
const b = median(peer);
console.log(`100-parameter Slicer XML, ${xml.length} bytes, median of ${ROUNDS} rounds of ${N} parses`);
console.log(`taskcell slicerToTask   ${(a * 1000).toFixed(1)} µs/parse`);
console.log(`ctk-cli CLIModule       ${(b * 1000).toFixed(1)} µs/parse  (${python})`);
console.log(`ratio taskcell/ctk-cli  ${(a / b).toFixed(2)}x  (target <= 1x)`);
