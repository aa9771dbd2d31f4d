/**
 * A fresh kernel's first cell: its result arrives, a type error in it is reported (the cell does
 * not run), whether the compiler's code came from V8's code cache, was compiled afresh, or the
 * cache file was damaged.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelClient, withKernel } from './client';
import type { IMsg } from './client';

jest.setTimeout(180_000);

const of = (msgs: IMsg[], type: string): IMsg[] => msgs.filter((m) => m.header.msg_type === type);
const cacheDir = mkdtempSync(join(tmpdir(), 'taskcell-code-cache-'));
const env = { ...process.env, TASKCELL_CODE_CACHE_DIR: cacheDir };
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** The cache files, once one is there (the kernel writes it shortly after its first cell). */
async function cacheFiles(): Promise<string[]> {
  for (let i = 0; i < 300; i++) {
    const files = readdirSync(cacheDir).filter((f) => f.endsWith('.bin'));
    if (files.length > 0) return files;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code cache file was written in ${cacheDir}`);
}

/** A first cell with a type error: reported as a CompileError naming it, and nothing of the cell runs. */
async function expectTypeErrorReported(k: KernelClient): Promise<void> {
  const { reply, iopub } = await k.execute('const n: number = "text";\nconsole.log("the cell ran");');
  expect(reply.content).toMatchObject({ status: 'error', ename: 'CompileError [taskcell:compile]' });
  expect(String(reply.content.evalue)).toContain("Type 'string' is not assignable to type 'number'");
  expect(of(iopub, 'error')).toHaveLength(1);
  expect(of(iopub, 'stream')).toEqual([]);
}

describe('cold start', () => {
  it("gives a fresh kernel's first 1+1 its result, and keeps the compiler's code for the next kernel", async () => {
    await withKernel(env, async (k) => {
      const { reply, iopub } = await k.execute('1+1');
      expect(reply.content.status).toBe('ok');
      expect(of(iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '2' });
      expect(await cacheFiles()).toHaveLength(1);
    });
  });

  it('reports a type error in the first cell of a kernel whose compiler comes from the code cache', async () => {
    expect(await cacheFiles()).toHaveLength(1);
    await withKernel(env, expectTypeErrorReported);
  });

  it('reports a type error in the first cell of a kernel that compiles the compiler afresh', async () => {
    const k = new KernelClient();
    try {
      await k.start(k.dir, { ...process.env, TASKCELL_CODE_CACHE_DIR: '' });
      await expectTypeErrorReported(k);
      const { iopub } = await k.execute('1+1');
      expect(of(iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '2' });
    } finally {
      await k.close();
    }
  });

  it('runs the first cell when the cache file is damaged, and writes a good one again', async () => {
    const [file] = await cacheFiles();
    writeFileSync(join(cacheDir, file), Buffer.alloc(4096, 7));
    const damaged = readFileSync(join(cacheDir, file));
    await withKernel(env, async (k) => {
      const { iopub } = await k.execute('1+1');
      expect(of(iopub, 'execute_result')[0].content.data).toMatchObject({ 'text/plain': '2' });
      for (let i = 0; i < 300 && readFileSync(join(cacheDir, file)).equals(damaged); i++) await new Promise((r) => setTimeout(r, 100));
    });
    expect(readFileSync(join(cacheDir, file)).equals(damaged)).toBe(false);
    // The rejected cache was replaced by the code this kernel compiled: the next one accepts it and checks as before.
    await withKernel(env, expectTypeErrorReported);
  });
});
