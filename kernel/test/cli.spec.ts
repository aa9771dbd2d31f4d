import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'kernel', 'bin', 'taskcell.js');

/** Run the built `taskcell` command (npm test builds before jest runs). */
function taskcell(args: string[], cwd = mkdtempSync(join(tmpdir(), 'tc-cli-'))) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, TASKCELL_CACHE_DIR: join(cwd, 'cache') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('taskcell run', () => {
  test('runs a workflow spec with a file input and prints its outputs as JSON', () => {
    const r = taskcell(['run', join(ROOT, 'examples', 'word-stats.json'), '--input', `text=@${join(ROOT, 'examples', 'data', 'sample.txt')}`]);
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
    writeFileSync(spec, JSON.stringify({ mode: 'javascript', script: 'b = a', inputs: [{ id: 'a', type: 'number', format: 'number' }], outputs: [{ id: 'b', type: 'number', format: 'number' }] }));
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
