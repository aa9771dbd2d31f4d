/**
 * The kernel's compiler process: started from the V8 startup snapshot when one is built (the
 * declaration files come from it, and checking is the same as without it), started without it
 * otherwise (and a snapshot is built for the next kernel), a damaged snapshot refused; an interrupt
 * ends a compile that would take long, a compiler that dies fails only the cell it was compiling,
 * and none outlives its kernel.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { KernelClient, withKernel } from './client';
import type { IMsg } from './client';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const BUILD = join(ROOT, 'kernel', 'lib', 'jupyter', 'compiler', 'build-snapshot.js');
const of = (msgs: IMsg[], type: string): IMsg[] => msgs.filter((m) => m.header.msg_type === type);
const dirs: string[] = [];
const cacheDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'taskcell-snapshot-test-'));
  dirs.push(d);
  return d;
};
const blobs = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('compiler-') && f.endsWith('.blob'));
/** The kernel's environment with its own cache folder; spares off unless asked for. */
const envWith = (dir: string | undefined, spares = false): NodeJS.ProcessEnv => ({
  ...process.env,
  ...(dir !== undefined ? { TASKCELL_CODE_CACHE_DIR: dir } : {}),
  TASKCELL_SPARE_COMPILER: spares ? 'on' : 'off',
});
/** The pid of the compiler the kernel reported ready. */
const readyPid = (k: KernelClient): number => Number(/compiler ready, [^\n]*\(.*pid (\d+)/.exec(k.stderr)?.[1]);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Build the snapshot into `dir` as setup does. */
function buildInto(dir: string): string {
  const out = execFileSync(process.execPath, [BUILD, dir], { encoding: 'utf8' });
  expect(out).toMatch(/^built /);
  const [blob] = blobs(dir);
  return join(dir, blob);
}

/** The kernel's child processes, with their command lines. */
function children(pid: number): Array<{ pid: number; args: string }> {
  let out = '';
  try {
    out = execFileSync('ps', ['--ppid', String(pid), '-o', 'pid=,args='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const m = /^\s*(\d+)\s+(.*)$/.exec(l)!;
      return { pid: Number(m[1]), args: m[2] };
    });
}
const compilerOf = (k: KernelClient): { pid: number; args: string } | undefined =>
  children(k.proc!.pid!).find((c) => c.args.includes('--snapshot-blob') || c.args.includes('child.js'));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function until<T>(what: string, fn: () => T | undefined | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Cells whose types come from the lib files and @types/node, and a type error, as any kernel must compile them. */
async function expectChecksAsUsual(k: KernelClient): Promise<void> {
  const first = await k.execute('1+1');
  expect(of(first.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '2' });
  const node = await k.execute(
    'import { basename } from "node:path";\n[basename("/a/b.txt"), process.platform].map((s) => s.length).length',
  );
  expect(node.reply.content.status).toBe('ok');
  expect(of(node.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '2' });
  const wrong = await k.execute('const n: number = "text";\nconsole.log("the cell ran");');
  expect(wrong.reply.content).toMatchObject({ status: 'error', ename: 'CompileError [taskcell:compile]' });
  expect(String(wrong.reply.content.evalue)).toContain("Type 'string' is not assignable to type 'number'");
  expect(of(wrong.iopub, 'stream')).toEqual([]);
  const missing = await k.execute('process.nonesuch()');
  expect(String(missing.reply.content.evalue)).toContain("Property 'nonesuch' does not exist on type 'Process'");
}

describe('the compiler process', () => {
  it('starts from the snapshot, takes the declaration files from it, and checks cells as a compiler built afresh does', async () => {
    const dir = cacheDir();
    buildInto(dir);
    await withKernel(envWith(dir), async (k) => {
      await expectChecksAsUsual(k);
      expect(compilerOf(k)?.args).toContain('--snapshot-blob');
      const ready = /compiler ready, from its startup snapshot \((\d+) declaration files reused, (\d+) parsed;/.exec(k.stderr);
      expect(ready).not.toBeNull();
      // The lib files and every file of @types/node: well over a hundred.
      expect(Number(ready![1])).toBeGreaterThan(100);
    });
  });

  it('starts without a snapshot when there is none, and builds one for the next kernel', async () => {
    const dir = cacheDir();
    await withKernel(envWith(dir), async (k) => {
      await expectChecksAsUsual(k);
      expect(k.stderr).toContain('compiler ready, without a startup snapshot');
      await until(
        'the snapshot built in the background',
        () => blobs(dir).length === 1 && !readdirSync(dir).some((f) => f.endsWith('.lock')),
        120_000,
      );
    });
    await withKernel(envWith(dir), async (k) => {
      await expectChecksAsUsual(k);
      expect(k.stderr).toContain('compiler ready, from its startup snapshot');
    });
  });

  it('refuses a damaged snapshot: the cells compile without it, and the file is removed', async () => {
    const dir = cacheDir();
    const blob = buildInto(dir);
    writeFileSync(blob, Buffer.alloc(1 << 20, 7));
    await withKernel(envWith(dir), async (k) => {
      await expectChecksAsUsual(k);
      expect(k.stderr).toContain("the compiler's startup snapshot was refused");
      expect(existsSync(blob)).toBe(false);
    });
  });

  it('ends a long compile on interrupt_request; the next cell compiles, with the earlier declarations', async () => {
    await withKernel(envWith(undefined), async (k) => {
      expect((await k.execute('const before = 41;')).reply.content.status).toBe('ok');
      // Many seconds of checking: a compile the cell's own loop could never be broken out of.
      const slow = `const xs = [${Array.from({ length: 200_000 }, (_, i) => `{ a: ${i}, b: "s${i}" }`).join(',')}];\nxs.length`;
      const running = k.execute(slow);
      await k.waitFor((m) => m.header.msg_type === 'execute_input' && String(m.content.code).startsWith('const xs'));
      await new Promise((r) => setTimeout(r, 1000));
      const compiler = compilerOf(k);
      expect((await k.request('interrupt_request', {}, 'control')).content.status).toBe('ok');
      const { reply } = await running;
      expect(reply.content.status).toBe('error');
      expect(String(reply.content.ename)).toContain('InterruptedError');
      expect(String(reply.content.evalue)).toContain('while the cell was compiling');
      await until('the interrupted compiler to end', () => !alive(compiler!.pid));
      const next = await k.execute('before + 1');
      expect(of(next.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '42' });
    });
  });

  it('fails only the cell being compiled when the compiler process dies, and the next cell gets a new one', async () => {
    await withKernel(envWith(undefined), async (k) => {
      expect((await k.execute('const kept = "yes";')).reply.content.status).toBe('ok');
      const compiler = (await until('the compiler process', () => compilerOf(k)))!;
      const slow = `const ys = [${Array.from({ length: 200_000 }, (_, i) => i).join(',')}];`;
      const running = k.execute(slow);
      await k.waitFor((m) => m.header.msg_type === 'execute_input' && String(m.content.code).startsWith('const ys'));
      await new Promise((r) => setTimeout(r, 500));
      process.kill(compiler.pid, 'SIGKILL');
      const { reply } = await running;
      expect(reply.content).toMatchObject({ status: 'error', ename: 'CompilerError [taskcell:compiler]' });
      expect(String(reply.content.evalue)).toContain('signal SIGKILL');
      const next = await k.execute('kept.length');
      expect(of(next.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '3' });
      expect(compilerOf(k)?.pid).not.toBe(compiler.pid);
    });
  });

  it('does not outlive a kernel that is killed', async () => {
    const k = new KernelClient();
    let compiler: { pid: number } | undefined;
    try {
      await k.start(k.dir, envWith(undefined));
      expect((await k.execute('1+1')).reply.content.status).toBe('ok');
      compiler = await until('the compiler process', () => compilerOf(k));
    } finally {
      await k.close();
    }
    await until('the compiler to end with its kernel', () => !alive(compiler!.pid), 20_000);
  });

  describe('spares', () => {
    /** The spares' sockets beside `blob`. */
    const sparesOf = (blob: string): string[] =>
      readdirSync(dirname(blob)).filter((f) => f.startsWith(`${basename(blob)}.spare`) && /\.spare\d+$/.test(f));
    const spareWaits = (blob: string): boolean => sparesOf(blob).length > 0;

    /** A snapshot in a cache folder of its own, and the spare a first kernel left beside it. */
    async function leaveSpare(): Promise<{ dir: string; blob: string }> {
      const dir = cacheDir();
      const blob = buildInto(dir);
      await withKernel(envWith(dir, true), async (k) => {
        await expectChecksAsUsual(k);
        await until('spares waiting', () => sparesOf(blob).length === 2);
      });
      return { dir, blob };
    }

    it('a kernel leaves a spare that the next kernel takes over; it serves that kernel alone and ends with it', async () => {
      const { dir, blob } = await leaveSpare();
      let pid = 0;
      await withKernel(envWith(dir, true), async (k) => {
        await expectChecksAsUsual(k);
        expect(k.stderr).toContain('compiler ready, a spare, from its startup snapshot');
        pid = readyPid(k);
        expect(alive(pid)).toBe(true);
        // Taken: its socket is gone, and a new spare takes its slot for the kernel after.
        await until('the slot filled again', () => sparesOf(blob).length === 2);
      });
      await until('the spare to end with the kernel it served', () => !alive(pid), 20_000);
    });

    it('an interrupt ends a long compile in a spare', async () => {
      const { dir } = await leaveSpare();
      await withKernel(envWith(dir, true), async (k) => {
        expect((await k.execute('const before = 1;')).reply.content.status).toBe('ok');
        expect(k.stderr).toContain('compiler ready, a spare');
        const pid = readyPid(k);
        const slow = `const zs = [${Array.from({ length: 200_000 }, (_, i) => `{ a: ${i} }`).join(',')}];`;
        const running = k.execute(slow);
        await k.waitFor((m) => m.header.msg_type === 'execute_input' && String(m.content.code).startsWith('const zs'));
        await new Promise((r) => setTimeout(r, 1000));
        await k.request('interrupt_request', {}, 'control');
        expect(String((await running).reply.content.ename)).toContain('InterruptedError');
        await until('the interrupted spare to end', () => !alive(pid));
        const next = await k.execute('before + 1');
        expect(of(next.iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '2' });
      });
    });

    it('spares that died leave their sockets behind: the next kernel starts a compiler of its own', async () => {
      const { dir, blob } = await leaveSpare();
      const spares = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(blob) && !l.includes('ps -eo'))
        .map((l) => Number(/^\s*(\d+)/.exec(l)![1]));
      expect(spares).toHaveLength(2);
      for (const pid of spares) process.kill(pid, 'SIGKILL');
      await until('the spares to end', () => spares.every((pid) => !alive(pid)));
      expect(sparesOf(blob)).toHaveLength(2);
      await withKernel(envWith(dir, true), async (k) => {
        await expectChecksAsUsual(k);
        expect(k.stderr).toContain('the spare compiler went away before it was ready');
        expect(k.stderr).toContain('compiler ready, from its startup snapshot');
      });
    });

    it('spares nobody takes end after their idle time and remove their sockets; none is left with spares off', async () => {
      const dir = cacheDir();
      const blob = buildInto(dir);
      await withKernel(envWith(dir, false), async (k) => {
        await expectChecksAsUsual(k);
        await new Promise((r) => setTimeout(r, 2000));
        expect(spareWaits(blob)).toBe(false);
      });
      await withKernel({ ...envWith(dir, true), TASKCELL_SPARE_IDLE_MS: '3000' }, async (k) => {
        await expectChecksAsUsual(k);
        await until('spares waiting', () => sparesOf(blob).length === 2);
      });
      await until('the idle spares to remove their sockets', () => !spareWaits(blob), 20_000);
    });
  });
});
