import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'kernel', 'bin', 'taskcell.js');

/** Run the built `taskcell` command (npm test builds before jest runs). */
function taskcell(args: string[], cwd = mkdtempSync(join(tmpdir(), 'tc-cli-'))) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TASKCELL_CACHE_DIR: join(cwd, 'cache') },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('taskcell run', () => {
  test('runs a workflow spec with a file input and prints its outputs as JSON', () => {
    const r = taskcell([
      'run',
      join(ROOT, 'examples', 'word-stats.json'),
      '--input',
      `text=@${join(ROOT, 'examples', 'data', 'sample.txt')}`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.words).toEqual({ format: 'integer', data: 41 });
    expect(JSON.parse(out.top.data)[0]).toBe('a 4');
  });

  test('--input takes JSON values and bindings; --output writes a local file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-cli-'));
    const spec = join(dir, 'sq.json');
    writeFileSync(
      spec,
      JSON.stringify({
        mode: 'javascript',
        script: 'b = a ** 2',
        inputs: [{ id: 'a', type: 'number', format: 'number' }],
        outputs: [{ id: 'b', type: 'number', format: 'number' }],
      }),
    );
    expect(JSON.parse(taskcell(['run', spec, '--input', 'a=7']).stdout)).toEqual({ b: { format: 'number', data: 49 } });
    expect(JSON.parse(taskcell(['run', spec, '--input', 'a={"format":"json","data":"3"}']).stdout).b.data).toBe(9);
    const out = join(dir, 'b.json');
    const r = taskcell(['run', spec, '--input', 'a=2', '--output', `b={"mode":"local","path":"${out}","format":"json"}`]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('4');
    expect(JSON.parse(r.stdout).b).toEqual({ mode: 'local', path: out, format: 'json' });
  });

  test('a failure prints the typed error on stderr and exits non-zero', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-cli-'));
    const spec = join(dir, 'sq.json');
    writeFileSync(
      spec,
      JSON.stringify({
        mode: 'javascript',
        script: 'b = a',
        inputs: [{ id: 'a', type: 'number', format: 'number' }],
        outputs: [{ id: 'b', type: 'number', format: 'number' }],
      }),
    );
    const bad = taskcell(['run', spec, '--input', 'a="seven"']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^taskcell: \[taskcell:validation\] Input "a" \(string "seven"\) is not of the expected type/);
    const json = JSON.parse(bad.stderr.split('\n')[1]);
    expect(json.error).toMatchObject({ code: 'taskcell:validation', name: 'ValidationError', context: { port: 'a', type: 'number' } });
    const usage = taskcell(['run', spec, '--input', 'zz=1']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/the task has no input "zz"; its inputs are: a/);
    expect(taskcell(['frobnicate']).code).toBe(2);
  });
});

/** Run the command with bytes on stdin. */
function withStdin(args: string[], input: string | Buffer) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, env: process.env });
  return { code: r.status, stdout: r.stdout as Buffer, stderr: (r.stderr as Buffer).toString('utf8') };
}

