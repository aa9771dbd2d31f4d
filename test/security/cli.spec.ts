/**
 * The smaller defects of attack 9, from the shell: bad arguments exit 2 (as the README says), a zip
 * given to a `directory` port is passed as the archive it is, `validate` does not take a zip header
 * followed by garbage for a zip, and a `local` binding honours `maxSize`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoError, createRunner, task, zipDirectory } from '@taskcell/core';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'kernel', 'bin', 'taskcell.js');
const scratch = mkdtempSync(join(tmpdir(), 'tc-sec-cli-'));
const taskcell = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: scratch, encoding: 'utf8', timeout: 30_000 });

/** Write a JavaScript spec with one input and one output (`id:type:format` each); returns its path. */
function jsSpec(name: string, script: string, input: string, output: string): string {
  const port = (p: string) => {
    const [id, type, format] = p.split(':');
    return { id, type, format };
  };
  const path = join(scratch, `${name}.json`);
  writeFileSync(path, JSON.stringify({ mode: 'javascript', script, inputs: [port(input)], outputs: [port(output)] }));
  return path;
}

const incSpec = jsSpec('inc', 'y = x + 1', 'x:number:number', 'y:number:number');
const listSpec = jsSpec(
  'list',
  "const nodeFs = require('node:fs'); listing = nodeFs.readdirSync(d).sort().map((n) => n + ':' + nodeFs.readdirSync(d + '/' + n).sort().join('+')).join(',')",
  'd:directory:path',
  'listing:string:text',
);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('attack 9: bad arguments exit 2', () => {
  test.each([
    [['run', incSpec, '--bogus'], /Unknown option '--bogus'/],
    [['run', incSpec, '--timeout', '-5'], /--timeout/],
    [['run', incSpec, '--timeout=-5'], /Expected --timeout to be a number of milliseconds > 0, got `-5`/],
    [['run', incSpec, '--timeout', 'soon'], /Expected --timeout to be a number of milliseconds > 0, got `soon`/],
    [['validate', '--type', 'number', '--format', 'number', '--nope'], /Unknown option '--nope'/],
    [['convert', '--bogus'], /Unknown option '--bogus'/],
  ])('taskcell %j', (args, message) => {
    const r = taskcell(args);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
  });

  test('a good timeout still runs', () => {
    const r = taskcell(['run', incSpec, '--input', 'x=1', '--timeout', '5000', '--no-cache']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ y: { format: 'number', data: 2 } });
  });
});

describe('attack 9: --input d=@x.zip on a directory port passes the archive', () => {
  test('the task gets the extracted directory, in Girder Worker placement', async () => {
    const src = join(scratch, 'src', 'photos');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'a');
    writeFileSync(join(src, 'b.txt'), 'b');
    const zip = await zipDirectory(src, join(scratch, 'album.zip'));
    const r = taskcell(['run', listSpec, '--input', `d=@${zip}`, '--no-cache']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ listing: { format: 'text', data: 'photos:a.txt+b.txt' } });
    expect(readFileSync(join(scratch, 'album', 'photos', 'a.txt'), 'utf8')).toBe('a');
  });
});

describe('attack 9: validate refuses a zip header followed by garbage', () => {
  test('PK\\x03\\x04 + garbage is not a zip; a real zip is', async () => {
    const fake = join(scratch, 'fake.zip');
    writeFileSync(fake, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(300, 0x41)]));
    const bad = taskcell(['validate', '--type', 'directory', '--format', 'zip', fake]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/end-of-central-directory record/);
    const dir = join(scratch, 'zipme');
    mkdirSync(dir);
    writeFileSync(join(dir, 'f'), 'x');
    const good = taskcell(['validate', '--type', 'directory', '--format', 'zip', await zipDirectory(dir)]);
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
  });
});

describe('attack 9: local bindings honour maxSize', () => {
  const big = join(scratch, 'big.txt');
  beforeAll(() => writeFileSync(big, 'x'.repeat(4096)));

  test.each(['memory', 'filepath'] as const)('a %s port refuses a file over maxSize', async (target) => {
    const runner = createRunner({ cacheDir: join(scratch, `cache-${target}`) });
    const t = task({ inputs: { f: { type: 'string', format: 'text', target } }, outputs: { n: 'integer' } }, ({ f }) => f.length);
    const err = await runner.execute(t.spec, { f: { mode: 'local', path: big, maxSize: 1024 } }, { cache: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toBe(`${big} is 4096 bytes, over the binding's maxSize of 1024`);
    expect(existsSync(big)).toBe(true);
    const ok = await runner.execute(t.spec, { f: { mode: 'local', path: big, maxSize: 4096 } }, { cache: false });
    expect(ok.data.n).toBe(target === 'memory' ? 4096 : big.length);
  });

  test('taskcell run with a local binding over maxSize fails with the io error', () => {
    const spec = jsSpec('len', 'n = s.length', 's:string:text', 'n:integer:integer');
    const r = taskcell(['run', spec, '--input', `s={"mode":"local","path":"${big}","maxSize":10}`, '--no-cache']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\[taskcell:io\] .*over the binding's maxSize of 10/);
  });
});