describe('taskcell convert and validate', () => {
  const SHARED = join(ROOT, '..', 'shared', 'girder-worker');

  test('convert writes text formats as text, in-memory formats as JSON', () => {
    const nested = withStdin(['convert', '--type', 'tree', '--from', 'newick', '--to', 'nested'], '(A:1,B:2)C;');
    expect(nested.code).toBe(0);
    expect(
      JSON.parse(nested.stdout.toString()).children.map((c: { node_data: Record<string, unknown> }) => c.node_data['node name']),
    ).toEqual(['A', 'B']);
    const json = withStdin(['convert', '--type', 'number_list', '--from', 'number_list', '--to', 'json'], '[1, 2.5, 3]');
    expect(json.stdout.toString()).toBe('[1, 2.5, 3]');
  });

  test('convert writes binary formats as bytes: png -> png.base64 -> png is byte-exact', () => {
    const png = readFileSync(join(SHARED, 'raw', 'image_test_16x16.png'));
    const b64 = withStdin(['convert', '--type', 'image', '--from', 'png', '--to', 'png.base64'], png);
    expect(b64.stdout.toString()).toBe(png.toString('base64'));
    const back = withStdin(['convert', '--type', 'image', '--from', 'png.base64', '--to', 'png', '-'], b64.stdout);
    expect(Buffer.compare(back.stdout, png)).toBe(0);
  });

  test('validate exits 0 for valid data and 1 with the reason, line and column for invalid data', () => {
    expect(withStdin(['validate', '--type', 'tree', '--format', 'newick'], '(A:1,B:2)C;').code).toBe(0);
    const bad = withStdin(['validate', '--type', 'tree', '--format', 'newick'], '(A:1,\n(B:2,C:3)D:4,E;');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^taskcell: invalid tree\/newick: .*at line 2, column \d+/);
    const xml = withStdin(['validate', '--type', 'graph', '--format', 'graphml'], '<graphml><graph><node id="a"></graph>');
    expect(xml.code).toBe(1);
    expect(xml.stderr).toMatch(/line 1, column \d+/);
    const list = withStdin(['validate', '--type', 'number_list', '--format', 'number_list'], '[1, "two"]');
    expect(list.code).toBe(1);
    expect(list.stderr).toMatch(/element 1 is string "two", expected a number/);
    expect(withStdin(['validate', '--type', 'nope', '--format', 'x'], '').code).toBe(1);
  });
});

describe('taskcell spec', () => {
  const SLICER = join(ROOT, 'packages', 'core', 'test', 'fixtures', 'slicer');

  test('--from-slicer prints the task spec: ports named by <name>, numeric defaults as numbers', () => {
    const r = taskcell(['spec', '--from-slicer', join(SLICER, 'slicer-ExecutionModelTour.xml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const spec = JSON.parse(r.stdout);
    expect(spec.name).toBe('Execution Model Tour');
    const integer = spec.inputs.find((p: { name: string }) => p.name === 'integerVariable');
    expect(integer).toMatchObject({ type: 'integer', format: 'integer', default: 30, slicer: { flag: '-i', longflag: '--integer' } });
    expect(spec.outputs.map((p: { name: string }) => p.name)).toContain('outputFile1');
  });

  test('--to-slicer prints the XML of a spec, which reads back to the same ports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-cli-'));
    const specFile = join(dir, 'nuclei.json');
    const first = taskcell(['spec', '--from-slicer', join(SLICER, 'HistomicsTK-NucleiDetection.xml')]);
    writeFileSync(specFile, first.stdout);
    const r = taskcell(['spec', '--to-slicer', specFile]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<executable>/);
    writeFileSync(join(dir, 'back.xml'), r.stdout);
    const again = JSON.parse(taskcell(['spec', '--from-slicer', join(dir, 'back.xml')]).stdout);
    expect(again.inputs).toEqual(JSON.parse(first.stdout).inputs);
    expect(again.outputs).toEqual(JSON.parse(first.stdout).outputs);
  });

  test('a TypeScript-style Girder Worker spec becomes Slicer XML with a long flag per port', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-cli-'));
    const specFile = join(dir, 'sq.json');
    writeFileSync(
      specFile,
      JSON.stringify({
        name: 'square',
        mode: 'javascript',
        script: 'b = a ** 2',
        inputs: [{ id: 'a', type: 'number', format: 'number' }],
        outputs: [{ id: 'b', type: 'number', format: 'number' }],
      }),
    );
    const r = taskcell(['spec', '--to-slicer', specFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '<double>\n      <name>a</name>\n      <label>a</label>\n      <longflag>a</longflag>\n      <channel>input</channel>\n    </double>',
    );
    expect(r.stdout).toContain('<channel>output</channel>');
  });

  test('broken XML exits 1 with its line and column; a missing option exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-cli-'));
    const xml = join(dir, 'bad.xml');
    writeFileSync(xml, '<executable>\n  <parameters>\n    <integer><name>x</nme>\n');
    const r = taskcell(['spec', '--from-slicer', xml]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not well-formed XML at line 3, column 26');
    expect(r.stderr).toContain('"line":3,"column":26');
    expect(taskcell(['spec']).code).toBe(2);
  });
});
